-- Customers: one row per resolved customer (the golden record). Survivorship: each
-- attribute comes from the most trusted source that has it (shop account, then orders,
-- Zendesk users, surveys, calls and tickets, app, social), the most recent record
-- first; name parts come together from one record, and so do city and country.
-- is_known: the customer has a shop account or a contact detail (email or phone).
-- orders and revenue: the customer's shop orders that were not cancelled; revenue is
-- their total less refunds, in the shop's currency.
with members as (
    select a.customer_id, p.*
    from identity.node_assignment a
    inner join identity.person_records p on p.node_id = a.node_id
),

ranked as (
    select
        customer_id,
        first_value(case when full_name is not null or first_name is not null then node_id end ignore nulls) over w as name_node,
        first_value(email ignore nulls) over w as email,
        first_value(phone ignore nulls) over w as phone,
        first_value(case when city is not null or country is not null then node_id end ignore nulls) over w as place_node
    from members
    window w as (
        partition by customer_id
        order by trust_rank, seen_last_at desc nulls last, node_id
        rows between unbounded preceding and unbounded following
    )
),

golden as (
    select customer_id, max(name_node) as name_node, max(email) as email, max(phone) as phone, max(place_node) as place_node
    from ranked
    group by customer_id
),

activity as (
    select
        customer_id,
        min(seen_first_at) as first_seen_at,
        max(seen_last_at) as last_seen_at,
        array_to_string(list_sort(list_distinct(list(source))), ',') as sources,
        cast(sum(n_records) as bigint) as n_records,
        bool_or(entity = 'customers' and source = 'shopify') as has_shop_account
    from members
    group by customer_id
),

orders as (
    select
        m.customer_id,
        count(*) as orders,
        sum(coalesce(o.total, 0) - coalesce(o.refunded_amount, 0)) as revenue
    from members m
    inner join staging.stg_shopify__orders o on m.source = 'shopify' and m.entity = 'orders' and m.source_record_id = o.order_id
    where o.cancelled_at is null
    group by m.customer_id
)

select
    g.customer_id,
    n.first_name,
    n.last_name,
    coalesce(n.full_name, trim(concat_ws(' ', n.first_name, n.last_name))) as name,
    g.email,
    g.phone,
    pl.city,
    pl.country,
    a.has_shop_account or g.email is not null or g.phone is not null as is_known,
    a.first_seen_at,
    a.last_seen_at,
    a.sources,
    a.n_records,
    coalesce(o.orders, 0) as orders,
    coalesce(o.revenue, 0) as revenue
from golden g
inner join activity a on a.customer_id = g.customer_id
left join identity.person_records n on n.node_id = g.name_node
left join identity.person_records pl on pl.node_id = g.place_node
left join orders o on o.customer_id = g.customer_id
