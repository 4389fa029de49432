-- Identity map: one row per person-bearing source record and the customer it belongs
-- to. rule names the evidence that joined it: anchor (the customer's most trusted
-- record), unlinked (nothing links it to another record), shop_customer_id,
-- app_account, zendesk_user, delighted_person, social_account, external_id, email,
-- phone, device (app use before login on a device joins the account later logged in
-- on it), order_ref (an order number quoted in a tweet, comment, ticket subject, first
-- message or order field, call attributes or survey), social_post (a ticket Zendesk made
-- from a tweet or comment, and that post), probabilistic (Splink: names, address,
-- postcode, city) or social_name (a social author whose full name only one customer has).
-- evidence says which value, and through which record; confidence is that of the
-- weakest link on the way from the anchor (1 for anchor and unlinked records).
-- App events are resolved per distinct (user_id, device_id, email) key and expanded
-- back to every event here.
with assigned as (
    select
        p.node_id,
        p.source,
        p.entity,
        p.source_record_id,
        p.app_user_id,
        p.app_device_id,
        p.app_email,
        a.customer_id,
        a.rule,
        case
            when a.parent_node_id is null then null
            else a.rule || ' ' || coalesce(a.evidence, '') || ' via ' || a.parent_node_id
        end as evidence,
        a.confidence
    from identity.node_assignment a
    inner join identity.person_records p on p.node_id = a.node_id
),

records as (
    select source, entity, source_record_id, customer_id, rule, confidence, evidence
    from assigned
    where entity <> 'events'
),

amplitude_events as (
    select 'amplitude' as source, 'events' as entity, e.insert_id as source_record_id, k.customer_id, k.rule, k.confidence, k.evidence
    from staging.stg_amplitude__events e
    inner join assigned k
        on k.source = 'amplitude' and k.entity = 'events'
        and k.app_user_id is not distinct from e.user_id
        and k.app_device_id is not distinct from e.device_id
        and k.app_email is not distinct from e.email
),

mixpanel_events as (
    select 'mixpanel' as source, 'events' as entity, e.insert_id as source_record_id, k.customer_id, k.rule, k.confidence, k.evidence
    from staging.stg_mixpanel__events e
    inner join assigned k
        on k.source = 'mixpanel' and k.entity = 'events'
        and k.app_user_id is not distinct from e.user_id
        and k.app_device_id is not distinct from e.device_id
        and k.app_email is not distinct from e.email
)

select * from records
union all
select * from amplitude_events
union all
select * from mixpanel_events
