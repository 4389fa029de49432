"""The asset checks: each one passes on good data and fails, with its evidence, on bad data;
blocking checks stop downstream assets."""
from __future__ import annotations

import os
import time

import duckdb
import pytest
from dagster import AssetCheckSeverity, AssetKey, materialize

from connectors import CONNECTORS
from models.config import CxpConfig
from pipelines.assets.checks import (
    Reference,
    _ancestors,
    build_reference_check,
    conservation_result,
    exports_fresh_result,
    readable_files_result,
    reference_result,
    staging_keys,
    unique_key_result,
)
from pipelines.assets.raw import RAW_ASSETS
from pipelines.assets.sql import SQL_ASSETS
from pipelines.loader import load_connector
from pipelines.sql_models import SqlModel
from pipelines.warehouse import connect_build

facebook = CONNECTORS["facebook"]


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        connection.execute("create schema core; create schema marts")
        yield connection


def test_unique_key_passes_on_a_key(con):
    con.execute("create table core.customers as select 'c' || range as customer_id from range(5)")
    result = unique_key_result(con, "core.customers", ("customer_id",))
    assert result.passed and result.metadata["rows"].value == 5


def test_unique_key_fails_on_duplicates_and_nulls(con):
    con.execute("create table core.customers as select * from (values ('a'), ('a'), ('a'), ('b'), (null)) t(customer_id)")
    result = unique_key_result(con, "core.customers", ("customer_id",))
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR
    assert result.metadata["duplicate_rows"].value == 2
    assert result.metadata["null_keys"].value == 1
    assert "| a | 3 |" in result.metadata["most_duplicated"].value


def test_composite_key_with_a_nullable_part(con):
    con.execute(
        """create table marts.touchpoint_metrics as select * from (values
           ('support:email', 'all', null::date), ('support:email', 'day', date '2024-11-05'),
           ('support:chat', 'all', null::date)) t(touchpoint, grain, period_start)"""
    )
    assert unique_key_result(con, "marts.touchpoint_metrics", ("touchpoint", "grain", "period_start")).passed
    con.execute("insert into marts.touchpoint_metrics values ('support:chat', 'all', null)")
    failed = unique_key_result(con, "marts.touchpoint_metrics", ("touchpoint", "grain", "period_start"))
    assert not failed.passed and failed.metadata["duplicate_rows"].value == 1


def test_reference_check(con):
    con.execute("create table core.customers as select * from (values ('c1'), ('c2')) t(customer_id)")
    con.execute("create table core.interactions as select * from (values ('i1', 'c1'), ('i2', null)) t(interaction_id, customer_id)")
    nullable = Reference("core.interactions", "customer_id", "core.customers", "customer_id", nullable=True)
    strict = Reference("core.interactions", "customer_id", "core.customers", "customer_id", nullable=False)
    assert reference_result(con, nullable).passed
    assert not reference_result(con, strict).passed
    con.execute("insert into core.interactions values ('i3', 'c9'), ('i4', 'c9')")
    result = reference_result(con, nullable)
    assert not result.passed
    assert result.metadata["dangling_rows"].value == 2 and result.metadata["dangling_values"].value == "c9"


def test_staging_keys_parse_composite_keys(tmp_path):
    spec = tmp_path / "README.md"
    spec.write_text("| table | key | columns |\n|---|---|---|\n| `stg_a__b` | `x` | x, y |\n| `stg_c__d` | `p, q` | p, q |\n")
    assert staging_keys(spec) == {"staging.stg_a__b": ("x",), "staging.stg_c__d": ("p", "q")}


def test_reference_check_goes_on_the_table_built_last(tmp_path):
    """identity_map -> customers, where customers is built from identity_map: the check sits on customers."""
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "identity_map.sql").write_text("select 'x' as customer_id from staging.stg_a__b")
    (tmp_path / "core" / "customers.sql").write_text("select distinct customer_id from core.identity_map")
    (tmp_path / "core" / "interactions.sql").write_text("select customer_id from core.identity_map")
    models = {m.table: m for m in (SqlModel("core", p.stem, p) for p in (tmp_path / "core").glob("*.sql"))}
    assert _ancestors(models, "core.customers") == {"core.identity_map", "staging.stg_a__b"}
    on_parent = build_reference_check(Reference("core.identity_map", "customer_id", "core.customers", "customer_id", False), models)
    on_child = build_reference_check(Reference("core.interactions", "customer_id", "core.customers", "customer_id", True), models)
    assert on_parent.check_keys == {next(iter(on_parent.check_keys))}
    assert next(iter(on_parent.check_keys)).asset_key == AssetKey(["core", "customers"])
    assert next(iter(on_child.check_keys)).asset_key == AssetKey(["core", "interactions"])


