-- Every touch a customer has with the company, from every source: one row per touch,
-- placed on a touchpoint (<stage>:<channel>) and joined to the customer it belongs to
-- (core.identity_map; NULL for anonymous touches such as Google Play reviews).
-- A Qualtrics response answering several scored questions yields one row per rating
-- type (touch_row 1, 2, 3; interaction_id suffixed with the rating type): ratings are
-- counted per row, touch-level measures (interactions, sentiment, journeys) use
-- touch_row = 1. Social posts that became Zendesk tickets appear once, as the ticket.
-- Amazon Connect TASK contacts are agents' work items, not customer touches: left out.
with -- Social posts the support desk turned into a ticket are counted as that ticket
-- (support:social), not again as a post (discover:social): the ticket carries the
-- post's id as its external id, or it was opened on a social channel within a day
-- after the post and quotes its text, or comes from the same handle, name or customer.
social_tickets as (
    select
        t.ticket_id,
        t.external_id,
        nullif(trim(t.description), '') as description,
        lower(ltrim(trim(t.via_from_username), '@')) as handle,
        lower(trim(t.via_from_name)) as author_name,
        t.created_at,
        m.customer_id
    from staging.stg_zendesk__tickets t
    left join core.identity_map m on m.source = 'zendesk' and m.entity = 'tickets' and m.source_record_id = t.ticket_id
    where t.channel = 'social'
),

social_posts as (
    select
        'twitter' as source,
        p.tweet_id as post_id,
        nullif(trim(p.text), '') as post_text,
        lower(ltrim(trim(p.author_username), '@')) as handle,
        lower(trim(p.author_name)) as author_name,
        p.created_at,
        m.customer_id
    from staging.stg_twitter__tweets p
    left join core.identity_map m on m.source = 'twitter' and m.entity = 'tweets' and m.source_record_id = p.tweet_id
    union all
    select
        'facebook' as source,
        p.comment_id as post_id,
        nullif(trim(p.message), '') as post_text,
        cast(null as varchar) as handle,
        lower(trim(p.author_name)) as author_name,
        p.created_at,
        m.customer_id
    from staging.stg_facebook__comments p
    left join core.identity_map m on m.source = 'facebook' and m.entity = 'comments' and m.source_record_id = p.comment_id
),

-- The matches other than the id as keys ('text:…', 'handle:…', …), so that one equality
-- join (a hash join) finds them, each within the day after the post: the same condition
-- or-ed in one join would be a range join over every post and ticket.
post_keys as (
    select source, post_id, created_at,
           unnest(['text:' || post_text, 'handle:' || handle, 'name:' || author_name, 'customer:' || customer_id]) as match_key
    from social_posts
),

ticket_keys as (
    select created_at,
           unnest(['text:' || description, 'handle:' || handle, 'name:' || author_name, 'customer:' || customer_id]) as match_key
    from social_tickets
),

handled_posts as (
    select p.source, p.post_id
    from social_posts p
    join social_tickets t on t.external_id = p.post_id
    union
    select p.source, p.post_id
    from post_keys p
    join ticket_keys t on t.match_key = p.match_key
    where t.created_at between p.created_at and p.created_at + interval 1 day
),

-- ===== one branch per source, all with the same columns in the same order =====
orders as (
    select
        'shopify:orders:' || order_id as interaction_id,
        'shopify' as source,
        'orders' as entity,
        order_id as source_record_id,
        1 as touch_row,
        'purchase' as stage,
        coalesce(channel, 'web') as channel,
        created_at as occurred_at,
        'order' as kind,
        cast(null as varchar) as event_name,
        cast(null as varchar) as rating_type,
        cast(null as integer) as rating,
        cast(null as varchar) as rating_scale,
        cast(null as boolean) as is_satisfied,
        cast(null as varchar) as text,
        cast(null as varchar) as rating_comment,
        cast(total as decimal(18, 2)) as revenue,
        cast(null as bigint) as duration_s,
        coalesce(order_number, order_name) as order_ref,
        lower(financial_status) as financial_status,
        cast(refunded_amount as decimal(18, 2)) as refunded_amount,
        coalesce(refunded_amount, 0) > 0 or lower(financial_status) in ('refunded', 'partially_refunded') as is_refunded,
        cancelled_at is not null or lower(financial_status) = 'voided' as is_cancelled,
        cast(null as varchar) as status,
        cast(null as boolean) as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as boolean) as is_escalated,
        cast(null as varchar) as initiation_method,
        false as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        cast(null as timestamp) as answered_at
    from staging.stg_shopify__orders
),

