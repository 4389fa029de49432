"""Metadata every materialization reports, and column descriptions that say something."""
from __future__ import annotations

import json

import duckdb
from dagster import AssetKey, materialize

from pipelines.assets.raw import RAW_ASSETS
from pipelines.assets.sql import SQL_ASSETS
from pipelines.metadata import apply_comments, column_comments, sql_column_descriptions

MODEL_SQL = """-- a model
with source as (
    select * from raw.things
),

renamed as (
    select
        -- ids
        id as thing_id,
        parent_id as parent_thing_id,   -- the thing this one belongs to
        owner_id,
        -- text
        lower(status) as status,
        case
            when kind = 'a' then 'alpha'
            else 'other'
        end as kind_name,
        note,
        _source_file
    from source
)

select * from renamed
"""


def test_sql_column_descriptions_in_order_of_preference():
    upstream = {"id": "thing id from the API", "owner_id": "who owns it", "parent_id": "parent", "_source_file": "export file"}
    described = sql_column_descriptions(
        MODEL_SQL, ["thing_id", "parent_thing_id", "owner_id", "status", "kind_name", "note", "_source_file"], upstream
    )
    assert described == {
        "thing_id": "thing id from the API (from `id`)",  # renamed: the upstream description, and where from
        "parent_thing_id": "the thing this one belongs to",  # a trailing comment wins
        "owner_id": "who owns it",  # passed through
        "status": "computed: `lower(status)`",
        "kind_name": "computed by a CASE expression",
        "_source_file": "export file",
    }  # `note` has no description anywhere, so none is made up
    assert "ids" not in described.values() and "text" not in described.values()  # banners are not descriptions


def test_comments_are_written_once_and_read_back():
    with duckdb.connect() as con:
        con.execute("create schema raw; create table raw.things (id varchar, note varchar)")
        apply_comments(con, "raw.things", {"id": "it's the id"}, table_comment="things")
        apply_comments(con, "raw.things", {"id": "it's the id"})
        assert column_comments(con, ["raw.things"]) == {"id": "it's the id"}
        assert con.execute("select comment from duckdb_tables() where table_name = 'things'").fetchone()[0] == "things"


def _facebook_assets():
    load = next(a for a in RAW_ASSETS if a.node_def.name == "load_facebook")
    staging = next(a for a in SQL_ASSETS if a.key == AssetKey(["staging", "stg_facebook__comments"]))
    return [load, staging]


def test_every_materialization_reports_counts_preview_sql_and_described_columns(warehouse, facebook_exports):
    (facebook_exports / "facebook" / "comments_page_2.json").write_text(json.dumps({"data": [
        {"id": "c7", "message": "fine", "created_time": "2024-11-07T10:00:00+0000"},
        {"id": "c8", "message": "when?"},  # no event time: quarantined
    ]}))
    result = materialize(_facebook_assets(), resources={"warehouse": warehouse})
    events = {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}

    raw = events["raw/facebook__comments"]
    assert raw["dagster/row_count"].value == 3
    assert raw["files_loaded"].value == 2 and raw["records_quarantined_this_run"].value == 1
    assert raw["records_quarantined_total"].value == 1
    assert "comments_page_1.json" in raw["files"].value and "comments_page_2.json" in raw["files"].value
    reasons = raw["quarantine_reasons"].value
    assert reasons.startswith("| reason | records |") and reasons.rstrip().endswith("| 1 |")
    raw_columns = {c.name: c.description for c in raw["dagster/column_schema"].schema.columns}
    assert raw_columns["_source_row"].startswith("1-based physical record number")

    staging = events["staging/stg_facebook__comments"]
    assert staging["dagster/row_count"].value == 3
    assert staging["preview"].value.startswith("| comment_id |")
    assert "from raw.facebook__comments" in staging["sql"].value and staging["sql"].value.startswith("```sql")
    columns = {c.name: (c.type, c.description) for c in staging["dagster/column_schema"].schema.columns}
    assert columns["created_at"][0] == "timestamp"
    assert "(from `created_time`)" in columns["created_at"][1]
    assert columns["comment_id"][1].startswith("comment id")
    assert staging["dagster/table_name"].value == "staging.stg_facebook__comments"
