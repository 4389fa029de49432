-- Experience metrics per touchpoint (<stage>:<channel>) and period: one row per
-- touchpoint x grain (day, week, month, all) x period_start (NULL for all), per the
-- contract's metric definitions. A touch counts in the period it occurred in; ratings
-- count once per rating row (a survey response answering NPS and CSAT counts in both);
-- touch counts and sentiment use each touch's first row. Support measures are NULL
-- outside support touchpoints, commerce measures outside purchase touchpoints.
with touches as (
    select
        *,
        cast(date_trunc('day', occurred_at) as date) as day_start,
        cast(date_trunc('week', occurred_at) as date) as week_start,
        cast(date_trunc('month', occurred_at) as date) as month_start
    from core.interactions
),

-- Counts and sums add up: taken once per touchpoint and day, then rolled up to weeks,
-- months and all time (one grouping set per grain, NULL period for all time). VADER
-- scores have four decimals, so they are summed as decimals: exact, and the same on every
-- run (a sum of doubles depends on the order threads add them up).
daily as (
    select
        touchpoint,
        day_start,
        week_start,
        month_start,
        min(stage) as stage,
        min(channel) as channel,
        count(*) filter (where touch_row = 1) as interactions,
        count(*) filter (where touch_row = 1 and customer_id is not null) as identified,
        count(*) filter (where rating_type = 'nps') as nps_responses,
        count(*) filter (where rating_type = 'nps' and rating >= 9) as promoters,
        count(*) filter (where rating_type = 'nps' and rating <= 6) as detractors,
        count(*) filter (where rating_type = 'csat' and is_satisfied is not null) as csat_ratings,
        count(*) filter (where rating_type = 'csat' and is_satisfied) as csat_satisfied,
        count(*) filter (where rating_type = 'ces') as ces_responses,
        sum(rating) filter (where rating_type = 'ces') as ces_sum,
        count(*) filter (where rating_type = 'stars') as star_ratings,
        sum(rating) filter (where rating_type = 'stars') as stars_sum,
        count(sentiment) filter (where touch_row = 1) as texts,
        sum(cast(sentiment as decimal(18, 4))) filter (where touch_row = 1) as sentiment_sum,
        count(*) filter (where kind = 'ticket') as tickets,
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
        sum(handle_seconds) as handle_seconds_sum,
        count(is_abandoned) as contact_center_contacts,
        count(*) filter (where is_abandoned) as abandoned_contacts,
        count(*) filter (where kind = 'order') as orders,
        sum(revenue) filter (where kind = 'order') as revenue,
        count(*) filter (where kind = 'order' and is_refunded) as refunded_orders,
        count(*) filter (where kind = 'order' and is_cancelled) as cancelled_orders,
        count(*) filter (where is_checkout_failure) as checkout_failures,
        count(*) filter (where is_checkout_success) as checkout_successes
    from touches
    group by touchpoint, day_start, week_start, month_start
),

rolled as (
    select
        touchpoint,
        min(stage) as stage,
        min(channel) as channel,
        case
            when grouping(day_start) = 0 then 'day'
            when grouping(week_start) = 0 then 'week'
            when grouping(month_start) = 0 then 'month'
            else 'all'
        end as grain,
        coalesce(day_start, week_start, month_start) as period_start,
        cast(sum(interactions) as bigint) as interactions,
        cast(sum(identified) as bigint) as identified,
        cast(sum(nps_responses) as bigint) as nps_responses,
        cast(sum(promoters) as bigint) as promoters,
        cast(sum(detractors) as bigint) as detractors,
        cast(sum(csat_ratings) as bigint) as csat_ratings,
        cast(sum(csat_satisfied) as bigint) as csat_satisfied,
        cast(sum(ces_responses) as bigint) as ces_responses,
        sum(ces_sum) as ces_sum,
        cast(sum(star_ratings) as bigint) as star_ratings,
        sum(stars_sum) as stars_sum,
        cast(sum(texts) as bigint) as texts,
        sum(sentiment_sum) as sentiment_sum,
        cast(sum(tickets) as bigint) as tickets,
        cast(sum(tickets_with_metrics) as bigint) as tickets_with_metrics,
        cast(sum(reopened_tickets) as bigint) as reopened_tickets,
        cast(sum(solved_tickets_with_metrics) as bigint) as solved_tickets_with_metrics,
        cast(sum(one_touch_tickets) as bigint) as one_touch_tickets,
        cast(sum(support_contacts) as bigint) as support_contacts,
        cast(sum(identified_support_contacts) as bigint) as identified_support_contacts,
        cast(sum(repeat_contacts_7d) as bigint) as repeat_contacts_7d,
        cast(sum(escalation_candidates) as bigint) as escalation_candidates,
        cast(sum(escalations) as bigint) as escalations,
        cast(sum(handled_contacts) as bigint) as handled_contacts,
        sum(handle_seconds_sum) as handle_seconds_sum,
        cast(sum(contact_center_contacts) as bigint) as contact_center_contacts,
        cast(sum(abandoned_contacts) as bigint) as abandoned_contacts,
        cast(sum(orders) as bigint) as orders,
        sum(revenue) as revenue,
        cast(sum(refunded_orders) as bigint) as refunded_orders,
        cast(sum(cancelled_orders) as bigint) as cancelled_orders,
        cast(sum(checkout_failures) as bigint) as checkout_failures,
        cast(sum(checkout_successes) as bigint) as checkout_successes
    from daily
    group by grouping sets ((touchpoint, day_start), (touchpoint, week_start), (touchpoint, month_start), (touchpoint))
),

