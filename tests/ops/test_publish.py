"""Analysts are never blocked and never see half a run: while `cxp run` rebuilds the
warehouse, a reader held open on the published copy keeps working on the previous
complete state, and every newly opened reader sees a complete state, old or new."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse import published_path

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
