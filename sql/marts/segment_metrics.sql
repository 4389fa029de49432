-- The touchpoint metrics per customer segment (value tier x preferred channel, from
-- marts.customer_experience), over all time: one row per segment x touchpoint, with the
-- same definitions as marts.touchpoint_metrics. Only identified customers' touches
-- count (anonymous touches have no segment). Contact rate here is the segment's
-- support contacts at the touchpoint per order the segment placed.
with touches as (
    select i.*, c.segment, c.value_tier, c.preferred_channel
    from core.interactions i
    join marts.customer_experience c on c.customer_id = i.customer_id
),

segment_sizes as (
    select segment, count(*) as segment_customers, count(*) filter (where orders > 0) as segment_buyers
    from marts.customer_experience
    group by segment
),

segment_orders as (
    select segment, count(*) as orders
    from touches
    where kind = 'order'
    group by segment
),

measures as (
    select
        segment,
        min(value_tier) as value_tier,
        min(preferred_channel) as preferred_channel,
        touchpoint,
        min(stage) as stage,
        min(channel) as channel,
        count(*) filter (where touch_row = 1) as interactions,
        count(distinct customer_id) as customers,
        count(*) filter (where touch_row = 1 and customer_id is not null) as identified,
        -- ratings
        count(*) filter (where rating_type = 'nps') as nps_responses,
        count(*) filter (where rating_type = 'nps' and rating >= 9) as promoters,
        count(*) filter (where rating_type = 'nps' and rating <= 6) as detractors,
        count(*) filter (where rating_type = 'csat' and is_satisfied is not null) as csat_ratings,
        count(*) filter (where rating_type = 'csat' and is_satisfied) as csat_satisfied,
        count(*) filter (where rating_type = 'ces') as ces_responses,
        avg(rating) filter (where rating_type = 'ces') as ces,
        count(*) filter (where rating_type = 'stars') as star_ratings,
        avg(rating) filter (where rating_type = 'stars') as avg_stars,
        avg(cast(sentiment as decimal(18, 4))) filter (where touch_row = 1) as avg_sentiment,
        count(sentiment) filter (where touch_row = 1) as texts,
        -- support
        count(*) filter (where kind = 'ticket') as tickets,
        median(first_reply_minutes) as first_reply_median_minutes,
        quantile(first_reply_minutes, 0.9) as first_reply_p90_minutes,
        median(full_resolution_minutes) as resolution_median_minutes,
        quantile(full_resolution_minutes, 0.9) as resolution_p90_minutes,
        count(reopens) as tickets_with_metrics,
        count(*) filter (where reopens > 0) as reopened_tickets,
        count(*) filter (where is_solved and kind = 'ticket' and replies is not null) as solved_tickets_with_metrics,
        count(*) filter (where is_solved and kind = 'ticket' and replies = 1) as one_touch_tickets,
        count(*) filter (where is_support_contact) as support_contacts,
        count(is_repeat_contact_7d) as identified_support_contacts,
        count(*) filter (where is_repeat_contact_7d) as repeat_contacts_7d,
        count(is_escalated) as escalation_candidates,
        count(*) filter (where is_escalated) as escalations,
        count(handle_seconds) as handled_contacts,
        avg(handle_seconds) as aht_seconds,
        count(is_abandoned) as contact_center_contacts,
        count(*) filter (where is_abandoned) as abandoned_contacts,
        -- commerce
        count(*) filter (where kind = 'order') as orders,
        sum(revenue) filter (where kind = 'order') as revenue,
        count(*) filter (where kind = 'order' and is_refunded) as refunded_orders,
        count(*) filter (where kind = 'order' and is_cancelled) as cancelled_orders,
        count(*) filter (where is_checkout_failure) as checkout_failures,
        count(*) filter (where is_checkout_success) as checkout_successes
    from touches
    group by segment, touchpoint
)

