"""The loader's promises, on the real Facebook connector: conservation, skip by sha256,
a broken file recorded and the rest loaded, idempotent reruns, raw tables that grow."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from connectors import CONNECTORS
from models.config import CxpConfig
from pipelines.loader import ensure_raw_tables, load_connector
from pipelines.warehouse import connect_build

facebook = CONNECTORS["facebook"]


@pytest.fixture
def exports(tmp_path, samples_dir) -> Path:
    folder = tmp_path / "exports" / "facebook"
    folder.mkdir(parents=True)
    shutil.copy(samples_dir / "fb_comments_page.json", folder / "page_1.json")
    (folder / "page_2.json").write_text(
        json.dumps(
            {
                "data": [
                    {"id": "c3", "message": "ok", "created_time": "2024-11-07T10:00:00+0000", "from": {"id": "u9", "name": "Ann"}},
                    {"id": "c4", "message": "no time at all"},
                    {"id": "c5", "message": "bad time", "created_time": "the day after"},
                ]
            }
        )
    )
    (folder / "page_3.json").write_text('{"data": [{"id": "c6", "created_time": ')  # cut off mid-write
    (folder / "not_a_page.json").write_text('{"hello": "world"}')  # parses, but is no comments page
    return tmp_path / "exports"


@pytest.fixture(params=["small files batched", "every file streamed"], autouse=True)
def file_mode(request, monkeypatch):
    """Both write paths keep the same promises: batched small files and streamed large ones."""
    if request.param == "every file streamed":
        monkeypatch.setattr("pipelines.loader.SMALL_FILE_BYTES", 0)
    return request.param


@pytest.fixture(params=["read by worker processes", "read in the loader's process"], autouse=True)
def reading(request, monkeypatch):
    """Files read by worker processes (several files, the default) keep the same promises as
    files read in the loader's own process (one file, or read_processes: 0)."""
    if request.param == "read in the loader's process":
        monkeypatch.setattr("pipelines.loader.read_processes", lambda config: 0)
    return request.param


def test_several_files_are_read_by_worker_processes(tmp_path, exports, reading, monkeypatch):
    from pipelines import loader

    spilled = []
    real = loader._stage_spilled
    monkeypatch.setattr(loader, "_stage_spilled", lambda *args: spilled.append(args[1]) or real(*args))
    monkeypatch.setattr("pipelines.loader.SMALL_FILE_BYTES", 8 << 20)
    _load(tmp_path, exports)
    assert sorted(spilled) == (["facebook/page_1.json", "facebook/page_2.json", "facebook/page_3.json"] if reading == "read by worker processes" else [])
    assert not list((tmp_path / "wh" / ".build" / "tmp").glob("cxp-read-*")), "spill files are removed once written"


