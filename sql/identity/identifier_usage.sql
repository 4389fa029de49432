-- Identifier usage: one row per identifier value, and whether it may link records.
-- status: linking (a merge key), single (only one record has it), blocked (a
-- placeholder or role address, or listed in config.identity.blocked_identifiers),
-- shared (it behaves like a shared value: a household phone used by people with
-- different names and emails, a company email used by colleagues, a family device
-- logged into by two app accounts), or no_holder / ambiguous (an order number quoted
-- but held by no order, or by several).
with holdings as (
    -- one row per record and value (identity.identifiers' key): held when the record does
    -- not merely quote it
    select id_type, id_value, node_id, not quoted as held
    from identity.identifiers
),

counted as (
    -- (grouping twice is twice as fast as two count(distinct ...) over 14M identifiers)
    select id_type, id_value, count(*) as n_records, count(*) filter (where held) as n_holders
    from holdings
    group by id_type, id_value
),

device_accounts as (
    -- app accounts seen on each device
    select d.id_value, count(distinct a.id_value) as n_app_accounts
    from identity.identifiers d
    inner join identity.identifiers a on a.node_id = d.node_id and a.id_type = 'app_account'
    where d.id_type = 'device'
    group by d.id_value
),

groups as (
    select c.*, coalesce(d.n_app_accounts, 0) as n_app_accounts
    from counted c
    left join device_accounts d on c.id_type = 'device' and d.id_value = c.id_value
),

record_identifiers as (
    -- the records of every value more than one record holds, with the details that tell
    -- people apart (values held once cannot conflict)
    select i.*, p.source, p.entity, p.first_name_key, p.last_name_key, p.email_key, p.phone, p.postcode
    from identity.identifiers i
    inner join counted c on c.id_type = i.id_type and c.id_value = i.id_value and c.n_records > 1
    inner join identity.person_records p using (node_id)
    where i.id_type in ('email', 'phone', 'national_id')
),

blocked as (
    select
        g.id_type,
        g.id_value,
        case
            when c.id_value is not null then 'listed in config.identity.blocked_identifiers'
            when g.id_type = 'email' and split_part(g.id_value, '@', 1) in (
                'info', 'noreply', 'no-reply', 'no_reply', 'donotreply', 'do-not-reply', 'test', 'testing', 'tester',
                'admin', 'null', 'none', 'nobody', 'unknown', 'anonymous', 'guest', 'sample', 'example', 'email',
                'mail', 'customer', 'user', 'abc', 'asdf', 'xxx', 'na', 'n.a'
            ) then 'role or placeholder email address'
            when g.id_type = 'email' and split_part(g.id_value, '@', 2) in ('test.com', 'example.invalid', 'mailinator.com', 'invalid', 'localhost')
                then 'test email domain'
            when g.id_type = 'phone' and replace(right(g.id_value, 7), right(g.id_value, 1), '') = ''
                then 'placeholder phone number (repeated digit)'
            when g.id_type = 'phone' and right(g.id_value, 7) in ('1234567', '2345678', '3456789', '0123456', '9876543', '7654321')
                then 'placeholder phone number (digit run)'
            when lower(g.id_value) in ('0', '-1', 'null', 'none', 'nil', 'nan', 'undefined', 'unknown', 'anonymous', 'guest',
                                       'test', 'n/a', 'na', '[]', '{}', 'default', 'device', 'user')
                then 'placeholder value'
            when regexp_matches(g.id_value, '^[0 _:.-]+$') then 'placeholder value (zeros)'
        end as reason
    from groups g
    left join identity.blocked_identifiers c
        on c.id_value = g.id_value and (c.id_type is null or c.id_type = g.id_type)
),

signatures as (
    -- distinct people-looking combinations per identifier value, to find conflicts
    -- any unique id will do: the conflict test and its example are symmetric in a and b
    select *, row_number() over () as signature_id
    from (
    select distinct
        id_type,
        id_value,
        first_name_key,
        last_name_key,
        email_key,
        phone,
        upper(regexp_replace(postcode, '[^0-9A-Za-z]', '', 'g')) as postcode_key,
        source = 'shopify' and entity = 'customers' as is_account
    from record_identifiers
    ) distinct_signatures
),

conflicts as (
    -- Two records on one value that cannot be one person's. Their first names differ
    -- beyond a prefix, an initial or a typo, and another strong detail differs too: the
    -- email for a phone (a household landline); the surname or phone for an email, or
    -- both are shop accounts (colleagues on a company mailbox); the surname for a
    -- national id. Or, whatever the names, an email whose records live at two postcodes
    -- with two phones (two people typed the same address).
    select
        a.id_type,
        a.id_value,
        -- names in alphabetical order: signature ids are not stable between runs, the reason must be
        min(least(coalesce(a.first_name_key, '?'), coalesce(b.first_name_key, '?')) || ' / '
            || greatest(coalesce(a.first_name_key, '?'), coalesce(b.first_name_key, '?'))) as example
    from signatures a
    inner join signatures b
        on a.id_type = b.id_type and a.id_value = b.id_value and a.signature_id < b.signature_id
    where (
            not (
                starts_with(a.first_name_key, b.first_name_key)
                or starts_with(b.first_name_key, a.first_name_key)
                -- a typo: letters dropped, added, changed or swapped (saimr / samir)
                or damerau_levenshtein(a.first_name_key, b.first_name_key)
                   <= case when least(length(a.first_name_key), length(b.first_name_key)) >= 6 then 2 else 1 end
            )
            and (
                (a.id_type = 'phone' and coalesce(a.email_key <> b.email_key, true))
                or (a.id_type = 'email' and (a.phone <> b.phone or levenshtein(a.last_name_key, b.last_name_key) > 2
                                             or (a.is_account and b.is_account)))
                or (a.id_type = 'national_id' and levenshtein(a.last_name_key, b.last_name_key) > 2)
            )
        )
        or (a.id_type = 'email' and a.phone <> b.phone and a.postcode_key <> b.postcode_key)
    group by a.id_type, a.id_value
)

select
    g.id_type,
    g.id_value,
    g.n_records,
    g.n_holders,
    case
        when b.reason is not null then 'blocked'
        when g.id_type = 'device' and g.n_app_accounts >= 2 then 'shared'
        when c.id_value is not null then 'shared'
        when g.id_type in ('order', 'social_post') and g.n_holders = 0 then 'no_holder'
        when g.id_type in ('order', 'social_post') and g.n_holders > 1 then 'ambiguous'
        when g.n_records < 2 then 'single'
        else 'linking'
    end as status,
    case
        when b.reason is not null then b.reason
        when g.id_type = 'device' and g.n_app_accounts >= 2 then 'device used by ' || g.n_app_accounts || ' app accounts'
        when c.id_value is not null then 'used by people with different names (' || c.example || ')'
        when g.id_type = 'order' and g.n_holders = 0 then 'no order with this number'
        when g.id_type = 'order' and g.n_holders > 1 then g.n_holders || ' orders with this number'
    end as reason
from groups g
inner join blocked b on b.id_type = g.id_type and b.id_value = g.id_value
left join conflicts c on c.id_type = g.id_type and c.id_value = g.id_value
