-- The experience gap: for each support touchpoint and period, the share of support
-- contacts the company marks solved (Zendesk ticket solved or closed; Connect contact
-- handled by an agent) versus the share the customer confirms: no further support
-- contact on any channel within 7 days and no bad rating. Confirmation needs the
-- customer's identity, so its share is over identified contacts. Grains as in
-- marts.touchpoint_metrics.
with grains as (
    select grain from (values ('day'), ('week'), ('month'), ('all')) as g(grain)
),

contacts as (
    select
        i.touchpoint,
        i.is_solved,
        case when i.is_repeat_contact_7d is not null then
            not i.is_repeat_contact_7d and not coalesce(i.is_negative_rating, false)
        end as is_confirmed,
        g.grain,
        case g.grain
            when 'day' then cast(date_trunc('day', i.occurred_at) as date)
            when 'week' then cast(date_trunc('week', i.occurred_at) as date)
            when 'month' then cast(date_trunc('month', i.occurred_at) as date)
        end as period_start
    from core.interactions i
    cross join grains g
    where i.stage = 'support' and i.is_support_contact
),

measured as (
    select
        touchpoint,
        grain,
        period_start,
        count(*) as contacts,
        count(*) filter (where is_solved) as solved,
        count(is_confirmed) as confirmable,
        count(*) filter (where is_confirmed) as confirmed,
        count(*) filter (where is_solved and not is_confirmed) as solved_not_confirmed
    from contacts
    group by touchpoint, grain, period_start
)

select
    touchpoint,                         -- support:<channel>
    grain,                              -- day, week, month or all
    period_start,                       -- first day of the period (weeks start on Monday); NULL for grain all
    contacts,                           -- support contacts the customer made
    solved,                             -- of which the company marks solved
    1.0 * solved / contacts as solved_share, -- solved / contacts
    confirmable,                        -- contacts of identified customers (confirmation can be checked)
    confirmed,                          -- of which the customer confirms: no repeat contact within 7 days, no bad rating
    1.0 * confirmed / nullif(confirmable, 0) as confirmed_share, -- confirmed / confirmable
    1.0 * solved / contacts - 1.0 * confirmed / nullif(confirmable, 0) as gap, -- solved_share - confirmed_share
    solved_not_confirmed                -- contacts marked solved that the customer did not confirm
from measured
