-- Closing the loop: for each feedback touchpoint and period, how much negative feedback
-- the company answered and how fast. Negative feedback: an NPS detractor (0-6), a bad
-- CSAT (1-2 of 5), a 1-2 star review, a social post or comment with negative sentiment
-- (VADER <= -0.05); a survey response counts once even when several of its scores are
-- negative. Answered: a developer reply on the review, or any support ticket or contact
-- with that customer (either side starting it) within 7 days after the feedback.
-- Zendesk satisfaction ratings rate their own ticket: they belong to marts.experience_gap.
with grains as (
    select grain from (values ('day'), ('week'), ('month'), ('all')) as g(grain)
),

feedback as (
    select
        source,
        entity,
        source_record_id,
        min(touchpoint) as touchpoint,
        min(customer_id) as customer_id,
        min(occurred_at) as occurred_at,
        min(answered_at) as replied_at,
        bool_or(
            coalesce(is_negative_rating, false)
            or (kind in ('social_post', 'social_comment') and sentiment <= -0.05)
        ) as is_negative
    from core.interactions
    where stage = 'feedback' or kind in ('social_post', 'social_comment')
    group by source, entity, source_record_id
),

follow_ups as (
    select f.source, f.entity, f.source_record_id, min(s.occurred_at) as followed_up_at
    from feedback f
    join core.interactions s
        on s.customer_id = f.customer_id
        and s.stage = 'support'
        and s.occurred_at >= f.occurred_at
        and s.occurred_at <= f.occurred_at + interval 7 day
    where f.is_negative
    group by f.source, f.entity, f.source_record_id
),

answered as (
    select
        f.*,
        coalesce(f.replied_at, u.followed_up_at) as answered_at
    from feedback f
    left join follow_ups u
        on u.source = f.source and u.entity = f.entity and u.source_record_id = f.source_record_id
),

periods as (
    select
        a.*,
        g.grain,
        case g.grain
            when 'day' then cast(date_trunc('day', a.occurred_at) as date)
            when 'week' then cast(date_trunc('week', a.occurred_at) as date)
            when 'month' then cast(date_trunc('month', a.occurred_at) as date)
        end as period_start
    from answered a
    cross join grains g
),

measured as (
    select
        touchpoint,
        grain,
        period_start,
        count(*) as feedback,
        count(*) filter (where is_negative) as negative_feedback,
        count(*) filter (where is_negative and answered_at is not null) as answered,
        median(case when answered_at is not null then greatest(epoch(answered_at) - epoch(occurred_at), 0) / 3600.0 end)
            filter (where is_negative) as median_hours_to_answer
    from periods
    group by touchpoint, grain, period_start
)

select
    touchpoint,                         -- feedback:survey, feedback:app_store, discover:social
    grain,                              -- day, week, month or all
    period_start,                       -- first day of the period (weeks start on Monday); NULL for grain all
    feedback,                           -- feedback records (surveys, reviews, posts, comments)
    negative_feedback,                  -- of which negative
    1.0 * negative_feedback / feedback as negative_share, -- negative / all feedback
    answered,                           -- negative feedback the company answered
    1.0 * answered / nullif(negative_feedback, 0) as answered_share, -- answered / negative feedback
    median_hours_to_answer              -- median hours from the feedback to its answer (answered ones)
from measured
