-- Zendesk tickets: one row per ticket, its latest version (highest generated_timestamp,
-- then updated_at), times in UTC. `channel` maps via.channel onto the contract's
-- channels; the requester is a Zendesk user id for identity resolution, and the
-- subject and custom fields may quote an order number (indirect evidence).
with source as (
    select * from raw.zendesk__tickets
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by id
        order by generated_timestamp desc nulls last, updated_at desc nulls last,
                 _loaded_at desc, _source_file desc, _source_row desc
    ) = 1
),

renamed as (
    select
        -- ids
        id as ticket_id,
        requester_id,
        submitter_id,
        assignee_id,
        organization_id,
        external_id,
        -- channel: email→email, web→web, voice→phone, chat/native_messaging→chat,
        -- twitter/facebook→social, anything else (api, mobile_sdk, null, ...)→web
        via_channel,
        case lower(trim(via_channel))
            when 'email' then 'email'
            when 'web' then 'web'
            when 'voice' then 'phone'
            when 'chat' then 'chat'
            when 'native_messaging' then 'chat'
            when 'twitter' then 'social'
            when 'facebook' then 'social'
            else 'web'
        end as channel,
        via_from_address,
        via_from_phone,
        via_from_name,
        via_from_username,
        -- text
        subject,
        description,
        lower(status) as status,
        lower(priority) as priority,
        lower(type) as ticket_type,
        tags,
        custom_fields,
        -- satisfaction: older exports write good_with_comment / bad_with_comment
        case
            when lower(satisfaction_score) in ('good', 'good_with_comment') then 'good'
            when lower(satisfaction_score) in ('bad', 'bad_with_comment') then 'bad'
            when lower(satisfaction_score) in ('offered', 'unoffered') then lower(satisfaction_score)
        end as satisfaction_score,
        satisfaction_comment,
        -- timestamps
        created_at,
        updated_at,
        generated_timestamp as generated_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