def test_a_pool_whose_workers_die_leaves_the_files_to_the_loader(tmp_path, exports, monkeypatch, reading):
    """A worker killed (out of memory) breaks the pool: every file still loads, read here."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    class DeadPool:
        def submit(self, *args):
            future = Future()
            future.set_exception(BrokenProcessPool("a worker died"))
            return future

        def shutdown(self, wait=True, cancel_futures=False):
            pass

    monkeypatch.setattr("pipelines.loader.read_pool", lambda processes: DeadPool())
    _, report = _load(tmp_path, exports)
    statuses = {f.source_file: (f.status, f.records_loaded, f.records_quarantined) for f in report.files}
    assert statuses["facebook/page_1.json"][0] == statuses["facebook/page_2.json"][0] == "loaded"
    assert statuses["facebook/page_2.json"][1:] == (1, 2)
    assert statuses["facebook/not_a_page.json"][0] == "failed"


def _load(tmp_path, exports):
    con = connect_build(tmp_path / "wh", CxpConfig())
    return con, load_connector(con, facebook, exports, CxpConfig())


def test_every_record_is_loaded_or_quarantined(tmp_path, exports):
    con, report = _load(tmp_path, exports)
    statuses = {f.source_file: f.status for f in report.files}
    assert statuses == {
        "facebook/not_a_page.json": "failed",
        "facebook/page_1.json": "loaded",
        "facebook/page_2.json": "loaded",
        "facebook/page_3.json": "loaded",
    }
    loads = con.execute(
        "select source_file, records_read, records_loaded, records_quarantined from audit.loads order by source_file"
    ).fetchall()
    assert loads == [
        ("facebook/not_a_page.json", 0, 0, 0),
        ("facebook/page_1.json", 2, 2, 0),
        ("facebook/page_2.json", 3, 1, 2),
        ("facebook/page_3.json", 1, 0, 1),
    ]
    assert con.execute("select count(*) from raw.facebook__comments").fetchone()[0] == 3
    reasons = con.execute("select source_file, source_row, reason from audit.quarantine order by all").fetchall()
    assert reasons[0][:2] == ("facebook/page_2.json", 2) and reasons[0][2] == "created_time is missing"
    assert reasons[1][:2] == ("facebook/page_2.json", 3) and "not a readable date" in reasons[1][2]
    assert reasons[2][:2] == ("facebook/page_3.json", 1) and reasons[2][2].startswith("invalid JSON at byte")
    error = con.execute("select error from audit.loads where status = 'failed'").fetchone()[0]
    assert "unknown layout" in error


def test_lineage_columns_point_back_at_the_file(tmp_path, exports):
    con, _ = _load(tmp_path, exports)
    rows = con.execute("select id, _source_file, _source_row from raw.facebook__comments order by _source_file, _source_row").fetchall()
    assert rows[-1] == ("c3", "facebook/page_2.json", 1)
    assert con.execute("select count(*) from raw.facebook__comments where _loaded_at is null").fetchone()[0] == 0


def test_a_loaded_file_is_skipped_and_a_failed_one_retried(tmp_path, exports):
    con, _ = _load(tmp_path, exports)
    second = load_connector(con, facebook, exports, CxpConfig())
    assert {f.source_file: f.status for f in second.files} == {
        "facebook/not_a_page.json": "failed",
        "facebook/page_1.json": "skipped",
        "facebook/page_2.json": "skipped",
        "facebook/page_3.json": "skipped",
    }
    assert con.execute("select count(*) from raw.facebook__comments").fetchone()[0] == 3
    assert con.execute("select count(*) from audit.loads").fetchone()[0] == 4  # the retried failure replaced, not added
    # The same content under another name is the same export: not loaded twice.
    shutil.copy(exports / "facebook" / "page_1.json", exports / "facebook" / "page_1_copy.json")
    third = load_connector(con, facebook, exports, CxpConfig())
    assert [f.status for f in third.files if f.source_file.endswith("copy.json")] == ["skipped"]


def test_a_page_without_a_comment_list_is_a_failed_file(tmp_path):
    folder = tmp_path / "exports" / "facebook"
    folder.mkdir(parents=True)
    (folder / "page.json").write_text(json.dumps({"data": "not a list"}))
    con = connect_build(tmp_path / "wh", CxpConfig())
    report = load_connector(con, facebook, tmp_path / "exports", CxpConfig())
    assert report.files[0].status == "failed"
    assert con.execute("select count(*) from raw.facebook__comments").fetchone()[0] == 0
    assert con.execute("select count(*) from audit.quarantine").fetchone()[0] == 0


def test_raw_tables_gain_columns_a_newer_model_adds(tmp_path):
    con = connect_build(tmp_path / "wh", CxpConfig())
    con.execute("create table raw.facebook__comments (id varchar, _source_file varchar, _source_row bigint, _loaded_at timestamp)")
    ensure_raw_tables(con, facebook)
    columns = {r[0] for r in con.execute("describe raw.facebook__comments").fetchall()}
    assert {"message", "created_time", "raw_json", "id"} <= columns


def test_raw_text_is_stored_with_zstd_and_other_columns_as_duckdb_chooses(tmp_path, exports):
    con, _ = _load(tmp_path, exports)
    con.execute("alter table raw.facebook__comments drop column message")
    ensure_raw_tables(con, facebook)  # a column a newer model adds comes back compressed alike
    con.execute("update raw.facebook__comments set message = 'added ' || id")
    con.execute("checkpoint")
    kinds = dict(con.execute(
        """select column_name, list(distinct compression order by compression)
           from pragma_storage_info('raw.facebook__comments')
           where segment_type = 'VARCHAR' or column_name = '_source_row'
           group by all"""
    ).fetchall())
    assert kinds["message"] == ["ZSTD"] and kinds["raw_json"] == ["ZSTD"]
    assert "ZSTD" not in kinds["_source_row"]


def test_column_wise_chunks_load_like_record_dicts(tmp_path, exports):
    """A connector may hand over Arrow tables instead of dicts: same raw rows, same counts,
    columns it leaves out load as NULL, and text it gives for a typed column is cast."""
    import dataclasses

    import pyarrow as pa

    from connectors.base import Chunk

    def read_as_tables(path, config):
        for chunk in facebook.read(path, config):
            tables = {}
            for entity, rows in chunk.records.items():
                table = pa.Table.from_pylist(rows).drop_columns(["message"])
                tables[entity] = table.set_column(
                    table.column_names.index("_source_row"), "_source_row", table["_source_row"].cast(pa.string())
                )
            yield Chunk(rejects=chunk.rejects, tables=tables)

    columnar = dataclasses.replace(facebook, read=read_as_tables)
    con_dicts, by_dicts = _load(tmp_path / "dicts", exports)
    con = connect_build(tmp_path / "tables", CxpConfig())
    by_tables = load_connector(con, columnar, exports, CxpConfig())
    assert [(f.source_file, f.status, f.records_loaded, f.records_quarantined) for f in by_tables.files] == [
        (f.source_file, f.status, f.records_loaded, f.records_quarantined) for f in by_dicts.files
    ]
    query = "select * exclude (message, _loaded_at) from raw.facebook__comments order by _source_file, _source_row"
    assert con.execute(query).fetchall() == con_dicts.execute(query).fetchall()
    assert con.execute("select count(*) from raw.facebook__comments where message is not null").fetchone()[0] == 0


def _failing_insert_for(file_name: str, monkeypatch):  # returns the real _insert
    """DuckDB refusing the rows of one file, as a full disk or a bad cast would."""
    from pipelines import loader

    real_insert = loader._insert

    def insert(con, table, batch):
        if isinstance(batch, pa.RecordBatchReader):  # a file a worker process read, streamed from its spill
            batch = batch.read_all()
        if "_source_file" in batch.column_names and any(f.endswith(file_name) for f in batch["_source_file"].to_pylist()):
            raise RuntimeError(f"write refused for {file_name}")
        real_insert(con, table, batch)

    monkeypatch.setattr(loader, "_insert", insert)
    return real_insert


def test_a_failed_write_fails_its_file_or_its_batch_and_leaves_nothing_half_written(tmp_path, exports, monkeypatch, file_mode):
    """Writes happen on the loader's writer thread. A streamed file whose write fails is
    rolled back alone and the rest load; small files share a batch, so a failed batch write
    fails the load with nothing of the batch written."""
    real_insert = _failing_insert_for("page_2.json", monkeypatch)
    if file_mode == "small files batched":
        con = connect_build(tmp_path / "wh", CxpConfig())
        with pytest.raises(RuntimeError, match="write refused"):
            load_connector(con, facebook, exports, CxpConfig())
        assert con.execute("select count(*) from raw.facebook__comments").fetchone()[0] == 0
        assert con.execute("select count(*) from audit.loads").fetchone()[0] == 0
        return
    con, report = _load(tmp_path, exports)
    statuses = {f.source_file: (f.status, f.error) for f in report.files}
    assert statuses["facebook/page_2.json"] == ("failed", "RuntimeError: write refused for page_2.json")
    assert statuses["facebook/page_1.json"][0] == statuses["facebook/page_3.json"][0] == "loaded"
    by_file = dict(con.execute("select _source_file, count(*) from raw.facebook__comments group by all").fetchall())
    assert by_file == {"facebook/page_1.json": 2}  # nothing of page_2 is left half-written
    quarantined = {r[0] for r in con.execute("select source_file from audit.quarantine").fetchall()}
    assert quarantined == {"facebook/page_3.json"}  # page_2's quarantine rows were rolled back with it
    assert con.execute("select status from audit.loads where source_file = 'facebook/page_2.json'").fetchone()[0] == "failed"
    # The failed file is retried, and loads, once the warehouse takes its rows again.
    monkeypatch.setattr("pipelines.loader._insert", real_insert)
    retried = load_connector(con, facebook, exports, CxpConfig())
    assert {f.source_file: f.status for f in retried.files}["facebook/page_2.json"] == "loaded"


def test_a_load_checkpoints_once_at_its_end_and_restores_the_threshold(tmp_path, exports):
    con = connect_build(tmp_path / "wh", CxpConfig())
    con.execute("set checkpoint_threshold = '20MB'")
    before = con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]
    load_connector(con, facebook, exports, CxpConfig())
    assert con.execute("select current_setting('checkpoint_threshold')").fetchone()[0] == before
    wal = tmp_path / "wh" / ".build" / "cx.duckdb.wal"
    assert not wal.exists() or wal.stat().st_size == 0  # everything loaded is in the database file


@pytest.mark.parametrize("value, processes", [("auto", None), (0, 0), (3, 3)])
def test_read_processes_setting(value, processes):
    import os

    from pipelines.file_reader import read_processes

    assert read_processes(CxpConfig(read_processes=value)) == ((os.cpu_count() or 1) if processes is None else processes)


@pytest.mark.parametrize("value", [-1, "two", 1.5])
def test_read_processes_refuses_what_is_no_count(value):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="read_processes"):
        CxpConfig(read_processes=value)
