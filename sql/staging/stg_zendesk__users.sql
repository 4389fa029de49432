-- Zendesk users (requesters and agents): one row per user, the latest version by
-- updated_at. Email and phone are canonicalised for identity resolution; external_id
-- often holds the shop's customer id in some format.
with source as (
    select * from raw.zendesk__users
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by id
        order by updated_at desc nulls last, _loaded_at desc, _source_file desc, _source_row desc
    ) = 1
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
