"""Parquet for BI: every core and marts table, Hive-partitioned by month where it has a time
column, readable by pyarrow, DuckDB and pandas, replaced atomically."""
from __future__ import annotations

import threading

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest
import scenario

from pipelines import parquet


@pytest.fixture(scope="module")
def con():
    connection = scenario.built()
    yield connection
    connection.close()


@pytest.fixture
def exported(con, tmp_path):
    root = tmp_path / "parquet"
    return root, parquet.export_parquet(con, root)


def table_rows(con, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def test_every_core_and_marts_table_is_written(con, exported):
    root, tables = exported
    names = {e.table for e in tables}
    assert {"core.interactions", "core.customers", "core.identity_map", "core.text_sentiment", "marts.touchpoint_metrics",
            "marts.customer_experience", "marts.customer_journeys", "marts.journey_paths", "marts.segment_metrics",
            "marts.experience_outcomes", "marts.experience_gap", "marts.feedback_loop"} <= names
    for e in tables:
        assert e.path == root.joinpath(*e.table.split(".")) and e.rows == table_rows(con, e.table)


def test_tables_with_a_time_column_are_partitioned_by_month(exported):
    root, tables = exported
    partitioned = {e.table: e.partitioned_by for e in tables}
    assert partitioned["core.interactions"] == "occurred_at"
    assert partitioned["marts.touchpoint_metrics"] == "period_start"
    assert partitioned["marts.customer_experience"] is None
    months = sorted(p.name for p in (root / "core" / "interactions").iterdir())
    assert months == ["month=2024-09", "month=2024-11"]
    metric_months = sorted(p.name for p in (root / "marts" / "touchpoint_metrics").iterdir())
    assert "month=all" in metric_months  # the all-time grain has no period
    assert [p.name for p in (root / "marts" / "customer_experience").iterdir()] == ["data.parquet"]


@pytest.mark.parametrize("table", ["core.interactions", "marts.touchpoint_metrics", "marts.customer_experience"])
def test_pyarrow_duckdb_and_pandas_read_the_same_rows(con, exported, table):
    root, _ = exported
    folder = root.joinpath(*table.split("."))
    expected = table_rows(con, table)
    columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    arrow = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    frame = pd.read_parquet(folder)
    reader = duckdb.connect()
    via_duckdb = reader.execute(f"select * from read_parquet('{folder}/**/*.parquet')").df()
    assert arrow.num_rows == len(frame) == len(via_duckdb) == expected
    for got in (arrow.column_names, list(frame.columns), list(via_duckdb.columns)):
        assert [c for c in got if c != "month"] == columns


def test_values_survive_the_round_trip(con, exported):
    root, _ = exported
    reader = duckdb.connect()
    query = "select interaction_id, customer_id, touchpoint, occurred_at, rating, sentiment, revenue, is_repeat_contact_7d from {} order by 1"
    original = con.execute(query.format("core.interactions")).fetchall()
    copied = reader.execute(query.format(f"read_parquet('{root}/core/interactions/**/*.parquet')")).fetchall()
    assert copied == original


def hidden(root):
    return sorted(p.name.split(".")[1] for p in root.rglob(".*"))


def test_replaced_versions_stay_hidden_for_the_grace_period_then_go(con, exported, monkeypatch):
    root, _ = exported
    con.execute("create or replace table marts.scratch as select 1 as x")
    parquet.export_parquet(con, root)
    assert (root / "marts" / "scratch" / "data.parquet").exists()
    assert "interactions" in hidden(root)  # the version replaced a moment ago, for readers still scanning it
    con.execute("drop table marts.scratch")
    parquet.export_parquet(con, root)
    assert not (root / "marts" / "scratch").exists()  # a table that is gone loses its Parquet
    assert "scratch" in hidden(root)
    monkeypatch.setattr(parquet, "RETIRED_GRACE_SECONDS", 0.0)
    parquet.export_parquet(con, root)
    assert hidden(root) == []


def test_an_erasure_rebuild_keeps_no_replaced_version(con, exported):
    root, _ = exported
    parquet.export_parquet(con, root)
    assert hidden(root) != []
    parquet.export_parquet(con, root, keep_replaced=False)
    assert hidden(root) == []


def test_a_failed_write_keeps_the_previous_table(con, exported):
    root, _ = exported
    target = root / "marts" / "journey_paths"
    before = sorted(p.name for p in target.rglob("*.parquet"))
    with pytest.raises(duckdb.Error):
        parquet.write_table(con, "marts.no_such_table", target)
    assert sorted(p.name for p in target.rglob("*.parquet")) == before
    assert [p for p in target.parent.iterdir() if ".tmp-" in p.name] == []


def test_readers_never_see_a_half_written_table(con, tmp_path):
    root = tmp_path / "parquet"
    target = root / "core" / "interactions"
    parquet.write_table(con, "core.interactions", target)
    expected = table_rows(con, "core.interactions")
    seen, errors, done = [], [], threading.Event()

    def read_repeatedly():
        while not done.is_set():
            try:
                seen.append(ds.dataset(target, format="parquet", partitioning="hive").count_rows())
            except (FileNotFoundError, OSError) as error:  # only the rename fallback may leave a gap
                errors.append(error)

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    for _ in range(30):
        parquet.write_table(con, "core.interactions", target)
    done.set()
    reader.join()
    assert seen and set(seen) == {expected}
    assert errors == [] or not parquet.atomic_exchange_available()
    assert [p.name for p in target.parent.iterdir() if not p.name.startswith(".")] == ["interactions"]


def test_an_empty_table_is_still_readable(con, tmp_path):
    con.execute("create or replace table marts.empty_scratch as select * from core.interactions where false")
    try:
        exported = parquet.write_table(con, "marts.empty_scratch", tmp_path / "empty")
        assert exported.rows == 0
        assert ds.dataset(tmp_path / "empty", format="parquet").count_rows() == 0
    finally:
        con.execute("drop table marts.empty_scratch")


@pytest.mark.parametrize(
    "times",
    [
        ["2024-01-31 23:59:59.999999", "2024-02-01 00:00:00", "2024-12-31 12:00:00", None, "2025-01-01 00:00:00"],
        ["2024-03-05 10:00:00", "infinity", "-infinity", None],  # no month range holds ±infinity
    ],
    ids=["month_edges", "infinite_times"],
)
def test_each_row_lands_in_its_month_folder_exactly_once(tmp_path, times):
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.timed (id integer, occurred_at timestamp)")
    con.executemany("insert into marts.timed values (?, cast(? as timestamp))", list(enumerate(times)))
    exported = parquet.write_table(con, "marts.timed", tmp_path / "timed")
    assert exported.rows == len(times)
    expected = con.execute(
        "select id, coalesce(strftime(occurred_at, '%Y-%m'), 'all') from marts.timed order by id"
    ).fetchall()
    got = con.execute(
        f"select id, month from read_parquet('{tmp_path}/timed/*/*.parquet', hive_partitioning = true, hive_types_autocast = false) order by id"
    ).fetchall()
    assert got == expected
    assert {p.name for p in (tmp_path / "timed").iterdir()} == {f"month={label}" for _, label in expected}
