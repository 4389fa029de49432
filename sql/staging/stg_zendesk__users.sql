-- Zendesk users (requesters and agents): one row per user, the latest version by
-- updated_at. Email and phone are canonicalised for identity resolution; external_id
-- often holds the shop's customer id in some format.
with source as (
    select * from raw.zendesk__users
),

-- The ranking sorts only the key, order and lineage columns; the wide rows are fetched
-- back by their lineage, which identifies a raw row.
latest_lineage as (
    select _loaded_at, _source_file, _source_row
    from raw.zendesk__users
    qualify row_number() over (
        partition by id
        order by updated_at desc nulls last, _loaded_at desc, _source_file desc, _source_row desc
    ) = 1
),

latest as (
    select source.*
    from source
    semi join latest_lineage
        on latest_lineage._loaded_at = source._loaded_at
        and latest_lineage._source_file = source._source_file
        and latest_lineage._source_row = source._source_row
),

renamed as (
    select
        -- ids
        id as user_id,
        external_id,
        organization_id,
        -- text
        name,
        cxp_email(email) as email,
        email as email_raw,
        cxp_phone(phone, null) as phone,
        phone as phone_raw,
        shared_phone_number as is_shared_phone,
        lower(role) as role,
        time_zone,
        iana_time_zone,
        -- timestamps
        created_at,
        updated_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
