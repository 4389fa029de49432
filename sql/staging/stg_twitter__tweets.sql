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

latest as (
    select *
    from source
    qualify row_number() over (partition by id order by _loaded_at desc, _source_file desc, _source_row desc) = 1
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
