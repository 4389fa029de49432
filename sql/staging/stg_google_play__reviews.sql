-- Google Play reviews: one row per review, the most recently updated version (then the
-- latest load). Reviews are anonymous: no reviewer identity. Times are UTC.
with source as (
    select * from raw.google_play__reviews
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by review_id
        order by coalesce(review_last_update_date_and_time, review_submit_date_and_time) desc,
            _loaded_at desc, _source_file desc, _source_row desc
    ) = 1
),

renamed as (
    select
        -- ids
        review_id,
        review_id_is_hash,
        package_name,
        app_version_code,
        app_version_name,
        -- context
        reviewer_language as language,
        device,
        -- rating and text
        star_rating,
        review_title,
        review_text,
        developer_reply_text,
        review_link,
        -- timestamps
        review_submit_date_and_time as submitted_at,
        review_last_update_date_and_time as last_updated_at,
        developer_reply_date_and_time as developer_replied_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