@pytest.fixture
def loaded(tmp_path, facebook_exports):
    con = connect_build(tmp_path / "warehouse", CxpConfig())
    load_connector(con, facebook, facebook_exports, CxpConfig())
    yield con, facebook_exports
    con.close()


def test_conservation_holds_after_a_real_load(loaded):
    con, _ = loaded
    result = conservation_result(con, facebook)
    assert result.passed, result.description
    assert result.metadata["records_read"].value == result.metadata["records_in_raw"].value + result.metadata["records_quarantined"].value > 0


def test_conservation_fails_when_a_record_goes_missing(loaded):
    con, _ = loaded
    con.execute("delete from raw.facebook__comments where _source_row = (select min(_source_row) from raw.facebook__comments)")
    result = conservation_result(con, facebook)
    assert not result.passed and result.metadata["files_not_conserved"].value == 1
    assert "comments_page_1.json" in result.metadata["mismatches"].value


def test_conservation_fails_on_rows_no_load_accounts_for(loaded):
    con, _ = loaded
    con.execute("insert into raw.facebook__comments by name select 'zz' as id, 'facebook/smuggled.json' as _source_file, "
                "1 as _source_row, now()::timestamp as _loaded_at")
    result = conservation_result(con, facebook)
    assert not result.passed and "smuggled.json" in result.metadata["mismatches"].value


def test_unreadable_file_warns_until_it_is_fixed_or_removed(loaded):
    con, exports = loaded
    broken = exports / "facebook" / "comments_page_2.json"
    broken.write_text('{"hello": "world"}')  # parses, but is no comments page
    load_connector(con, facebook, exports, CxpConfig())
    result = readable_files_result(con, facebook, exports)
    assert not result.passed and result.severity == AssetCheckSeverity.WARN
    assert "comments_page_2.json" in result.metadata["files"].value
    broken.unlink()
    assert readable_files_result(con, facebook, exports).passed


def test_exports_freshness(facebook_exports, tmp_path):
    assert exports_fresh_result(facebook, facebook_exports, max_age_days=2).passed
    five_days_ago = time.time() - 5 * 86400
    for path in (facebook_exports / "facebook").iterdir():
        os.utime(path, (five_days_ago, five_days_ago))
    stale = exports_fresh_result(facebook, facebook_exports, max_age_days=2)
    assert not stale.passed and stale.severity == AssetCheckSeverity.WARN and "5.0 days old" in stale.description
    assert exports_fresh_result(facebook, tmp_path / "nowhere", max_age_days=2).passed  # connector not in use


def _facebook_assets():
    load = next(a for a in RAW_ASSETS if a.node_def.name == "load_facebook")
    staging = next(a for a in SQL_ASSETS if a.key == AssetKey(["staging", "stg_facebook__comments"]))
    return [load, staging]


def test_checks_ride_along_with_materialization(warehouse):
    result = materialize(_facebook_assets(), resources={"warehouse": warehouse})
    assert result.success
    evaluations = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {
        ("raw/facebook__comments", "conservation"): True,
        ("raw/facebook__comments", "readable_files"): True,
        ("raw/facebook__comments", "exports_fresh"): True,
        ("staging/stg_facebook__comments", "unique_key"): True,
    }


def test_a_failing_blocking_check_stops_downstream_assets(warehouse):
    # A raw row no load accounts for: conservation fails on the load, and staging must not run.
    with connect_build(warehouse.warehouse_path, CxpConfig()) as con:
        load_connector(con, facebook, warehouse.exports_path, CxpConfig())
        con.execute("insert into raw.facebook__comments by name select 'zz' as id, 'facebook/smuggled.json' as _source_file, "
                    "1 as _source_row, now()::timestamp as _loaded_at")
    result = materialize(_facebook_assets(), resources={"warehouse": warehouse}, raise_on_error=False)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [("raw/facebook__comments", "conservation")]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "staging/stg_facebook__comments" not in materialized


def test_conservation_counts_records_erased_by_cxp_forget(loaded):
    from pipelines.forget import erase

    con, exports = loaded
    (exports / "facebook" / "comments_page_2.json").write_text(
        '{"data": [{"id": "c9", "message": "call me: Jo.Smith@example.com", "created_time": "2024-11-07T10:00:00+0000"},'
        ' {"id": "c10", "message": "hi", "created_time": "2024-11-07T11:00:00+0000"}]}'
    )
    load_connector(con, facebook, exports, CxpConfig())
    erasure = erase(con, "jo.smith@example.com", None)
    assert erasure.deleted == {"raw.facebook__comments": 1}
    result = conservation_result(con, facebook)
    assert result.passed, result.metadata.get("mismatches")
    assert result.metadata["records_erased"].value == 1
    # An erasure explains only what it recorded: a row lost besides still fails.
    con.execute("delete from raw.facebook__comments where id = 'c10'")
    assert not conservation_result(con, facebook).passed