amplitude_events as (
    select
        'amplitude:events:' || insert_id as interaction_id,
        'amplitude' as source,
        'events' as entity,
        insert_id as source_record_id,
        1 as touch_row,
        'use' as stage,
        'app' as channel,
        event_at as occurred_at,
        'app_event' as kind,
        event_type as event_name,
        cast(null as varchar) as rating_type,
        cast(null as integer) as rating,
        cast(null as varchar) as rating_scale,
        cast(null as boolean) as is_satisfied,
        cast(null as varchar) as text,
        cast(null as varchar) as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        cast(null as bigint) as duration_s,
        order_ref as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        cast(null as varchar) as status,
        cast(null as boolean) as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as boolean) as is_escalated,
        cast(null as varchar) as initiation_method,
        false as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        cast(null as timestamp) as answered_at
    from staging.stg_amplitude__events
),

mixpanel_events as (
    select
        'mixpanel:events:' || insert_id as interaction_id,
        'mixpanel' as source,
        'events' as entity,
        insert_id as source_record_id,
        1 as touch_row,
        'use' as stage,
        'app' as channel,
        event_at as occurred_at,
        'app_event' as kind,
        event_name as event_name,
        cast(null as varchar) as rating_type,
        cast(null as integer) as rating,
        cast(null as varchar) as rating_scale,
        cast(null as boolean) as is_satisfied,
        cast(null as varchar) as text,
        cast(null as varchar) as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        cast(null as bigint) as duration_s,
        order_ref as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        cast(null as varchar) as status,
        cast(null as boolean) as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as boolean) as is_escalated,
        cast(null as varchar) as initiation_method,
        false as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        cast(null as timestamp) as answered_at
    from staging.stg_mixpanel__events
),

play_reviews as (
    select
        'google_play:reviews:' || review_id as interaction_id,
        'google_play' as source,
        'reviews' as entity,
        review_id as source_record_id,
        1 as touch_row,
        'feedback' as stage,
        'app_store' as channel,
        submitted_at as occurred_at,
        'review' as kind,
        cast(null as varchar) as event_name,
        case when star_rating is not null then 'stars' end as rating_type,
        cast(star_rating as integer) as rating,
        case when star_rating is not null then '1-5' end as rating_scale,
        cast(null as boolean) as is_satisfied,
        nullif(trim(concat_ws(chr(10), nullif(trim(review_title), ''), nullif(trim(review_text), ''))), '') as text,
        cast(null as varchar) as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        cast(null as bigint) as duration_s,
        cast(null as varchar) as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        cast(null as varchar) as status,
        cast(null as boolean) as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as boolean) as is_escalated,
        cast(null as varchar) as initiation_method,
        false as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        developer_replied_at as answered_at
    from staging.stg_google_play__reviews
),

tweets as (
    select
        'twitter:tweets:' || tweet_id as interaction_id,
        'twitter' as source,
        'tweets' as entity,
        tweet_id as source_record_id,
        1 as touch_row,
        'discover' as stage,
        'social' as channel,
        created_at as occurred_at,
        'social_post' as kind,
        cast(null as varchar) as event_name,
        cast(null as varchar) as rating_type,
        cast(null as integer) as rating,
        cast(null as varchar) as rating_scale,
        cast(null as boolean) as is_satisfied,
        nullif(trim(text), '') as text,
        cast(null as varchar) as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        cast(null as bigint) as duration_s,
        cast(null as varchar) as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        cast(null as varchar) as status,
        cast(null as boolean) as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as boolean) as is_escalated,
        cast(null as varchar) as initiation_method,
        false as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        cast(null as timestamp) as answered_at
    from staging.stg_twitter__tweets
    where tweet_id not in (select post_id from handled_posts where source = 'twitter')
),

