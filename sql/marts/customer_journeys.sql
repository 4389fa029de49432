-- Each identified customer's touches in time order: one row per touch (a multi-score
-- survey response once), numbered from 1, with the time since the previous touch.
-- path_step numbers the touchpoint changes only (consecutive touches at the same
-- touchpoint, such as one app session's events, share a path step): the paths in
-- marts.journey_paths are read from it.
with touches as (
    select
        customer_id,
        interaction_id,
        touchpoint,
        stage,
        channel,
        kind,
        occurred_at,
        row_number() over (partition by customer_id order by occurred_at, interaction_id) as step,
        lag(touchpoint) over (partition by customer_id order by occurred_at, interaction_id) as previous_touchpoint,
        lag(occurred_at) over (partition by customer_id order by occurred_at, interaction_id) as previous_occurred_at
    from core.interactions
    where customer_id is not null and touch_row = 1
),

stepped as (
    select
        *,
        cast(sum(case when previous_touchpoint is null or previous_touchpoint <> touchpoint then 1 else 0 end)
            over (partition by customer_id order by step rows between unbounded preceding and current row) as bigint) as path_step
    from touches
)

select
    customer_id,                        -- resolved customer
    step,                               -- 1 for the customer's first touch, then 2, 3, ... in time order
    path_step,                          -- step counting touchpoint changes only (repeats at one touchpoint share it)
    interaction_id,                     -- the touch (core.interactions)
    touchpoint,                         -- <stage>:<channel>
    stage,                              -- discover, purchase, use, support, feedback
    channel,                            -- web, app, store, email, phone, chat, social, app_store, survey
    kind,                               -- order, app_event, review, social_post, ticket, contact, survey_response, ...
    occurred_at,                        -- when the touch happened (UTC)
    previous_touchpoint,                -- touchpoint of the previous touch; NULL for the first
    epoch(occurred_at) - epoch(previous_occurred_at) as seconds_since_previous -- seconds since the previous touch; NULL for the first
from stepped
