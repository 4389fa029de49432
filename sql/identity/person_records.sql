-- Person records: one row per record that carries something about a person (a name,
-- a contact detail, an account or device id, a social author), in one shape for every
-- source. App events are the exception: millions of them carry the same few keys, so
-- they are reduced to one row per distinct (user_id, device_id, email) key and
-- core.identity_map expands the key back to its events.
-- Anonymous records (Google Play reviews, comments without author, chats without
-- endpoint, anonymous survey responses) are not person records.
-- node_id is stable across runs: it is built from the record's natural key only.
with shop_customers as (
    select
        'shopify:customers:' || customer_id as node_id,
        'shopify' as source,
        'customers' as entity,
        customer_id as source_record_id,
        1 as trust_rank,
        first_name,
        last_name,
        nullif(trim(concat_ws(' ', first_name, last_name)), '') as full_name,
        email,
        coalesce(phone, address_phone) as phone,
        company,
        -- the street line: orders carry line 1 only, and a flat number in line 2 must not
        -- make the customer's address look like another one
        nullif(trim(address1), '') as address,
        zip as postcode,
        city,
        province_code as state,
        country_code as country,
        cast(null as timestamp) as seen_first_at,
        cast(null as timestamp) as seen_last_at,
        1 as n_records
    from staging.stg_shopify__customers
),

shop_orders as (
    select
        'shopify:orders:' || order_id as node_id,
        'shopify' as source,
        'orders' as entity,
        order_id as source_record_id,
        2 as trust_rank,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        coalesce(billing_name, shipping_name) as full_name,
        email,
        coalesce(phone, billing_phone, shipping_phone) as phone,
        cast(null as varchar) as company,
        coalesce(billing_address1, shipping_address1) as address,
        coalesce(billing_zip, shipping_zip) as postcode,
        coalesce(billing_city, shipping_city) as city,
        coalesce(billing_province, shipping_province) as state,
        coalesce(billing_country, shipping_country) as country,
        created_at as seen_first_at,
        created_at as seen_last_at,
        1 as n_records
    from staging.stg_shopify__orders
    where coalesce(email, phone, billing_phone, shipping_phone, billing_name, shipping_name) is not null
),

zendesk_users as (
    select
        'zendesk:users:' || user_id as node_id,
        'zendesk' as source,
        'users' as entity,
        user_id as source_record_id,
        3 as trust_rank,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        -- Zendesk names callers and unknown senders after their number or address.
        case when not regexp_matches(name, '[0-9@]') then name end as full_name,
        email,
        phone,
        cast(null as varchar) as company,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as state,
        cast(null as varchar) as country,
        created_at as seen_first_at,
        coalesce(updated_at, created_at) as seen_last_at,
        1 as n_records
    from staging.stg_zendesk__users
    -- agents and admins answer tickets; they are not customers
    where coalesce(role, 'end-user') = 'end-user'
),

zendesk_tickets as (
    select
        'zendesk:tickets:' || ticket_id as node_id,
        'zendesk' as source,
        'tickets' as entity,
        ticket_id as source_record_id,
        5 as trust_rank,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        case when not regexp_matches(via_from_name, '[0-9@]') then via_from_name end as full_name,
        cxp_email(via_from_address) as email,
        cxp_phone(via_from_phone, null) as phone,
        cast(null as varchar) as company,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as state,
        cast(null as varchar) as country,
        created_at as seen_first_at,
        created_at as seen_last_at,
        1 as n_records
    from staging.stg_zendesk__tickets
    where coalesce(requester_id, via_from_address, via_from_phone) is not null
),

connect_contacts as (
    select
        'amazon_connect:contacts:' || contact_id as node_id,
        'amazon_connect' as source,
        'contacts' as entity,
        contact_id as source_record_id,
        5 as trust_rank,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        cast(null as varchar) as full_name,
        coalesce(email, case when customer_ref like '%@%' then cxp_email(customer_ref) end) as email,
        phone,
        cast(null as varchar) as company,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as state,
        cast(null as varchar) as country,
        initiated_at as seen_first_at,
        initiated_at as seen_last_at,
        1 as n_records
    from staging.stg_amazon_connect__contacts
    where coalesce(phone, email, customer_ref, order_ref) is not null
),

delighted_responses as (
    select
        'delighted:responses:' || response_id as node_id,
        'delighted' as source,
        'responses' as entity,
        response_id as source_record_id,
        4 as trust_rank,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        person_name as full_name,
        email,
        phone,
        cast(null as varchar) as company,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as state,
        cast(null as varchar) as country,
        created_at as seen_first_at,
        created_at as seen_last_at,
        1 as n_records
    from staging.stg_delighted__responses
    where coalesce(person_id, email, phone, customer_ref) is not null
),

qualtrics_responses as (
    select
        'qualtrics:responses:' || response_id as node_id,
        'qualtrics' as source,
        'responses' as entity,
        response_id as source_record_id,
        4 as trust_rank,
        first_name,
        last_name,
        nullif(trim(concat_ws(' ', first_name, last_name)), '') as full_name,
        email,
        cast(null as varchar) as phone,
        cast(null as varchar) as company,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as state,
        cast(null as varchar) as country,
        coalesce(recorded_at, ended_at) as seen_first_at,
        coalesce(recorded_at, ended_at) as seen_last_at,
        1 as n_records
    from staging.stg_qualtrics__responses
    where coalesce(email, external_reference, first_name, last_name) is not null
),

tweets as (
    select
        'twitter:tweets:' || tweet_id as node_id,
        'twitter' as source,
        'tweets' as entity,
        tweet_id as source_record_id,
        7 as trust_rank,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        author_name as full_name,
        cast(null as varchar) as email,
        cast(null as varchar) as phone,
        cast(null as varchar) as company,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as state,
        cast(null as varchar) as country,
        created_at as seen_first_at,
        created_at as seen_last_at,
        1 as n_records
    from staging.stg_twitter__tweets
    where author_id is not null
),