facebook_comments as (
    select
        'facebook:comments:' || comment_id as interaction_id,
        'facebook' as source,
        'comments' as entity,
        comment_id as source_record_id,
        1 as touch_row,
        'discover' as stage,
        'social' as channel,
        created_at as occurred_at,
        'social_comment' as kind,
        cast(null as varchar) as event_name,
        cast(null as varchar) as rating_type,
        cast(null as integer) as rating,
        cast(null as varchar) as rating_scale,
        cast(null as boolean) as is_satisfied,
        nullif(trim(message), '') as text,
        cast(null as varchar) as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        cast(null as bigint) as duration_s,
        cast(null as varchar) as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        cast(null as varchar) as status,
        cast(null as boolean) as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as boolean) as is_escalated,
        cast(null as varchar) as initiation_method,
        false as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        cast(null as timestamp) as answered_at
    from staging.stg_facebook__comments
    where comment_id not in (select post_id from handled_posts where source = 'facebook')
),

-- Zendesk CSAT is good/bad: stored as rating 1/0 on the 'good/bad' scale, and
-- is_satisfied carries the contract's definition (good = satisfied; offered and
-- unoffered are not ratings).
tickets as (
    select
        'zendesk:tickets:' || t.ticket_id as interaction_id,
        'zendesk' as source,
        'tickets' as entity,
        t.ticket_id as source_record_id,
        1 as touch_row,
        'support' as stage,
        coalesce(t.channel, 'web') as channel,
        t.created_at as occurred_at,
        'ticket' as kind,
        cast(null as varchar) as event_name,
        case when t.satisfaction_score in ('good', 'bad') then 'csat' end as rating_type,
        case t.satisfaction_score when 'good' then 1 when 'bad' then 0 end as rating,
        case when t.satisfaction_score in ('good', 'bad') then 'good/bad' end as rating_scale,
        case t.satisfaction_score when 'good' then true when 'bad' then false end as is_satisfied,
        nullif(trim(concat_ws(chr(10), nullif(trim(t.subject), ''), nullif(trim(t.description), ''))), '') as text,
        nullif(trim(t.satisfaction_comment), '') as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        cast(round(m.full_resolution_minutes * 60) as bigint) as duration_s,
        cast(null as varchar) as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        lower(t.status) as status,
        lower(t.status) in ('solved', 'closed') as is_solved,
        m.solved_at as solved_at,
        cast(m.first_reply_minutes as double) as first_reply_minutes,
        cast(m.full_resolution_minutes as double) as full_resolution_minutes,
        cast(m.reopens as integer) as reopens,
        cast(m.replies as integer) as replies,
        -- Zendesk has no escalation field: teams tag it (escalated, tier_2, tier3, ...)
        coalesce(regexp_matches(lower(t.tags), 'escalat|tier_?[23]'), false) as is_escalated,
        cast(null as varchar) as initiation_method,
        true as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        cast(null as timestamp) as answered_at
    from staging.stg_zendesk__tickets t
    left join staging.stg_zendesk__ticket_metrics m on m.ticket_id = t.ticket_id
),

-- Connect contacts: a transfer leg, an outbound call or a callback is work on a
-- contact the customer already made, so only customer-initiated contacts count as
-- support contacts (repeat contacts, contact rate); every handled leg counts for AHT.
-- The company "marks solved" a contact an agent handled (Connect has no status).
contacts as (
    select
        'amazon_connect:contacts:' || contact_id as interaction_id,
        'amazon_connect' as source,
        'contacts' as entity,
        contact_id as source_record_id,
        1 as touch_row,
        'support' as stage,
        case upper(channel) when 'VOICE' then 'phone' when 'CHAT' then 'chat' when 'EMAIL' then 'email' end as channel,
        initiated_at as occurred_at,
        'contact' as kind,
        cast(null as varchar) as event_name,
        cast(null as varchar) as rating_type,
        cast(null as integer) as rating,
        cast(null as varchar) as rating_scale,
        cast(null as boolean) as is_satisfied,
        cast(null as varchar) as text,
        cast(null as varchar) as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        date_diff('second', initiated_at, disconnected_at) as duration_s,
        order_ref as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        case when is_abandoned then 'abandoned' else 'handled' end as status,
        not is_abandoned as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        c.next_contact_id is not null or onward.previous_contact_id is not null as is_escalated,
        upper(initiation_method) as initiation_method,
        coalesce(upper(initiation_method), 'INBOUND') not in (
            'OUTBOUND', 'EXTERNAL_OUTBOUND', 'TRANSFER', 'QUEUE_TRANSFER', 'CALLBACK', 'MONITOR', 'DISCONNECT'
        ) as is_support_contact,
        cast(queue_seconds as double) as queue_seconds,
        cast(talk_seconds as double) as talk_seconds,
        cast(hold_seconds as double) as hold_seconds,
        cast(after_contact_work_seconds as double) as after_contact_work_seconds,
        is_abandoned as is_abandoned,
        connected_to_agent_at as answered_at
    from staging.stg_amazon_connect__contacts c
    -- a transfer leg names the contact it continues: that contact was passed on
    left join (
        select distinct previous_contact_id
        from staging.stg_amazon_connect__contacts
        where previous_contact_id is not null and upper(initiation_method) in ('TRANSFER', 'QUEUE_TRANSFER')
    ) onward on onward.previous_contact_id = c.contact_id
    where upper(c.channel) in ('VOICE', 'CHAT', 'EMAIL')
),

