-- Shopify customers: one row per customer (latest load wins), contact details normalised.
-- The older export layout has no Customer ID: its rows are keyed `email:<email>`, else
-- `row:<hash of the person fields>`. Phones are read in the customer's country when known.
with source as (
    select * from raw.shopify_customers__customers
),

keyed as (
    select
        *,
        coalesce(customer_id, 'email:' || cxp_email(email), 'row:' || row_hash) as customer_key,
        case when length(trim(default_address_country_code)) = 2 then upper(trim(default_address_country_code)) end as phone_region
    from source
),

latest as (
    select *
    from keyed
    qualify row_number() over (partition by customer_key order by _loaded_at desc, _source_file desc, _source_row desc) = 1
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
