-- Deterministic links: records that share a linking identifier (identity.identifier_usage
-- status 'linking'). Each record links to its group's anchor, the most trusted record
-- holding the value (a star, not every pair: the same components, linear in size).
-- tier orders the evidence for clustering, strongest first: 0 the same account (shop
-- customer id, app account, Zendesk user, Delighted person, social author, external
-- id), 1 email or national id (dedupe), 2 phone, 3 device (anonymous app use joins the account later logged
-- in on the device), 4 an order number quoted in text or attributes, or the post a social
-- ticket was made from (indirect).
with usable as (
    select i.node_id, i.id_type, i.id_value, i.quoted, p.trust_rank
    from identity.identifiers i
    inner join identity.identifier_usage u on u.id_type = i.id_type and u.id_value = i.id_value
    inner join identity.person_records p on p.node_id = i.node_id
    where u.status = 'linking'
),

ranked as (
    select
        *,
        row_number() over (partition by id_type, id_value order by quoted, trust_rank, node_id) as position
    from usable
)

select
    r.node_id,
    a.node_id as linked_node_id,
    case r.id_type
        when 'twitter_user' then 'social_account'
        when 'facebook_user' then 'social_account'
        when 'order' then 'order_ref'
        else r.id_type
    end as rule,
    r.id_type,
    r.id_value as evidence,
    case r.id_type
        when 'email' then 1
        when 'national_id' then 1
        when 'phone' then 2
        when 'device' then 3
        when 'order' then 4
        when 'social_post' then 4
        else 0
    end as tier,
    case r.id_type
        when 'email' then 0.99
        when 'national_id' then 0.99
        when 'phone' then 0.97
        when 'device' then 0.9
        when 'order' then 0.9
        when 'social_post' then 0.9
        else 1.0
    end as confidence
from ranked r
inner join ranked a on a.id_type = r.id_type and a.id_value = r.id_value and a.position = 1
where r.position > 1
