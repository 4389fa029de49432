-- Identifiers: one row per (person record, identifier type, normalised value).
-- Types: email (matching key: Gmail dots, googlemail and +tags folded, a big provider's
-- mistyped domain corrected), phone (E.164),
-- shop_customer_id (the shop's customer id, also when another system quotes it as
-- 8123…, CUST-8123…, cust_8123… or gid://shopify/Customer/8123…), app_account,
-- device, zendesk_user, delighted_person, twitter_user, facebook_user, external_id,
-- order (the order number: held by the order, quoted by a tweet, a comment, a ticket's
-- subject, first message or order field, a call's attributes or a survey; quoted = true)
-- and social_post (a tweet or comment: held by the post, quoted by the ticket Zendesk
-- made from it).
-- Whether a value may link records is decided in identity.identifier_usage.
with social_posts as (
    select 'twitter' as network, 'twitter:' || tweet_id as post_key, author_id, lower(author_username) as username,
           author_name, trim(text) as text, created_at
    from staging.stg_twitter__tweets where author_id is not null
    union all
    select 'facebook', 'facebook:' || comment_id, author_id, null, author_name, trim(message), created_at
    from staging.stg_facebook__comments where author_id is not null
),

social_channel_tickets as (
    -- tickets Zendesk made from a tweet or a Facebook comment
    select ticket_id, via_channel as network, trim(description) as text, via_from_name,
           lower(ltrim(via_from_username, '@')) as username, created_at
    from staging.stg_zendesk__tickets
    where via_channel in ('twitter', 'facebook')
),

social_candidates as (
    select
        'zendesk:tickets:' || t.ticket_id as node_id,
        p.post_key,
        p.author_id,
        row_number() over (partition by t.ticket_id order by p.created_at desc, p.post_key) as nearest
    from social_channel_tickets t
    inner join social_posts p on p.network = t.network and p.text = t.text
    where (p.username = t.username or p.author_name = t.via_from_name)
        and p.created_at between t.created_at - interval 2 day and t.created_at + interval 10 minute
),

social_tickets as (
    -- one author only: two people posting the same words under one name is no evidence
    select node_id, post_key
    from social_candidates
    where nearest = 1
        and node_id in (select node_id from social_candidates group by node_id having count(distinct author_id) = 1)
),

raw_identifiers as (
    -- shop customers
    select 'shopify:customers:' || customer_id as node_id, 'shop_customer_id' as id_type, customer_id as id_raw, false as quoted
    from staging.stg_shopify__customers
    -- the older export layout has no Customer ID: staging keys those rows by email or row hash
    where customer_id not like 'email:%' and customer_id not like 'row:%'
    union all
    select 'shopify:customers:' || customer_id, 'email', email, false from staging.stg_shopify__customers
    union all
    select 'shopify:customers:' || customer_id, 'phone', phone, false from staging.stg_shopify__customers
    union all
    select 'shopify:customers:' || customer_id, 'phone', address_phone, false from staging.stg_shopify__customers
    -- shop orders
    union all
    select 'shopify:orders:' || order_id, 'order', order_number, false from staging.stg_shopify__orders
    union all
    select 'shopify:orders:' || order_id, 'email', email, false from staging.stg_shopify__orders
    union all
    select 'shopify:orders:' || order_id, 'phone', phone, false from staging.stg_shopify__orders
    union all
    select 'shopify:orders:' || order_id, 'phone', billing_phone, false from staging.stg_shopify__orders
    union all
    select 'shopify:orders:' || order_id, 'phone', shipping_phone, false from staging.stg_shopify__orders
    -- app keys (events reduced to distinct keys in identity.person_records)
    union all
    select node_id, 'app_account', app_user_id, false from identity.person_records where entity = 'events'
    union all
    select node_id, 'shop_customer_id', app_user_id, false from identity.person_records where entity = 'events'
    union all
    select node_id, 'device', app_device_id, false from identity.person_records where entity = 'events'
    union all
    select node_id, 'email', app_email, false from identity.person_records where entity = 'events'
    -- zendesk
    union all
    select 'zendesk:users:' || user_id, 'zendesk_user', user_id, false from staging.stg_zendesk__users
    union all
    select 'zendesk:users:' || user_id, 'email', email, false from staging.stg_zendesk__users
    union all
    select 'zendesk:users:' || user_id, 'phone', phone, false from staging.stg_zendesk__users
    union all
    select 'zendesk:users:' || user_id, 'shop_customer_id', external_id, false from staging.stg_zendesk__users
    union all
    select 'zendesk:users:' || user_id, 'external_id', external_id, false from staging.stg_zendesk__users
    union all
    select 'zendesk:tickets:' || ticket_id, 'zendesk_user', requester_id, false from staging.stg_zendesk__tickets
    union all
    select 'zendesk:tickets:' || ticket_id, 'email', cxp_email(via_from_address), false from staging.stg_zendesk__tickets
    union all
    select 'zendesk:tickets:' || ticket_id, 'phone', via_from_phone, false from staging.stg_zendesk__tickets
    union all
    -- an order number quoted in text: "order #2041", "Order 2041", "order no. 2041", "#2041",
    -- in the subject or the first message
    select 'zendesk:tickets:' || ticket_id, 'order', unnest(regexp_extract_all(subject, '(?i)(?:\border|#)\s*(?:no\.?|number|num\.?|nr\.?)?\s*[:#]?\s*([0-9]{3,12})\b', 1)), true
    from staging.stg_zendesk__tickets
    union all
    select 'zendesk:tickets:' || ticket_id, 'order', unnest(regexp_extract_all(description, '(?i)(?:\border|#)\s*(?:no\.?|number|num\.?|nr\.?)?\s*[:#]?\s*([0-9]{3,12})\b', 1)), true
    from staging.stg_zendesk__tickets
    union all
    -- an order field on the ticket form (custom field values such as "order_2041", "#2041")
    select 'zendesk:tickets:' || ticket_id, 'order',
           unnest(regexp_extract_all(custom_fields, '(?i)"value"\s*:\s*"(?:order|ord)?[ _#:.-]*(?:no\.?\s*)?#?([0-9]{3,12})"', 1)), true
    from staging.stg_zendesk__tickets
    where regexp_matches(custom_fields, '(?i)"value"\s*:\s*"(?:order|ord|#)')
    union all
    -- a ticket Zendesk made from a tweet or a Facebook comment quotes that post: the post
    -- on the ticket's network whose author is the ticket's sender (same handle, or the
    -- same display name) with the ticket's text, posted shortly before the ticket opened
    select node_id, 'social_post', post_key, true from social_tickets
    -- amazon connect
    union all
    select 'amazon_connect:contacts:' || contact_id, 'phone', phone, false from staging.stg_amazon_connect__contacts
    union all
    select 'amazon_connect:contacts:' || contact_id, 'email', coalesce(email, case when customer_ref like '%@%' then cxp_email(customer_ref) end), false
    from staging.stg_amazon_connect__contacts
    union all
    select 'amazon_connect:contacts:' || contact_id, 'shop_customer_id', customer_ref, false from staging.stg_amazon_connect__contacts
    union all
    select 'amazon_connect:contacts:' || contact_id, 'order', order_ref, true from staging.stg_amazon_connect__contacts
    -- surveys
    union all
    select 'delighted:responses:' || response_id, 'delighted_person', person_id, false from staging.stg_delighted__responses
    union all
    select 'delighted:responses:' || response_id, 'email', email, false from staging.stg_delighted__responses
    union all
    select 'delighted:responses:' || response_id, 'phone', phone, false from staging.stg_delighted__responses
    union all
    select 'delighted:responses:' || response_id, 'shop_customer_id', customer_ref, false from staging.stg_delighted__responses
    union all
    select 'delighted:responses:' || response_id, 'order', order_ref, true from staging.stg_delighted__responses
    union all
    select 'qualtrics:responses:' || response_id, 'email', email, false from staging.stg_qualtrics__responses
    union all
    select 'qualtrics:responses:' || response_id, 'shop_customer_id', external_reference, false from staging.stg_qualtrics__responses
    union all
    select 'qualtrics:responses:' || response_id, 'external_id', external_reference, false from staging.stg_qualtrics__responses
    -- social
    union all
    select 'twitter:tweets:' || tweet_id, 'twitter_user', author_id, false from staging.stg_twitter__tweets
    union all
    select 'twitter:tweets:' || tweet_id, 'order', unnest(regexp_extract_all(text, '(?i)(?:\border|#)\s*(?:no\.?|number|num\.?|nr\.?)?\s*[:#]?\s*([0-9]{3,12})\b', 1)), true
    from staging.stg_twitter__tweets
    union all
    select 'twitter:tweets:' || tweet_id, 'social_post', 'twitter:' || tweet_id, false from staging.stg_twitter__tweets
    union all
    select 'facebook:comments:' || comment_id, 'facebook_user', author_id, false from staging.stg_facebook__comments
    union all
    select 'facebook:comments:' || comment_id, 'social_post', 'facebook:' || comment_id, false from staging.stg_facebook__comments
    union all
    select 'facebook:comments:' || comment_id, 'order', unnest(regexp_extract_all(message, '(?i)(?:\border|#)\s*(?:no\.?|number|num\.?|nr\.?)?\s*[:#]?\s*([0-9]{3,12})\b', 1)), true
    from staging.stg_facebook__comments
),

shop_refs as (
    -- digits of a shop customer id written in any of the usual ways: 8123…, CUST-8123…,
    -- cust_8123…, customer id 8123…, shopify:8123…, gid://shopify/Customer/8123…
    select
        *,
        -- only the types that can hold a shop customer id are parsed (a regex per email is slow)
        case when id_type in ('shop_customer_id', 'app_account', 'external_id') then nullif(regexp_extract(
            lower(trim(id_raw)),
            '^(?:''|#)?(?:gid://shopify/customer/|shopify[ _:/-]*(?:customer[ _:/-]*)?|cust(?:omer)?(?:[ _-]?id)?[ _:#/-]*)?0*([1-9][0-9]{3,19})$',
            1
        ), '') end as shop_digits
    from raw_identifiers
    where id_raw is not null
),

domain_fixes as (
    -- a mistyped domain of a big mailbox provider (hotmial.com, gmail.con): one typo away from
    -- exactly one provider in identity.email_providers and no provider itself (as in identity.person_records)
    select d.email_domain, min(p.domain) as fixed_domain
    from (select distinct split_part(id_raw, '@', 2) as email_domain from shop_refs where id_type = 'email') d
    inner join identity.email_providers p on damerau_levenshtein(d.email_domain, p.domain) = 1
    left join identity.email_providers known on known.domain = d.email_domain
    where known.domain is null
    group by d.email_domain
    having count(*) = 1
),

mailed as (
    select r.*, coalesce(f.fixed_domain, split_part(r.id_raw, '@', 2)) as key_domain
    from shop_refs r
    left join domain_fixes f on r.id_type = 'email' and f.email_domain = split_part(r.id_raw, '@', 2)
),

normalised as (
    select
        node_id,
        id_type,
        id_raw,
        quoted,
        case id_type
            -- the matching key of a valid email (cxp_email_key without re-validating: every
            -- email here is a staging email, already cxp_email, or validated below)
            when 'email' then case when key_domain in ('gmail.com', 'googlemail.com')
                                   then replace(split_part(split_part(id_raw, '@', 1), '+', 1), '.', '') || '@gmail.com'
                                   else split_part(split_part(id_raw, '@', 1), '+', 1) || '@' || key_domain end
            -- staging phones are E.164 already; only raw ones (ticket senders) need parsing
            when 'phone' then case when regexp_matches(id_raw, '^\+[1-9][0-9]{7,14}$') then id_raw else cxp_phone(id_raw, null) end
            when 'shop_customer_id' then shop_digits
            when 'order' then nullif(ltrim(regexp_extract(trim(id_raw), '([0-9]+)', 1), '0'), '')
            -- one account written two ways by two SDKs (cust_8123… and 8123…) is one account
            when 'app_account' then coalesce(shop_digits, nullif(trim(id_raw), ''))
            -- an external id that is a shop customer id is typed as such above
            when 'external_id' then case when shop_digits is null then nullif(lower(trim(id_raw)), '') end
            else nullif(trim(id_raw), '')
        end as id_value
    from mailed
)

-- One row per record and value (the table's key), also when a record both holds and
-- quotes a value: then it holds it.
select n.node_id, n.id_type, n.id_value, bool_and(n.quoted) as quoted
from normalised n
-- person records only: the anonymous ones never got a node
semi join identity.person_records p on p.node_id = n.node_id
where n.id_value is not null
group by n.node_id, n.id_type, n.id_value
