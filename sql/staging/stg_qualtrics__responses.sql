-- Qualtrics survey responses: one row per ResponseId (latest load wins), with the NPS
-- (0-10), CSAT (1-5) and CES (1-7) scores the connector identified and validated, and the
-- free-text answers joined into `comment`. Unfinished responses are kept (finished = false).
with source as (
    select * from raw.qualtrics__responses
),

-- Per key the greatest (_loaded_at, _source_file, _source_row): the latest load's last
-- copy. Found on the narrow lineage columns alone (a hash aggregate, no sort of wide
-- rows), then the wide row is fetched back by its lineage, which identifies a raw row.
latest_lineage as (
    select max(struct_pack(_loaded_at := _loaded_at, _source_file := _source_file, _source_row := _source_row)) as lineage
    from raw.qualtrics__responses
    group by response_id
),

latest as (
    select source.*
    from source
    semi join latest_lineage
        on latest_lineage.lineage._loaded_at = source._loaded_at
        and latest_lineage.lineage._source_file = source._source_file
        and latest_lineage.lineage._source_row = source._source_row
),

renamed as (
    select
        -- ids
        response_id,
        external_reference,
        -- respondent
        recipient_first_name as first_name,
        recipient_last_name as last_name,
        cxp_email(recipient_email) as email,
        recipient_email as email_raw,
        -- context
        distribution_channel,
        user_language as language,
        status,
        progress,
        finished,
        duration_in_seconds as duration_seconds,
        -- scores and text
        nps_score,
        csat_score,
        ces_score,
        comment,
        answers,
        -- timestamps
        start_date as started_at,
        end_date as ended_at,
        recorded_date as recorded_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
