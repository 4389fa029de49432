-- Zendesk ticket metrics: one row per ticket, its latest metric set by updated_at.
-- Durations are minutes; calendar minutes feed first reply and resolution times,
-- business minutes are kept beside them. Any duration may be NULL (not yet replied).
with source as (
    select * from raw.zendesk__metric_sets
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by ticket_id
        order by updated_at desc nulls last, _loaded_at desc, _source_file desc, _source_row desc
    ) = 1
),

renamed as (
    select
        -- ids
        ticket_id,
        id as metric_set_id,
        -- numerics
        reopens,
        replies,
        reply_time_in_minutes_calendar as first_reply_minutes,
        first_resolution_time_in_minutes_calendar as first_resolution_minutes,
        full_resolution_time_in_minutes_calendar as full_resolution_minutes,
        requester_wait_time_in_minutes_calendar as requester_wait_minutes,
        on_hold_time_in_minutes_calendar as on_hold_minutes,
        reply_time_in_minutes_business as first_reply_business_minutes,
        full_resolution_time_in_minutes_business as full_resolution_business_minutes,
        -- timestamps
        solved_at,
        created_at,
        updated_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