delighted_responses as (
    select
        'delighted:responses:' || response_id as interaction_id,
        'delighted' as source,
        'responses' as entity,
        response_id as source_record_id,
        1 as touch_row,
        'feedback' as stage,
        'survey' as channel,
        created_at as occurred_at,
        'survey_response' as kind,
        cast(null as varchar) as event_name,
        case when score is not null and lower(survey_type) in ('nps', 'csat', 'ces') then lower(survey_type) end as rating_type,
        case when lower(survey_type) in ('nps', 'csat', 'ces') then cast(score as integer) end as rating,
        case when score is not null then
            case lower(survey_type) when 'nps' then '0-10' when 'csat' then '1-5' when 'ces' then '1-7' end
        end as rating_scale,
        case when lower(survey_type) = 'csat' and score is not null then score >= 4 end as is_satisfied,
        nullif(trim(comment), '') as text,
        cast(null as varchar) as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        cast(null as bigint) as duration_s,
        order_ref as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        cast(null as varchar) as status,
        cast(null as boolean) as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as boolean) as is_escalated,
        cast(null as varchar) as initiation_method,
        false as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        cast(null as timestamp) as answered_at
    from staging.stg_delighted__responses
),

-- One row per score a Qualtrics response carries (NPS, CSAT, CES), or one unrated row.
qualtrics_scores as (
    select response_id, 'nps' as rating_type, cast(nps_score as integer) as rating, '0-10' as rating_scale, 1 as touch_row
    from staging.stg_qualtrics__responses
    where nps_score is not null
    union all
    select response_id, 'csat', cast(csat_score as integer), '1-5',
           case when nps_score is null then 1 else 2 end
    from staging.stg_qualtrics__responses
    where csat_score is not null
    union all
    select response_id, 'ces', cast(ces_score as integer), '1-7',
           1 + case when nps_score is null then 0 else 1 end + case when csat_score is null then 0 else 1 end
    from staging.stg_qualtrics__responses
    where ces_score is not null
    union all
    select response_id, cast(null as varchar), cast(null as integer), cast(null as varchar), 1
    from staging.stg_qualtrics__responses
    where nps_score is null and csat_score is null and ces_score is null
),

qualtrics_responses as (
    select
        'qualtrics:responses:' || r.response_id || coalesce(':' || s.rating_type, '') as interaction_id,
        'qualtrics' as source,
        'responses' as entity,
        r.response_id as source_record_id,
        s.touch_row as touch_row,
        'feedback' as stage,
        'survey' as channel,
        coalesce(r.recorded_at, r.ended_at, r.started_at) as occurred_at,
        'survey_response' as kind,
        cast(null as varchar) as event_name,
        s.rating_type as rating_type,
        s.rating as rating,
        s.rating_scale as rating_scale,
        case when s.rating_type = 'csat' then s.rating >= 4 end as is_satisfied,
        nullif(trim(r.comment), '') as text,
        cast(null as varchar) as rating_comment,
        cast(null as decimal(18, 2)) as revenue,
        cast(r.duration_seconds as bigint) as duration_s,
        cast(null as varchar) as order_ref,
        cast(null as varchar) as financial_status,
        cast(null as decimal(18, 2)) as refunded_amount,
        cast(null as boolean) as is_refunded,
        cast(null as boolean) as is_cancelled,
        cast(null as varchar) as status,
        cast(null as boolean) as is_solved,
        cast(null as timestamp) as solved_at,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as boolean) as is_escalated,
        cast(null as varchar) as initiation_method,
        false as is_support_contact,
        cast(null as double) as queue_seconds,
        cast(null as double) as talk_seconds,
        cast(null as double) as hold_seconds,
        cast(null as double) as after_contact_work_seconds,
        cast(null as boolean) as is_abandoned,
        cast(null as timestamp) as answered_at
    from staging.stg_qualtrics__responses r
    join qualtrics_scores s on s.response_id = r.response_id
),

