-- What experience is worth: revenue per customer, repeat purchase rate and churn (no
-- order in the 90 days before as_of_at) for customers grouped two ways: by NPS band
-- (latest score) and by support experience. Support experience is one class per
-- customer, the worst that applies: bad_rating (a support contact rated bad), then
-- repeat_contact (a support contact followed by another within 7 days), then
-- resolved_first_time (support contacts, none repeated or rated bad), else
-- no_support_contact. Repeat purchase and churn are shares of the group's buyers.
with support_experience as (
    select
        customer_id,
        case
            when bool_or(stage = 'support' and is_negative_rating) then 'bad_rating'
            when bool_or(is_repeat_contact_7d) then 'repeat_contact'
            else 'resolved_first_time'
        end as support_experience
    from core.interactions
    where customer_id is not null and (is_support_contact or (stage = 'support' and rating_type is not null))
    group by customer_id
),

customers as (
    select
        c.customer_id,
        c.nps_band,
        coalesce(s.support_experience, 'no_support_contact') as support_experience,
        c.orders,
        c.revenue,
        c.is_churned
    from marts.customer_experience c
    left join support_experience s on s.customer_id = c.customer_id
),

grouped as (
    select 'nps_band' as dimension, nps_band as experience, customers.* from customers
    union all
    select 'support_experience' as dimension, support_experience as experience, customers.* from customers
)

select
    dimension,                          -- nps_band or support_experience
    experience,                         -- promoter, passive, detractor, no_response | resolved_first_time, repeat_contact, bad_rating, no_support_contact
    count(*) as customers,              -- customers in the group
    count(*) filter (where orders >= 1) as buyers, -- customers with at least one order
    cast(sum(revenue) as decimal(18, 2)) as revenue, -- their order totals
    cast(sum(revenue) / count(*) as double) as revenue_per_customer, -- revenue / customers
    1.0 * count(*) filter (where orders >= 2) / nullif(count(*) filter (where orders >= 1), 0) as repeat_purchase_rate, -- buyers with two or more orders / buyers
    1.0 * count(*) filter (where is_churned) / nullif(count(*) filter (where orders >= 1), 0) as churn_rate -- buyers with no order in the last 90 days / buyers
from grouped
group by dimension, experience
