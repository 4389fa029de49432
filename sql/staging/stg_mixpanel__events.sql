-- Mixpanel app events: one row per `$insert_id` (Mixpanel's export does not
-- deduplicate; the latest load wins), times in UTC.
-- Identity: before login the distinct_id is `$device:<id>`, an anonymous device; after
-- it, `$user_id` (or the distinct_id itself) is the app's account id.
with source as (
    select * from raw.mixpanel__events
),

-- Per key the greatest (_loaded_at, _source_file, _source_row): the latest load's last
-- copy. Found on the narrow lineage columns alone (a hash aggregate, no sort of wide
-- rows), then the wide row is fetched back by its lineage, which identifies a raw row.
latest_lineage as (
    select max(struct_pack(_loaded_at := _loaded_at, _source_file := _source_file, _source_row := _source_row)) as lineage
    from raw.mixpanel__events
    group by insert_id
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
        insert_id,
        distinct_id,
        coalesce(device_id, case when distinct_id like '$device:%' then substr(distinct_id, 9) end) as device_id,
        coalesce(
            user_id,
            -- a distinct_id that is neither `$device:...` nor the device id is the account id
            case when distinct_id not like '$device:%' and distinct_id is distinct from device_id then distinct_id end
        ) as user_id,
        -- contact
        cxp_email(email) as email,
        email as email_raw,
        -- text
        event as event_name,
        os,
        city,
        upper(mp_country_code) as country_code,
        order_ref,
        -- numerics
        revenue,
        -- properties (JSON text; stored with ZSTD: pipelines/sql_models.COLUMN_COMPRESSION)
        properties,
        -- timestamps
        time as event_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
