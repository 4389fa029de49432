-- Amazon Connect contacts: one row per ContactId, the latest delivery of its contact
-- trace record (highest LastUpdateTimestamp; CTRs arrive at least once). Durations in
-- seconds. A contact that never reached an agent is abandoned. The caller's phone (or
-- email, for the EMAIL channel) and order/customer references from the contact flow's
-- attributes are evidence for identity resolution.
with source as (
    select * from raw.amazon_connect__contacts
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by contact_id
        order by last_update_timestamp desc nulls last, _loaded_at desc, _source_file desc, _source_row desc
    ) = 1
),

renamed as (
    select
        -- ids
        contact_id,
        initial_contact_id,
        previous_contact_id,
        next_contact_id,
        -- contact
        channel,
        initiation_method,
        customer_endpoint_type,
        case when customer_endpoint_type = 'TELEPHONE_NUMBER' then cxp_phone(customer_endpoint_address, null) end as phone,
        case when customer_endpoint_type = 'TELEPHONE_NUMBER' then customer_endpoint_address end as phone_raw,
        case when customer_endpoint_type = 'EMAIL_ADDRESS' then cxp_email(customer_endpoint_address) end as email,
        case when customer_endpoint_type = 'EMAIL_ADDRESS' then customer_endpoint_address end as email_raw,
        system_endpoint_address,
        queue_name,
        agent_username,
        disconnect_reason,
        attributes,
        order_ref,
        customer_ref,
        -- numerics (seconds)
        queue_duration as queue_seconds,
        agent_agent_interaction_duration as talk_seconds,
        agent_customer_hold_duration as hold_seconds,
        agent_after_contact_work_duration as after_contact_work_seconds,
        -- Agent is null when nobody answered; an Agent block without a connection
        -- time or talk time is a missed offer, still never connected.
        not coalesce(
            has_agent and (agent_connected_to_agent_timestamp is not null or agent_agent_interaction_duration > 0),
            false
        ) as is_abandoned,
        -- timestamps
        agent_connected_to_agent_timestamp as connected_to_agent_at,
        initiation_timestamp as initiated_at,
        disconnect_timestamp as disconnected_at,
        last_update_timestamp as last_updated_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
