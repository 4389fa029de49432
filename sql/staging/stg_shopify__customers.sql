-- Shopify customers: one row per customer (latest load wins), contact details normalised.
-- The older export layout has no Customer ID: its rows are keyed `email:<email>`, else
-- `row:<hash of the person fields>`. Phones are read in the customer's country when known.
with source as (
    select * from raw.shopify_customers__customers
),

customer_keys as (
    select
        coalesce(customer_id, 'email:' || cxp_email(email), 'row:' || row_hash) as customer_key,
        _loaded_at,
        _source_file,
        _source_row
    from raw.shopify_customers__customers
),

-- Per key the greatest (_loaded_at, _source_file, _source_row): the latest load's last
-- copy. Found on the narrow key and lineage columns alone (a hash aggregate, no sort of
-- wide rows), then the wide row is fetched back by its lineage, which identifies a raw row.
latest_lineage as (
    select
        customer_key,
        max(struct_pack(_loaded_at := _loaded_at, _source_file := _source_file, _source_row := _source_row)) as lineage
    from customer_keys
    group by customer_key
),

latest as (
    select
        source.*,
        latest_lineage.customer_key,
        case when length(trim(default_address_country_code)) = 2 then upper(trim(default_address_country_code)) end as phone_region
    from source
    inner join latest_lineage
        on latest_lineage.lineage._loaded_at = source._loaded_at
        and latest_lineage.lineage._source_file = source._source_file
        and latest_lineage.lineage._source_row = source._source_row
),

renamed as (
    select
        -- ids
        customer_key as customer_id,
        -- person
        first_name,
        last_name,
        cxp_email(email) as email,
        email as email_raw,
        cxp_phone(phone, phone_region) as phone,
        phone as phone_raw,
        cxp_phone(default_address_phone, phone_region) as address_phone,
        default_address_phone as address_phone_raw,
        -- default address
        default_address_company as company,
        default_address_address1 as address1,
        default_address_address2 as address2,
        default_address_city as city,
        default_address_province_code as province_code,
        default_address_country_code as country_code,
        default_address_zip as zip,
        -- consent and flags
        accepts_email_marketing,
        accepts_sms_marketing,
        tax_exempt,
        -- numerics
        total_spent,
        total_orders,
        -- text
        note,
        tags,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
