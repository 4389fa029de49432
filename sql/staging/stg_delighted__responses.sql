-- Delighted survey responses: one row per response, the latest version by updated_at
-- (a response changes when the person adds a comment). survey_type is nps, csat or ces
-- (missing = nps, Delighted's default; five_star/smileys = csat) and the score was
-- checked against that scale on load. Email, phone and the customer/order references
-- from person_properties are evidence for identity resolution.
with source as (
    select * from raw.delighted__responses
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by id
        order by updated_at desc nulls last, _loaded_at desc, _source_file desc, _source_row desc
    ) = 1
),

renamed as (
    select
        -- ids
        id as response_id,
        person_id,
        customer_ref,
        order_ref,
        -- person
        person_name,
        cxp_email(person_email) as email,
        person_email as email_raw,
        cxp_phone(person_phone_number, null) as phone,
        person_phone_number as phone_raw,
        -- survey
        -- nps/csat/ces; NULL for survey types outside the contract's scales (enps, thumbs, pmf):
        -- their score is kept but no metric reads it
        case when survey_kind in ('nps', 'csat', 'ces') then survey_kind end as survey_type,
        survey_type as survey_type_raw,
        score,
        comment,
        tags,
        person_properties,
        additional_answers,
        permalink,
        -- timestamps
        created_at,
        updated_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
