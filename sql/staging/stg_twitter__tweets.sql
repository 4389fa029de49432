-- X (Twitter) posts: one row per tweet id (the latest load wins, so engagement counts
-- are the most recent seen), times in UTC. Ids are text: they overflow doubles.
-- The author's username is a social handle for identity resolution.
with source as (
    select * from raw.twitter__tweets
),

-- Pages fetched without the author expansion have no includes.users: such tweets take
-- their author's latest known handle and name from any other page.
known_authors as (
    select
        author_id,
        max_by(author_username, load_order) filter (where author_username is not null) as author_username,
        max_by(author_name, load_order) filter (where author_name is not null) as author_name
    from (select *, row_number() over (order by _loaded_at, _source_file, _source_row) as load_order from source) as ordered
    where author_id is not null
    group by author_id
),

-- Per key the greatest (_loaded_at, _source_file, _source_row): the latest load's last
-- copy. Found on the narrow lineage columns alone (a hash aggregate, no sort of wide
-- rows), then the wide row is fetched back by its lineage, which identifies a raw row.
latest_lineage as (
    select max(struct_pack(_loaded_at := _loaded_at, _source_file := _source_file, _source_row := _source_row)) as lineage
    from raw.twitter__tweets
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
        latest.id as tweet_id,
        latest.author_id,
        latest.conversation_id,
        latest.in_reply_to_user_id,
        -- text
        coalesce(latest.author_username, known_authors.author_username) as author_username,
        coalesce(latest.author_name, known_authors.author_name) as author_name,
        latest.text,
        latest.lang,
        -- numerics
        latest.like_count,
        latest.retweet_count,
        latest.reply_count,
        -- timestamps
        latest.created_at,
        -- lineage
        latest._source_file,
        latest._source_row
    from latest
    left join known_authors on known_authors.author_id = latest.author_id
)

select * from renamed