facebook_comments as (
    select
        'facebook:comments:' || comment_id as node_id,
        'facebook' as source,
        'comments' as entity,
        comment_id as source_record_id,
        7 as trust_rank,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        author_name as full_name,
        cast(null as varchar) as email,
        cast(null as varchar) as phone,
        cast(null as varchar) as company,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        cast(null as varchar) as city,
        cast(null as varchar) as state,
        cast(null as varchar) as country,
        created_at as seen_first_at,
        created_at as seen_last_at,
        1 as n_records
    from staging.stg_facebook__comments
    where author_id is not null
),

app_keys as (
    -- one row per distinct key: the events themselves stay in staging
    select
        'amplitude' as source,
        user_id as app_user_id,
        device_id as app_device_id,
        email as app_email,
        max(country) as country,
        max(city) as city,
        min(event_at) as seen_first_at,
        max(event_at) as seen_last_at,
        count(*) as n_records
    from staging.stg_amplitude__events
    where coalesce(user_id, device_id, email) is not null
    group by user_id, device_id, email
    union all
    select
        'mixpanel' as source,
        user_id as app_user_id,
        device_id as app_device_id,
        email as app_email,
        max(country_code) as country,
        max(city) as city,
        min(event_at) as seen_first_at,
        max(event_at) as seen_last_at,
        count(*) as n_records
    from staging.stg_mixpanel__events
    where coalesce(user_id, device_id, email) is not null
    group by user_id, device_id, email
),

app_events as (
    select
        source || ':events:' || md5(concat_ws('|', coalesce(app_user_id, ''), coalesce(app_device_id, ''), coalesce(app_email, ''))) as node_id,
        source,
        'events' as entity,
        cast(null as varchar) as source_record_id,
        6 as trust_rank,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        cast(null as varchar) as full_name,
        app_email as email,
        cast(null as varchar) as phone,
        cast(null as varchar) as company,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        city,
        cast(null as varchar) as state,
        country,
        seen_first_at,
        seen_last_at,
        n_records,
        app_user_id,
        app_device_id,
        app_email
    from app_keys
),

records as (
    select *, cast(null as varchar) as app_user_id, cast(null as varchar) as app_device_id, cast(null as varchar) as app_email from shop_customers
    union all select *, null, null, null from shop_orders
    union all select *, null, null, null from zendesk_users
    union all select *, null, null, null from zendesk_tickets
    union all select *, null, null, null from connect_contacts
    union all select *, null, null, null from delighted_responses
    union all select *, null, null, null from qualtrics_responses
    union all select *, null, null, null from tweets
    union all select *, null, null, null from facebook_comments
    union all select * from app_events
),

named as (
    -- first and last name for records that only have a full name ("Priya Raman",
    -- "Raman, Priya")
    select
        *,
        case when strpos(full_name, ',') > 0
             then trim(split_part(full_name, ',', 2)) || ' ' || trim(split_part(full_name, ',', 1))
             else trim(full_name) end as display_name
    from records
),

split as (
    select
        * exclude (first_name, last_name),
        coalesce(first_name, case when strpos(display_name, ' ') > 0 then split_part(display_name, ' ', 1) end) as first_name,
        coalesce(last_name, case when strpos(display_name, ' ') > 0 then regexp_extract(display_name, '([^ ]+)$', 1) end) as last_name
    from named
),

keyed as (
    -- comparison keys: lower case, no accents, letters only; a first name by its formal form
    select
        *,
        split_part(email, '@', 1) as email_local,
        split_part(email, '@', 2) as email_domain,
        nullif(regexp_replace(lower(strip_accents(coalesce(first_name, display_name))), '[^a-z]', '', 'g'), '') as first_name_plain,
        nullif(regexp_replace(lower(strip_accents(last_name)), '[^a-z]', '', 'g'), '') as last_name_key
    from split
),

domain_fixes as (
    -- a mistyped domain of a big mailbox provider (hotmial.com, gmail.con): one typo away from
    -- exactly one provider in identity.email_providers and no provider itself
    select d.email_domain, min(p.domain) as fixed_domain
    from (select distinct email_domain from keyed where email_domain <> '') d
    inner join identity.email_providers p on damerau_levenshtein(d.email_domain, p.domain) = 1
    left join identity.email_providers known on known.domain = d.email_domain
    where known.domain is null
    group by d.email_domain
    having count(*) = 1
),

mailed as (
    select k.*, coalesce(f.fixed_domain, k.email_domain) as key_domain
    from keyed k
    left join domain_fixes f using (email_domain)
)

select
    k.node_id,
    k.source,
    k.entity,
    k.source_record_id,
    k.trust_rank,
    k.first_name,
    k.last_name,
    nullif(k.display_name, '') as full_name,
    coalesce(v.formal_name, k.first_name_plain) as first_name_key,
    k.last_name_key,
    k.email,
    -- cxp_email_key without re-validating (every email here is already cxp_email), on the
    -- domain with a provider's typo corrected
    case when k.email is null then null
         when k.key_domain in ('gmail.com', 'googlemail.com')
         then replace(split_part(k.email_local, '+', 1), '.', '') || '@gmail.com'
         else split_part(k.email_local, '+', 1) || '@' || k.key_domain end as email_key,
    k.phone,
    k.company,
    k.address,
    k.postcode,
    k.city,
    k.state,
    k.country,
    k.seen_first_at,
    k.seen_last_at,
    k.n_records,
    k.app_user_id,
    k.app_device_id,
    k.app_email
from mailed k
left join identity.name_variants v on v.nickname = k.first_name_plain
