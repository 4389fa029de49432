-- Qualtrics survey responses: one row per ResponseId (latest load wins), with the NPS
-- (0-10), CSAT (1-5) and CES (1-7) scores the connector identified and validated, and the
-- free-text answers joined into `comment`. Unfinished responses are kept (finished = false).
with source as (
    select * from raw.qualtrics__responses
),

latest as (
    select *
    from source
    qualify row_number() over (partition by response_id order by _loaded_at desc, _source_file desc, _source_row desc) = 1
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