select
    -- ===== keys =====
    m.segment,                          -- value tier / preferred channel (marts.customer_experience.segment)
    m.value_tier,                       -- high, medium, low, no_orders
    m.preferred_channel,                -- the segment's preferred channel
    s.segment_customers,                -- customers in the segment
    s.segment_buyers,                   -- customers in the segment with at least one order
    m.touchpoint,                       -- <stage>:<channel>
    m.stage,                            -- discover, purchase, use, support, feedback
    m.channel,                          -- web, app, store, email, phone, chat, social, app_store, survey
    -- ===== volume =====
    m.interactions,                     -- touches (a multi-score survey response once)
    m.customers,                        -- distinct identified customers
    1.0 * m.identified / nullif(m.interactions, 0) as share_identified, -- share of touches resolved to a customer
    -- ===== ratings =====
    m.nps_responses,                    -- NPS responses (scores 0-10)
    100.0 * (m.promoters - m.detractors) / nullif(m.nps_responses, 0) as nps, -- 100 x (promoters 9-10 - detractors 0-6) / responses
    m.csat_ratings,                     -- CSAT ratings: Zendesk good + bad, 1-5 survey answers
    100.0 * m.csat_satisfied / nullif(m.csat_ratings, 0) as csat, -- 100 x satisfied (good, 4-5) / rated
    m.ces_responses,                    -- CES responses (1-7)
    m.ces,                              -- mean effort score 1-7
    m.star_ratings,                     -- star ratings (1-5)
    m.avg_stars,                        -- mean star rating
    m.texts,                            -- touches with free text scored for sentiment
    m.avg_sentiment,                    -- mean VADER compound score of the touches' text (-1..1)
    -- ===== support =====
    case when m.stage = 'support' then m.tickets end as tickets, -- Zendesk tickets
    m.first_reply_median_minutes,       -- median first reply time, calendar minutes
    m.first_reply_p90_minutes,          -- 90th percentile first reply time, calendar minutes
    m.resolution_median_minutes,        -- median full resolution time, calendar minutes
    m.resolution_p90_minutes,           -- 90th percentile full resolution time, calendar minutes
    1.0 * m.reopened_tickets / nullif(m.tickets_with_metrics, 0) as reopen_rate, -- tickets reopened at least once / tickets with metrics
    1.0 * m.one_touch_tickets / nullif(m.solved_tickets_with_metrics, 0) as one_touch_rate, -- solved tickets with exactly one agent reply / solved tickets
    case when m.stage = 'support' then m.support_contacts end as support_contacts, -- contacts the customer made (tickets, inbound contacts)
    case when m.stage = 'support' then m.repeat_contacts_7d end as repeat_contacts_7d, -- support contacts followed by another of the same customer, any channel, within 7 days
    1.0 * m.repeat_contacts_7d / nullif(m.identified_support_contacts, 0) as repeat_contact_rate_7d, -- repeat contacts / support contacts of identified customers
    1.0 - 1.0 * m.repeat_contacts_7d / nullif(m.identified_support_contacts, 0) as fcr, -- first contact resolution = 1 - repeat contact rate (7 d)
    1.0 * m.escalations / nullif(m.escalation_candidates, 0) as escalation_rate, -- escalated tickets and transferred contacts / support records
    m.aht_seconds,                      -- average handle time: mean talk + hold + after-contact work of handled contacts
    1.0 * m.abandoned_contacts / nullif(m.contact_center_contacts, 0) as abandon_rate, -- contacts never connected to an agent / all contacts
    case when m.stage = 'support' then 1.0 * m.support_contacts / nullif(o.orders, 0) end as contact_rate, -- this touchpoint's support contacts / the segment's orders
    -- ===== commerce =====
    case when m.stage = 'purchase' then m.orders end as orders, -- orders placed
    case when m.stage = 'purchase' then cast(coalesce(m.revenue, 0) as decimal(18, 2)) end as revenue, -- order totals
    cast(m.revenue / nullif(m.orders, 0) as double) as average_order_value, -- revenue / orders
    1.0 * m.refunded_orders / nullif(m.orders, 0) as refund_rate, -- orders refunded in full or part / orders
    1.0 * m.cancelled_orders / nullif(m.orders, 0) as cancellation_rate, -- orders cancelled or voided / orders
    1.0 * m.checkout_failures / nullif(m.checkout_failures + m.checkout_successes, 0) as checkout_failure_rate -- failed / (failed + completed) app checkouts
from measures m
join segment_sizes s on s.segment = m.segment
left join segment_orders o on o.segment = m.segment
