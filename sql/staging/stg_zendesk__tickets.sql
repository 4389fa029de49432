-- Zendesk tickets: one row per ticket, its latest version (highest generated_timestamp,
-- then updated_at), times in UTC. `channel` maps via.channel onto the contract's
-- channels; the requester is a Zendesk user id for identity resolution, and the
-- subject and custom fields may quote an order number (indirect evidence).
with source as (
    select * from raw.zendesk__tickets
),

-- The ranking sorts only the key, order and lineage columns; the wide rows are fetched
-- back by their lineage, which identifies a raw row.
latest_lineage as (
    select _loaded_at, _source_file, _source_row
    from raw.zendesk__tickets
    qualify row_number() over (
        partition by id
        order by generated_timestamp desc nulls last, updated_at desc nulls last,
                 _loaded_at desc, _source_file desc, _source_row desc
    ) = 1
),

latest as (
    select source.*
    from source
    semi join latest_lineage
        on latest_lineage._loaded_at = source._loaded_at
        and latest_lineage._source_file = source._source_file
        and latest_lineage._source_row = source._source_row
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
