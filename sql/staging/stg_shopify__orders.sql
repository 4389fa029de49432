-- Shopify orders: one row per order (latest load wins when an order is re-exported), its
-- line items counted. The export has one row per line item; the order-level columns are
-- on the first row (line_number = 1), and every line knows that row (order_first_row).
-- Times are UTC; channel: pos -> store, the mobile apps -> app, anything else -> web.
with source as (
    select * from raw.shopify_orders__orders
),

first_rows as (
    select * from source where line_number = 1
),

-- Per order the greatest (_loaded_at, _source_file, _source_row): the latest load's last
-- copy, found on the narrow key and lineage columns (a hash aggregate, no sort of wide
-- rows), then the wide row fetched back by its lineage, which identifies a raw row.
latest_lineage as (
    select
        order_id,
        max(struct_pack(_loaded_at := _loaded_at, _source_file := _source_file, _source_row := _source_row)) as lineage
    from first_rows
    group by order_id
),

latest as (
    select first_rows.*
    from first_rows
    inner join latest_lineage
        on latest_lineage.lineage._loaded_at = first_rows._loaded_at
        and latest_lineage.lineage._source_file = first_rows._source_file
        and latest_lineage.lineage._source_row = first_rows._source_row
),

line_totals as (
    select
        _source_file,
        _loaded_at,
        order_first_row,
        count(*) as line_items,
        cast(sum(lineitem_quantity) as bigint) as quantity
    from source
    group by _source_file, _loaded_at, order_first_row
),

orders as (
    select
        latest.*,
        line_totals.line_items,
        line_totals.quantity,
        case when length(trim(billing_country)) = 2 then upper(trim(billing_country)) end as billing_region,
        case when length(trim(shipping_country)) = 2 then upper(trim(shipping_country)) end as shipping_region
    from latest
    left join line_totals
        on line_totals._source_file = latest._source_file
        and line_totals._loaded_at = latest._loaded_at
        and line_totals.order_first_row = latest.order_first_row
),

renamed as (
    select
        -- ids
        order_id,
        name as order_name,
        nullif(regexp_extract(name, '[0-9]+', 0), '') as order_number,
        -- customer contact
        cxp_email(email) as email,
        email as email_raw,
        cxp_phone(phone, coalesce(billing_region, shipping_region)) as phone,
        phone as phone_raw,
        cxp_phone(billing_phone, coalesce(billing_region, shipping_region)) as billing_phone,
        billing_phone as billing_phone_raw,
        cxp_phone(shipping_phone, coalesce(shipping_region, billing_region)) as shipping_phone,
        shipping_phone as shipping_phone_raw,
        -- addresses
        billing_name,
        shipping_name,
        billing_address1,
        billing_city,
        billing_zip,
        billing_province,
        billing_country,
        shipping_address1,
        shipping_city,
        shipping_zip,
        shipping_province,
        shipping_country,
        -- status
        financial_status,
        fulfillment_status,
        -- money
        currency,
        subtotal,
        shipping,
        taxes,
        total,
        discount_amount,
        refunded_amount,
        -- channel
        source as source_name,
        case
            when lower(trim(source)) in ('pos', 'shopify_pos', 'point of sale') then 'store'
            when lower(trim(source)) in ('iphone', 'android', 'ios', 'mobile app', 'mobile_app', 'shopify_mobile', 'app') then 'app'
            else 'web'
        end as channel,
        location,
        -- numerics
        line_items,
        quantity,
        -- text
        tags,
        notes,
        -- timestamps
        created_at,
        paid_at,
        fulfilled_at,
        cancelled_at,
        -- lineage
        _source_file,
        _source_row
    from orders
)

select * from renamed
