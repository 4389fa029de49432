-- Facebook page comments: one row per comment (latest load wins), times in UTC.
-- Comments are anonymous unless the token returned `from`; the author id is a
-- page-scoped social handle for identity resolution.
with source as (
    select * from raw.facebook__comments
),

-- Per key the greatest (_loaded_at, _source_file, _source_row): the latest load's last
-- copy. Found on the narrow lineage columns alone (a hash aggregate, no sort of wide
-- rows), then the wide row is fetched back by its lineage, which identifies a raw row.
latest_lineage as (
    select max(struct_pack(_loaded_at := _loaded_at, _source_file := _source_file, _source_row := _source_row)) as lineage
    from raw.facebook__comments
    group by id
),

latest as (
    select source.*
    from source
    semi join latest_lineage
        on latest_lineage.lineage._loaded_at = source._loaded_at
        and latest_lineage.lineage._source_file = source._source_file
        and latest_lineage.lineage._source_row = source._source_row
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
