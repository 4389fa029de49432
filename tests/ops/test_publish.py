"""Analysts are never blocked and never see half a run: while `cxp run` rebuilds the
warehouse, a reader held open on the published copy keeps working on the previous
complete state, and every newly opened reader sees a complete state, old or new."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from models.config import CxpConfig
from pipelines.warehouse import build_path, compact, connect_build, publish, published_path

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

# Runs in its own process (DuckDB shares one database instance per path within a process):
# opens the published warehouse afresh again and again and records what each reader saw.
POLLER = r"""
import json, sys, time
from pathlib import Path
import duckdb
path, stop = sys.argv[1], Path(sys.argv[2])
seen, errors = [], []
while not stop.exists():
    try:
        with duckdb.connect(path, read_only=True) as con:
            seen.append(con.execute(
                "select (select count(*) from raw.facebook__comments), "
                "(select count(*) from staging.stg_facebook__comments)").fetchone())
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    time.sleep(0.05)
print(json.dumps({"seen": seen, "errors": errors}))
"""


def cxp_run(exports: Path, warehouse: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--exports", str(exports), "--warehouse", str(warehouse)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_a_reader_held_open_during_a_run_is_never_blocked_nor_shown_half_a_run(tmp_path, facebook_exports):
    exports = facebook_exports
    warehouse = tmp_path / "warehouse"
    first = cxp_run(exports, warehouse)
    assert first.wait(timeout=600) == 0, first.stdout.read()

    reader = duckdb.connect(str(published_path(warehouse)), read_only=True)
    before = reader.execute("select count(*) from raw.facebook__comments").fetchone()[0]
    staged_before = reader.execute("select count(*) from staging.stg_facebook__comments").fetchone()[0]

    new_page = {"data": [{"id": f"new{i}", "message": f"hello {i}", "created_time": "2024-11-08T10:00:00+0000"} for i in range(3)]}
    (exports / "facebook" / "comments_page_2.json").write_text(json.dumps(new_page))

    stop = tmp_path / "stop"
    poller = subprocess.Popen([sys.executable, "-c", POLLER, str(published_path(warehouse)), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    run = cxp_run(exports, warehouse)
    held_reads = 0
    while run.poll() is None:
        # The held reader answers throughout, from the state it opened.
        assert reader.execute("select count(*) from raw.facebook__comments").fetchone()[0] == before
        held_reads += 1
        time.sleep(0.05)
    output = run.stdout.read()
    stop.touch()
    polled = json.loads(poller.communicate(timeout=60)[0])

    assert run.returncode == 0, output
    assert held_reads > 10
    assert polled["errors"] == []
    complete_states = {(before, staged_before), (before + 3, staged_before + 3)}
    assert set(map(tuple, polled["seen"])) <= complete_states, "a reader saw a half-finished run"
    assert len(polled["seen"]) > 10

    assert reader.execute("select count(*) from raw.facebook__comments").fetchone()[0] == before
    reader.close()
    with duckdb.connect(str(published_path(warehouse)), read_only=True) as fresh:
        assert fresh.execute("select count(*) from raw.facebook__comments").fetchone()[0] == before + 3


# --- publishing by link: the published file is never written to ------------------------

def _build_with_rows(warehouse_dir: Path, rows: int) -> None:
    con = connect_build(warehouse_dir, CxpConfig())
    try:
        con.execute("create table if not exists raw.numbers (n integer)")
        con.execute(f"insert into raw.numbers select range from range({rows})")
    finally:
        con.close()


def _published_rows(warehouse_dir: Path) -> int:
    with duckdb.connect(str(published_path(warehouse_dir)), read_only=True) as con:
        return con.execute("select count(*) from raw.numbers").fetchone()[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publishing_shares_the_build_file_instead_of_copying_it(tmp_path):
    _build_with_rows(tmp_path, 1000)
    publish(tmp_path)
    assert build_path(tmp_path).samefile(published_path(tmp_path))
    assert published_path(tmp_path).stat().st_nlink == 2
    assert _published_rows(tmp_path) == 1000


def test_the_next_build_writes_a_file_of_its_own_and_the_published_one_stays_as_it_was(tmp_path):
    _build_with_rows(tmp_path, 1000)
    publish(tmp_path)
    published_bytes = _digest(published_path(tmp_path))

    _build_with_rows(tmp_path, 500)  # a second run writes the build
    assert not build_path(tmp_path).samefile(published_path(tmp_path))
    assert _digest(published_path(tmp_path)) == published_bytes
    assert _published_rows(tmp_path) == 1000

    publish(tmp_path)
    assert _published_rows(tmp_path) == 1500


def test_publishing_copies_where_the_file_system_has_no_hard_links(tmp_path, monkeypatch):
    def no_links(source, target):
        raise OSError("links not supported")

    _build_with_rows(tmp_path, 1000)
    monkeypatch.setattr(os, "link", no_links)
    publish(tmp_path)
    assert not build_path(tmp_path).samefile(published_path(tmp_path))
    assert _published_rows(tmp_path) == 1000


def test_compacting_a_just_published_build_leaves_the_published_file_alone(tmp_path):
    _build_with_rows(tmp_path, 1000)
    publish(tmp_path)
    published_bytes = _digest(published_path(tmp_path))
    compact(tmp_path)
    assert not build_path(tmp_path).samefile(published_path(tmp_path))
    assert _digest(published_path(tmp_path)) == published_bytes
    with duckdb.connect(str(build_path(tmp_path)), read_only=True) as con:
        assert con.execute("select count(*) from raw.numbers").fetchone()[0] == 1000