touches as (
    select * from orders
    union all select * from amplitude_events
    union all select * from mixpanel_events
    union all select * from play_reviews
    union all select * from tweets
    union all select * from facebook_comments
    union all select * from tickets
    union all select * from contacts
    union all select * from delighted_responses
    union all select * from qualtrics_responses
),

-- App checkout events are purchase touches; outcomes read from the event name. The
-- patterns are matched once per distinct event name (a few hundred), not per event.
event_names as (
    select
        event_name,
        coalesce(regexp_matches(lower(event_name), 'checkout|purchase|payment|order[ _-]?(completed|placed|failed|submitted)'), false)
            as is_checkout_name,
        coalesce(regexp_matches(lower(event_name), 'fail|error|declin|denied|reject'), false) as is_failure_name,
        coalesce(regexp_matches(lower(event_name), 'complet|success|placed|purchased|submitted|^purchase$'), false)
            as is_success_name
    from (
        select event_type as event_name from staging.stg_amplitude__events
        union
        select event_name from staging.stg_mixpanel__events
    ) names
),

classified as (
    select
        t.*,
        t.kind = 'app_event' and coalesce(e.is_checkout_name, false) as is_checkout_event,
        coalesce(e.is_failure_name, false) as is_failure_name,
        coalesce(e.is_success_name, false) as is_success_name
    from touches t
    left join event_names e on e.event_name = t.event_name
),

-- The next support contact of the same customer on any channel: sequenced over the
-- support contacts alone (a few percent of the touches), then joined back.
support_sequence as (
    select
        s.interaction_id,
        lead(s.occurred_at) over (partition by m.customer_id order by s.occurred_at, s.interaction_id) as next_support_contact_at
    from (
        select interaction_id, source, entity, source_record_id, occurred_at from tickets where is_support_contact
        union all
        select interaction_id, source, entity, source_record_id, occurred_at from contacts where is_support_contact
    ) s
    join core.identity_map m
        on m.source = s.source and m.entity = s.entity and m.source_record_id = s.source_record_id
),

resolved as (
    select
        c.*,
        case when c.is_checkout_event then 'purchase' else c.stage end as touch_stage,
        c.is_checkout_event and c.is_failure_name as checkout_failed,
        c.is_checkout_event and not c.is_failure_name and c.is_success_name as checkout_succeeded,
        case when not c.is_abandoned then
            coalesce(c.talk_seconds, 0) + coalesce(c.hold_seconds, 0) + coalesce(c.after_contact_work_seconds, 0)
        end as handled_seconds,
        m.customer_id,
        ts.sentiment as text_sentiment,
        rs.sentiment as comment_sentiment,
        q.next_support_contact_at
    from classified c
    left join core.identity_map m
        on m.source = c.source and m.entity = c.entity and m.source_record_id = c.source_record_id
    left join core.text_sentiment ts on ts.text_hash = md5(c.text)
    left join core.text_sentiment rs on rs.text_hash = md5(c.rating_comment)
    left join support_sequence q on q.interaction_id = c.interaction_id
)

