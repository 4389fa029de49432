-- One row per resolved customer: what they bought, how they reached the company, what
-- they said, their value segment and whether they look at risk (with the reason).
-- "Now" is the latest touch in the warehouse (as_of_at), so windows such as "the last
-- 90 days" mean the same on historical exports as on live ones. Value tier: recency,
-- frequency and monetary value each scored 1-3 by percentile among buyers, summed
-- (8-9 high, 6-7 medium, 3-5 low; no_orders for customers who never bought). Preferred
-- channel: the channel of most of their touches, surveys aside.
with as_of as (
    select max(occurred_at) as as_of_at from core.interactions
),

touches as (
    select
        i.customer_id,
        i.interaction_id,
        i.touch_row,
        i.channel,
        i.occurred_at,
        i.kind,
        i.revenue,
        i.rating_type,
        i.rating,
        i.is_satisfied,
        i.is_negative_rating,
        i.is_support_contact,
        i.is_repeat_contact_7d,
        i.sentiment,
        i.occurred_at > a.as_of_at - interval 90 day as is_last_90d
    from core.interactions i
    cross join as_of a
    where i.customer_id is not null
),

-- channel_use and latest_nps read core.interactions themselves, leaving `touches` one
-- reader: a CTE read by several is materialised whole (1.2M rows at 100k customers).
channel_use as (
    select customer_id, channel, count(*) filter (where touch_row = 1) as touches, max(occurred_at) as last_at
    from core.interactions
    where customer_id is not null
    group by customer_id, channel
),

channels as (
    select customer_id, array_to_string(list_sort(list(channel)), ', ') as channels_used, count(*) as channels
    from channel_use
    group by customer_id
),

activity as (
    select
        customer_id,
        count(*) filter (where touch_row = 1) as interactions,
        min(occurred_at) as first_touch_at,
        max(occurred_at) as last_touch_at,
        count(*) filter (where kind = 'order') as orders,
        sum(revenue) filter (where kind = 'order') as revenue,
        min(occurred_at) filter (where kind = 'order') as first_order_at,
        max(occurred_at) filter (where kind = 'order') as last_order_at,
        count(*) filter (where rating_type = 'csat' and is_satisfied is not null) as csat_ratings,
        count(*) filter (where rating_type = 'csat' and is_satisfied) as csat_satisfied,
        count(*) filter (where is_support_contact) as contacts,
        count(*) filter (where is_support_contact and is_last_90d) as contacts_90d,
        count(*) filter (where is_repeat_contact_7d and is_last_90d) as repeat_contacts_90d,
        count(*) filter (where rating_type = 'csat' and is_negative_rating and is_last_90d) as bad_csat_90d,
        avg(cast(sentiment as decimal(18, 4))) filter (where touch_row = 1) as avg_sentiment,
        avg(cast(sentiment as decimal(18, 4))) filter (where touch_row = 1 and is_last_90d) as avg_sentiment_90d
    from touches
    group by customer_id
),

latest_nps as (
    select customer_id, rating as last_nps, occurred_at as last_nps_at
    from core.interactions
    where customer_id is not null and rating_type = 'nps'
    qualify row_number() over (partition by customer_id order by occurred_at desc, interaction_id desc) = 1
),

preferred_channel as (
    select customer_id, channel as preferred_channel
    from channel_use
    where channel <> 'survey'
    qualify row_number() over (partition by customer_id order by touches desc, last_at desc, channel) = 1
),

rfm as (
    select
        a.customer_id,
        date_diff('day', a.last_order_at, o.as_of_at) as recency_days,
        least(3, 1 + cast(floor(3 * percent_rank() over (order by a.last_order_at)) as integer)) as recency_score,
        least(3, 1 + cast(floor(3 * percent_rank() over (order by a.orders)) as integer)) as frequency_score,
        least(3, 1 + cast(floor(3 * percent_rank() over (order by a.revenue)) as integer)) as monetary_score
    from activity a
    cross join as_of o
    where a.orders > 0
),

