-- Amplitude app events: one row per event, times in UTC. The key is `$insert_id`
-- (Amplitude's `uuid` when the app sent none): exports overlap and late events
-- reappear in later exports, so the latest load of each event wins.
-- Identity: user_id (the app's account id), device ids, and the email the app set.
with source as (
    select * from raw.amplitude__events
),

-- Per key the greatest (_loaded_at, _source_file, _source_row): the latest load's last
-- copy. Found on the narrow lineage columns alone (a hash aggregate, no sort of wide
-- rows), then the wide row is fetched back by its lineage, which identifies a raw row.
latest_lineage as (
    select max(struct_pack(_loaded_at := _loaded_at, _source_file := _source_file, _source_row := _source_row)) as lineage
    from raw.amplitude__events
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
        user_id,
        device_id,
        amplitude_id,
        -- an all-zero advertising id means the user limited ad tracking: it is no id
        case when replace(replace(adid, '0', ''), '-', '') <> '' then adid end as adid,
        case when replace(replace(idfa, '0', ''), '-', '') <> '' then idfa end as idfa,
        case when replace(replace(idfv, '0', ''), '-', '') <> '' then idfv end as idfv,
        cast(nullif(session_id, -1) as varchar) as session_id,  -- -1: outside any session
        -- contact
        cxp_email(user_properties_email) as email,
        user_properties_email as email_raw,
        -- text
        event_type,
        platform,
        os_name,
        country,
        city,
        order_ref,
        -- numerics
        revenue,
        -- properties (JSON text)
        event_properties,
        user_properties,
        -- timestamps
        event_time as event_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
