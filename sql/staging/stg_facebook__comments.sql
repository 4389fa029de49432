-- Facebook page comments: one row per comment (latest load wins), times in UTC.
-- Comments are anonymous unless the token returned `from`; the author id is a
-- page-scoped social handle for identity resolution.
with source as (
    select * from raw.facebook__comments
),

latest as (
    select *
    from source
    qualify row_number() over (partition by id order by _loaded_at desc, _source_file desc, _source_row desc) = 1
),

renamed as (
    select
        -- ids
        id as comment_id,
        id_is_hash as comment_id_is_hash,
        parent_id as parent_comment_id,
        from_id as author_id,
        -- text
        from_name as author_name,
        message,
        -- numerics
        like_count,
        comment_count as reply_count,
        -- timestamps
        created_time as created_at,
        -- lineage
        _source_file,
        _source_row
    from latest
)

select * from renamed