profiled as (
    select
        c.customer_id,
        c.is_known,
        o.as_of_at,
        coalesce(a.interactions, 0) as interactions,
        ch.channels_used,
        coalesce(ch.channels, 0) as channels,
        a.first_touch_at,
        a.last_touch_at,
        coalesce(a.orders, 0) as orders,
        cast(coalesce(a.revenue, 0) as decimal(18, 2)) as revenue,
        a.first_order_at,
        a.last_order_at,
        n.last_nps,
        n.last_nps_at,
        case
            when n.last_nps >= 9 then 'promoter'
            when n.last_nps >= 7 then 'passive'
            when n.last_nps >= 0 then 'detractor'
            else 'no_response'
        end as nps_band,
        coalesce(a.csat_ratings, 0) as csat_ratings,
        coalesce(a.csat_satisfied, 0) as csat_satisfied,
        100.0 * a.csat_satisfied / nullif(a.csat_ratings, 0) as csat,
        coalesce(a.contacts, 0) as contacts,
        coalesce(a.contacts_90d, 0) as contacts_90d,
        coalesce(a.repeat_contacts_90d, 0) as repeat_contacts_90d,
        coalesce(a.bad_csat_90d, 0) as bad_csat_90d,
        a.avg_sentiment,
        a.avg_sentiment_90d,
        r.recency_days,
        r.recency_score,
        r.frequency_score,
        r.monetary_score,
        case
            when r.customer_id is null then 'no_orders'
            when r.recency_score + r.frequency_score + r.monetary_score >= 8 then 'high'
            when r.recency_score + r.frequency_score + r.monetary_score >= 6 then 'medium'
            else 'low'
        end as value_tier,
        coalesce(p.preferred_channel, 'none') as preferred_channel
    from core.customers c
    cross join as_of o
    left join activity a on a.customer_id = c.customer_id
    left join channels ch on ch.customer_id = c.customer_id
    left join latest_nps n on n.customer_id = c.customer_id
    left join preferred_channel p on p.customer_id = c.customer_id
    left join rfm r on r.customer_id = c.customer_id
),

risk as (
    select
        *,
        nullif(concat_ws('; ',
            case when nps_band = 'detractor' then 'last NPS ' || cast(last_nps as varchar) || ' (detractor)' end,
            case when bad_csat_90d > 0 then 'bad CSAT rating in the last 90 days' end,
            case when repeat_contacts_90d > 0 then cast(repeat_contacts_90d as varchar) || ' repeat contact(s) in the last 90 days' end,
            case when avg_sentiment_90d <= -0.05 then 'negative sentiment in the last 90 days' end,
            case when orders >= 2 and last_order_at <= as_of_at - interval 90 day then 'repeat buyer with no order in 90 days' end
        ), '') as risk_reason
    from profiled
)

select
    customer_id,                        -- resolved customer (core.customers)
    is_known,                           -- customer has a shop account or contact details, not only anonymous traces
    as_of_at,                           -- the latest touch in the warehouse: "now" for the 90-day windows
    interactions,                       -- touches of this customer (a multi-score survey response once)
    channels_used,                      -- channels the customer used, comma-separated, alphabetical
    channels,                           -- number of channels used
    first_touch_at,                     -- first touch
    last_touch_at,                      -- latest touch
    orders,                             -- orders placed
    revenue,                            -- sum of order totals
    first_order_at,                     -- first order
    last_order_at,                      -- latest order
    last_nps,                           -- latest NPS score (0-10)
    last_nps_at,                        -- when the latest NPS score was given
    nps_band,                           -- promoter (9-10), passive (7-8), detractor (0-6) by the latest score, or no_response
    csat_ratings,                       -- CSAT ratings given (Zendesk good/bad, 1-5 surveys)
    csat_satisfied,                     -- of which satisfied (Zendesk good, 4-5)
    csat,                               -- 100 x satisfied / rated over the customer's CSAT ratings
    contacts,                           -- support contacts made, all time
    contacts_90d,                       -- support contacts in the last 90 days
    repeat_contacts_90d,                -- support contacts in the last 90 days followed by another within 7 days
    bad_csat_90d,                       -- bad CSAT ratings (Zendesk bad, 1-2 of 5) in the last 90 days
    avg_sentiment,                      -- mean VADER score of the customer's texts, all time
    avg_sentiment_90d,                  -- mean VADER score of the customer's texts in the last 90 days
    recency_days,                       -- days from the latest order to as_of_at
    recency_score,                      -- 1-3: more recent last order scores higher (percentile among buyers)
    frequency_score,                    -- 1-3: more orders score higher
    monetary_score,                     -- 1-3: more revenue scores higher
    value_tier,                         -- high, medium, low (sum of the three scores), no_orders
    preferred_channel,                  -- channel of most touches (surveys aside); none without touches
    value_tier || '/' || preferred_channel as segment, -- value tier x preferred channel, e.g. high/app
    orders > 0 and last_order_at <= as_of_at - interval 90 day as is_churned, -- bought before, no order in the last 90 days
    risk_reason is not null as is_at_risk, -- any risk reason applies
    risk_reason                         -- why: detractor, bad CSAT, repeat contacts, negative sentiment, lapsing repeat buyer
from risk