select
    -- ===== contract =====
    interaction_id,                     -- source:entity:source_record_id (a multi-score survey response adds :rating_type)
    customer_id,                        -- resolved customer (core.customers); NULL for anonymous touches
    source,                             -- tool the record came from (shopify, amplitude, zendesk, ...)
    entity,                             -- record type within the source (orders, events, tickets, ...)
    source_record_id,                   -- the record's id in its source
    channel,                            -- web, app, store, email, phone, chat, social, app_store, survey
    touch_stage as stage,               -- discover, purchase, use, support, feedback
    touch_stage || ':' || channel as touchpoint, -- <stage>:<channel>
    occurred_at,                        -- when the touch happened (UTC)
    kind,                               -- order, app_event, review, social_post, social_comment, ticket, contact, survey_response
    rating_type,                        -- nps, csat, ces or stars; NULL when the touch carries no rating
    rating,                             -- the score on its own scale (see rating_scale)
    text_sentiment as sentiment,        -- VADER compound score (-1..1) of text; NULL without text
    revenue,                            -- order total (orders only; app purchase events carry none, so revenue is never counted twice)
    duration_s,                         -- seconds: call/chat from start to disconnect, ticket to full resolution, survey answering time
    -- ===== rows and ratings =====
    touch_row,                          -- 1 for the touch's first row; 2-3 for further scores of one survey response
    event_name,                         -- app event name (Amplitude event_type, Mixpanel event)
    rating_scale,                       -- scale of rating: 0-10 (NPS), 1-5 (CSAT, stars), 1-7 (CES), good/bad (Zendesk CSAT as 1/0)
    is_satisfied,                       -- CSAT ratings only: Zendesk good, or 4-5 on a 1-5 survey
    case rating_type
        when 'nps' then rating <= 6
        when 'csat' then case when rating_scale = 'good/bad' then rating = 0 else rating <= 2 end
        when 'stars' then rating <= 2
    end as is_negative_rating,          -- NPS detractor (0-6), bad CSAT (Zendesk bad, 1-2 of 5), 1-2 stars; NULL for CES and unrated
    text,                               -- the touch's free text (post, comment, review title and text, ticket subject and description, survey comment)
    rating_comment,                     -- the comment left with a Zendesk satisfaction rating
    comment_sentiment as rating_comment_sentiment, -- VADER compound score of rating_comment
    -- ===== commerce =====
    order_ref,                          -- order number the touch refers to (order's own number, app event or call attribute, survey property)
    financial_status,                   -- Shopify financial status (paid, refunded, partially_refunded, pending, voided)
    refunded_amount,                    -- amount refunded on the order
    is_refunded,                        -- order refunded in full or in part
    is_cancelled,                       -- order cancelled or voided
    is_checkout_event,                  -- app event of the checkout (counted under purchase:app)
    checkout_failed as is_checkout_failure, -- checkout event reporting a failure (declined card, error)
    checkout_succeeded as is_checkout_success, -- checkout event reporting a completed purchase
    -- ===== support =====
    status,                             -- Zendesk ticket status; Connect: handled or abandoned
    is_solved,                          -- the company marks it solved: ticket solved/closed, contact handled by an agent
    solved_at,                          -- when the ticket was solved
    first_reply_minutes,                -- Zendesk reply_time_in_minutes.calendar
    full_resolution_minutes,            -- Zendesk full_resolution_time_in_minutes.calendar
    reopens,                            -- times the ticket was reopened
    replies,                            -- agent replies on the ticket
    is_escalated,                       -- ticket tagged escalated/tier 2-3, or contact transferred onward
    initiation_method,                  -- Connect initiation method (INBOUND, OUTBOUND, TRANSFER, CALLBACK, API, ...)
    is_support_contact,                 -- a support contact the customer made (tickets; inbound contacts, not transfers, callbacks or outbound)
    queue_seconds,                      -- seconds in queue before an agent (or abandonment)
    talk_seconds,                       -- agent interaction seconds
    hold_seconds,                       -- customer hold seconds
    after_contact_work_seconds,         -- after-contact work seconds
    handled_seconds as handle_seconds,  -- talk + hold + after-contact work of a handled contact (AHT's numerator)
    is_abandoned,                       -- contact never connected to an agent
    answered_at,                        -- when the company answered: Google Play developer reply, Connect agent connection
    -- ===== repeat contacts: the next support contact of the same customer on any channel =====
    next_support_contact_at,            -- the customer's next support contact on any channel (NULL: none, or anonymous)
    case when is_support_contact and customer_id is not null then
        coalesce(next_support_contact_at <= occurred_at + interval 7 day, false)
    end as is_repeat_contact_7d        -- followed by another support contact of the same customer within 7 days
from resolved