-- Distinct customers and percentiles do not add up: computed per grain from the rows.
reach as (
    select
        touchpoint,
        case
            when grouping(day_start) = 0 then 'day'
            when grouping(week_start) = 0 then 'week'
            when grouping(month_start) = 0 then 'month'
            else 'all'
        end as grain,
        coalesce(day_start, week_start, month_start) as period_start,
        count(distinct customer_id) as customers
    from (
        select distinct touchpoint, customer_id, day_start, week_start, month_start
        from touches
        where customer_id is not null
    ) d
    group by grouping sets ((touchpoint, day_start), (touchpoint, week_start), (touchpoint, month_start), (touchpoint))
),

ticket_times as (
    select
        touchpoint,
        case
            when grouping(day_start) = 0 then 'day'
            when grouping(week_start) = 0 then 'week'
            when grouping(month_start) = 0 then 'month'
            else 'all'
        end as grain,
        coalesce(day_start, week_start, month_start) as period_start,
        median(first_reply_minutes) as first_reply_median_minutes,
        quantile(first_reply_minutes, 0.9) as first_reply_p90_minutes,
        median(full_resolution_minutes) as resolution_median_minutes,
        quantile(full_resolution_minutes, 0.9) as resolution_p90_minutes
    from touches
    where kind = 'ticket'
    group by grouping sets ((touchpoint, day_start), (touchpoint, week_start), (touchpoint, month_start), (touchpoint))
),

orders_in_period as (
    select
        case
            when grouping(day_start) = 0 then 'day'
            when grouping(week_start) = 0 then 'week'
            when grouping(month_start) = 0 then 'month'
            else 'all'
        end as grain,
        coalesce(day_start, week_start, month_start) as period_start,
        cast(sum(orders) as bigint) as orders
    from daily
    group by grouping sets ((day_start), (week_start), (month_start), ())
),

measures as (
    select
        r.*,
        coalesce(c.customers, 0) as customers,
        r.ces_sum / nullif(r.ces_responses, 0) as ces,
        r.stars_sum / nullif(r.star_ratings, 0) as avg_stars,
        cast(r.sentiment_sum as double) / nullif(r.texts, 0) as avg_sentiment,
        r.handle_seconds_sum / nullif(r.handled_contacts, 0) as aht_seconds,
        t.first_reply_median_minutes,
        t.first_reply_p90_minutes,
        t.resolution_median_minutes,
        t.resolution_p90_minutes
    from rolled r
    left join reach c
        on c.touchpoint = r.touchpoint and c.grain = r.grain and c.period_start is not distinct from r.period_start
    left join ticket_times t
        on t.touchpoint = r.touchpoint and t.grain = r.grain and t.period_start is not distinct from r.period_start
)

select
    -- ===== keys =====
    m.touchpoint,                       -- <stage>:<channel>
    m.stage,                            -- discover, purchase, use, support, feedback
    m.channel,                          -- web, app, store, email, phone, chat, social, app_store, survey
    m.grain,                            -- day, week, month or all
    m.period_start,                     -- first day of the period (weeks start on Monday); NULL for grain all
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
    case when m.stage = 'support' then 1.0 * m.support_contacts / nullif(o.orders, 0) end as contact_rate, -- this touchpoint's support contacts / all orders in the period
    -- ===== commerce =====
    case when m.stage = 'purchase' then m.orders end as orders, -- orders placed
    case when m.stage = 'purchase' then cast(coalesce(m.revenue, 0) as decimal(18, 2)) end as revenue, -- order totals
    cast(m.revenue / nullif(m.orders, 0) as double) as average_order_value, -- revenue / orders
    1.0 * m.refunded_orders / nullif(m.orders, 0) as refund_rate, -- orders refunded in full or part / orders
    1.0 * m.cancelled_orders / nullif(m.orders, 0) as cancellation_rate, -- orders cancelled or voided / orders
    1.0 * m.checkout_failures / nullif(m.checkout_failures + m.checkout_successes, 0) as checkout_failure_rate -- failed / (failed + completed) app checkouts
from measures m
left join orders_in_period o
    on o.grain = m.grain and o.period_start is not distinct from m.period_start
