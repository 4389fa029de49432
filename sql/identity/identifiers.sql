-- Identifiers: one row per (person record, identifier type, normalised value).
-- Types: email (matching key: Gmail dots, googlemail and +tags folded), phone (E.164),
-- shop_customer_id (the shop's customer id, also when another system quotes it as
-- 8123…, CUST-8123…, cust_8123… or gid://shopify/Customer/8123…), app_account,
-- device, zendesk_user, delighted_person, twitter_user, facebook_user, external_id,
-- and order (the order number: held by the order, quoted by a tweet, a comment, a
-- ticket subject, a call's attributes or a survey; quoted = true).
-- Whether a value may link records is decided in identity.identifier_usage.
with raw_identifiers as (
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
    -- an order number quoted in text: "order #2041", "Order 2041", "order no. 2041", "#2041"
    select 'zendesk:tickets:' || ticket_id, 'order', unnest(regexp_extract_all(subject, '(?i)(?:\border|#)\s*(?:no\.?|number|num\.?|nr\.?)?\s*[:#]?\s*([0-9]{3,12})\b', 1)), true
    from staging.stg_zendesk__tickets
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
    select 'facebook:comments:' || comment_id, 'facebook_user', author_id, false from staging.stg_facebook__comments
    union all
    select 'facebook:comments:' || comment_id, 'order', unnest(regexp_extract_all(message, '(?i)(?:\border|#)\s*(?:no\.?|number|num\.?|nr\.?)?\s*[:#]?\s*([0-9]{3,12})\b', 1)), true
    from staging.stg_facebook__comments
),

shop_refs as (
    -- digits of a shop customer id written in any of the usual ways: 8123…, CUST-8123…,
    -- cust_8123…, customer id 8123…, shopify:8123…, gid://shopify/Customer/8123…
    select
        *,
        nullif(regexp_extract(
            lower(trim(id_raw)),
            '^(?:''|#)?(?:gid://shopify/customer/|shopify[ _:/-]*(?:customer[ _:/-]*)?|cust(?:omer)?(?:[ _-]?id)?[ _:#/-]*)?0*([1-9][0-9]{3,19})$',
            1
        ), '') as shop_digits
    from raw_identifiers
    where id_raw is not null
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
            when 'email' then case when split_part(id_raw, '@', 2) in ('gmail.com', 'googlemail.com')
                                   then replace(split_part(split_part(id_raw, '@', 1), '+', 1), '.', '') || '@gmail.com'
                                   else split_part(split_part(id_raw, '@', 1), '+', 1) || '@' || split_part(id_raw, '@', 2) end
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
    from shop_refs
)

select distinct n.node_id, n.id_type, n.id_value, n.quoted
from normalised n
-- person records only: the anonymous ones never got a node
semi join identity.person_records p on p.node_id = n.node_id
where n.id_value is not null
