"""A large export of JSON lines read by the loader's workers in parts (pipelines.loader,
json_columns.plan_parts): the warehouse gets exactly what reading it whole gives, and a
part that fails fails its file with nothing of it written."""
from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest

from connectors import CONNECTORS
from models.config import CxpConfig
from pipelines import loader
from pipelines.file_reader import SpilledFile
from pipelines.loader import load_connector
from pipelines.warehouse import connect_build

mixpanel = CONNECTORS["mixpanel"]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "mixpanel" / "export_2024-11-05.jsonl"
RAW = "select * exclude (_loaded_at) from raw.mixpanel__events order by _source_file, _source_row"
QUARANTINE = "select source_file, source_row, reason, record from audit.quarantine order by all"
LOADS = "select source_file, records_read, records_loaded, records_quarantined, status from audit.loads order by all"


@pytest.fixture
def exports(tmp_path) -> Path:
    folder = tmp_path / "exports" / "mixpanel"
    folder.mkdir(parents=True)
    lines = FIXTURE.read_text().splitlines() + ["", "{broken", '{"event": "no insert id"}']
    (folder / "export_2024-11.jsonl").write_text("\n".join(lines * 40) + "\n")
    (folder / "export_2024-12.jsonl").write_text("\n".join(lines[:6]) + "\n")
    return tmp_path / "exports"


def _load(warehouse: Path, exports: Path, config: CxpConfig):
    con = connect_build(warehouse, config)
    return con, load_connector(con, mixpanel, exports, config)


@pytest.mark.parametrize("lone", [False, True], ids=["beside another file", "alone in its folder"])
def test_a_large_file_read_in_parts_loads_as_when_read_whole(tmp_path, exports, monkeypatch, lone):
    if lone:
        (exports / "mixpanel" / "export_2024-12.jsonl").unlink()
    monkeypatch.setattr(loader, "PART_BYTES", 3000)
    parts_written = []
    real_add = loader._FileInParts.add
    monkeypatch.setattr(loader._FileInParts, "add", lambda self, spilled, *args: parts_written.append(args) or real_add(self, spilled, *args))
    whole, _ = _load(tmp_path / "whole", exports, CxpConfig(read_processes=0))
    split, report = _load(tmp_path / "split", exports, CxpConfig(read_processes=2))
    assert len(parts_written) >= 5 and parts_written[-1][2], "the file went through the workers in parts"
    assert [f.status for f in report.files] == ["loaded"] * (1 if lone else 2)
    for query in (RAW, QUARANTINE, LOADS):
        assert split.execute(query).fetchall() == whole.execute(query).fetchall()
    assert split.execute("select count(*) from raw.mixpanel__events").fetchone()[0] > 250
    assert not list((tmp_path / "split" / ".build" / "tmp").glob("cxp-read-*")), "spill files are removed once written"


class _PoolHere:
    """A pool that reads in this process (so a test can make one part fail)."""

    def submit(self, fn, *args):
        future = Future()
        future.set_result(self.read(fn, *args))
        return future

    def read(self, fn, *args):
        return fn(*args)

    def shutdown(self, wait=True, cancel_futures=False):
        pass


class _PoolFailingOnePart(_PoolHere):
    """The third part of the large file fails, as a worker's unreadable part would."""

    def __init__(self):
        self.parts = 0

    def read(self, fn, *args):
        part = args[-1]
        self.parts += part is not None
        return SpilledFile("failed", error="disk read error") if part is not None and self.parts == 3 else fn(*args)


def test_a_failed_part_fails_its_file_and_nothing_of_it_is_written(tmp_path, exports, monkeypatch):
    monkeypatch.setattr(loader, "PART_BYTES", 3000)
    monkeypatch.setattr(loader, "read_pool", lambda processes: _PoolFailingOnePart())
    con, report = _load(tmp_path / "wh", exports, CxpConfig(read_processes=2))
    statuses = {f.source_file: (f.status, f.error) for f in report.files}
    assert statuses == {"mixpanel/export_2024-11.jsonl": ("failed", "disk read error"), "mixpanel/export_2024-12.jsonl": ("loaded", None)}
    by_file = con.execute("select distinct _source_file from raw.mixpanel__events").fetchall()
    assert by_file == [("mixpanel/export_2024-12.jsonl",)]  # the parts written before the failed one were rolled back
    assert con.execute("select count(*) from audit.quarantine where source_file like '%2024-11%'").fetchone()[0] == 0
    assert not list((tmp_path / "wh" / ".build" / "tmp").glob("cxp-read-*")), "every part's spill is removed"
    # Read again once it reads, the file loads.
    monkeypatch.setattr(loader, "read_pool", lambda processes: _PoolHere())
    retried = load_connector(con, mixpanel, exports, CxpConfig(read_processes=2))
    assert {f.source_file: f.status for f in retried.files}["mixpanel/export_2024-11.jsonl"] == "loaded"
