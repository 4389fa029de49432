"""The benchmark harness measures what it says: every stage, the same files, valid results.

Correctness only: no test here asserts a timing.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import run as bench
from benchmarks.ingest_floor import measure_floor
from benchmarks.memory import MemorySampler, read_status_kib
from benchmarks.stages import step_stages
from connectors import CONNECTORS
from models.config import CxpConfig

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("staging", "identity", "core", "marts", "parquet")
SAMPLE_FOLDERS = {
    "shopify_customers": "customers_export.csv",
    "shopify_orders": "orders_export_1.csv",
    "amplitude": "amplitude_export.zip",
    "mixpanel": "mixpanel_export.jsonl",
    "google_play": "reviews_com.northtrail.app_202411.csv",
    "twitter": "x_v2_search_page.json",
    "facebook": "fb_comments_page.json",
    "zendesk": "zendesk_incremental_tickets_page.json",
    "amazon_connect": "connect_ctr_firehose_object",
    "delighted": "delighted_survey_responses.json",
    "qualtrics": "qualtrics_nps_export.csv",
}


# ----------------------------------------------------------------------------- memory attribution
def _sampler(times, rss, hwm) -> MemorySampler:
    sampler = MemorySampler()
    sampler.times, sampler.rss_kib, sampler.hwm_kib = list(times), list(rss), list(hwm)
    return sampler


def test_a_stage_peak_is_its_highest_sample():
    sampler = _sampler([0, 1, 2, 3, 4], [100 * 1024, 300 * 1024, 200 * 1024, 150 * 1024, 120 * 1024], [300 * 1024] * 5)
    # The high-water mark was already 300 MiB before the window, so the window's own samples decide.
    assert sampler.peak_mib(2, 4) == 200


def test_a_peak_between_samples_is_caught_by_the_high_water_mark():
    # RSS sampled at 1 s looks flat at 200 MiB, but VmHWM rose to 900 MiB during the window.
    sampler = _sampler([0, 1, 2, 3], [200 * 1024] * 4, [200 * 1024, 200 * 1024, 900 * 1024, 900 * 1024])
    assert sampler.peak_mib(1.5, 2.5) == 900
    assert sampler.peak_mib(2.5, 3.5) == 200  # the mark did not move in this window


def test_cpu_between_two_times_comes_from_the_nearest_samples():
    sampler = _sampler([0, 1, 2, 3], [0] * 4, [0] * 4)
    sampler.cpu_s = [0.0, 0.5, 2.0, 2.1]
    assert sampler.cpu_between(1, 2) == 1.5
    assert sampler.cpu_between(0, 3) == 2.1


def test_the_sampler_records_this_process():
    sampler = MemorySampler(interval=0.01).start()
    ballast = bytearray(64 * 2**20)  # touch 64 MiB
    ballast[:: 4096] = b"x" * len(ballast[:: 4096])
    sampler.stop()
    assert len(sampler.times) >= 2
    assert sampler.overall_peak_mib >= 64
    del ballast


def test_the_sampler_counts_the_memory_and_cpu_of_child_processes():
    """The loader's reading workers are processes of their own (grandchildren, under a forkserver)."""
    import subprocess
    import sys

    busy = "import time; x = bytearray(96 * 2**20); x[::4096] = b'x' * len(x[::4096]); end = time.time() + 0.6\nwhile time.time() < end: pass"
    wrapper = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {busy!r}])"])
    own_rss_kib = read_status_kib()[0]
    sampler = MemorySampler(interval=0.02).start()
    wrapper.wait()
    sampler.stop()
    assert (max(sampler.rss_kib) - own_rss_kib) / 1024 >= 90  # the grandchild's 96 MiB
    assert sampler.cpu_s[-1] - sampler.cpu_s[0] >= 0.3  # its busy loop, while this process slept in wait()


# ----------------------------------------------------------------------------- stage mapping
def test_every_step_of_the_definitions_belongs_to_a_stage():
    from pipelines.definitions import make_definitions

    stage_of_step, inputs = step_stages(make_definitions())
    for name in CONNECTORS:
        assert stage_of_step[f"load_{name}"] == f"load_{name}"
    layers = {stage for step, stage in stage_of_step.items() if not step.startswith("load_")}
    assert layers <= set(LAYERS) | {"raw", "bi"}, layers
    assert stage_of_step["parquet_export"] == "parquet"
    # Staging reads the raw tables and nothing of its own layer.
    assert inputs["staging"] and all(key.path[0] == "raw" for key in inputs["staging"])


def test_stage_medians_rates_and_the_ingest_total():
    def run(wall_a, wall_b, staging):
        return bench.with_ingest_total({"stages": {
            "load_a": {"wall_s": wall_a, "records": 10, "peak_rss_mib": 100.0},
            "load_b": {"wall_s": wall_b, "records": 30, "peak_rss_mib": 150.0},
            "staging": {"wall_s": staging, "records": 40, "peak_rss_mib": 120.0},
        }})

    stages = bench.summarise_stages([run(1.0, 1.0, 2.0), run(3.0, 1.0, 4.0), run(2.0, 1.0, 8.0)])
    assert list(stages) == ["load_a", "load_b", "ingest", "staging"]
    assert stages["ingest"]["wall_s_median"] == 3.0 and stages["ingest"]["records"] == 40
    assert stages["staging"]["wall_s_median"] == 4.0 and stages["staging"]["records_per_s"] == 10.0
    assert stages["load_b"]["peak_rss_mib"] == 150.0


# ----------------------------------------------------------------------------- the ingestion floor
@pytest.fixture(scope="module")
def sample_exports(tmp_path_factory, samples_dir) -> Path:
    exports = tmp_path_factory.mktemp("samples") / "exports"
    for folder, name in SAMPLE_FOLDERS.items():
        (exports / folder).mkdir(parents=True)
        (exports / folder / name).write_bytes((samples_dir / name).read_bytes())
    return exports


def test_the_floor_counts_the_records_each_connector_reads(sample_exports):
    floor = measure_floor(sample_exports)
    assert set(floor["connectors"]) == set(SAMPLE_FOLDERS)
    for name, connector in CONNECTORS.items():
        read = 0
        for path in connector.files(sample_exports / name):
            for chunk in connector.read(path, CxpConfig()):
                read += len(chunk)
        assert floor["connectors"][name]["records"] == read, name
    assert floor["connectors"]["amplitude"]["extract_s"] > 0  # the zip was extracted first, and timed apart


# ----------------------------------------------------------------------------- the whole harness
@pytest.mark.slow
def test_a_tiny_benchmark_writes_valid_results_with_every_stage(tmp_path):
    results, readme = tmp_path / "results", tmp_path / "README.md"
    readme.write_text(f"# Benchmarks\n\nintro\n\n{bench.README_START}\nold table\n{bench.README_END}\n\noutro\n")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--customers", "200", "--repeat", "1", "--work-dir", str(tmp_path / "work"),
         "--results-dir", str(results), "--readme", str(readme)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = results.glob("*-200.json")
    result = json.loads(path.read_text())

    assert set(result["machine"]) >= {"cores", "memory_gib", "python", "duckdb", "dagster"}
    assert result["customers"] == 200 and result["repeat"] == 1 and result["success"]
    assert result["generation_s"] > 0 and result["total_s"] > 0 and result["peak_rss_mib"] > 0
    stages = result["stages"]
    for name in CONNECTORS:
        assert f"load_{name}" in stages, name
    for name in ("ingest", *LAYERS, "publish", "orchestration"):
        assert name in stages, name
    for name, stage in stages.items():
        assert set(stage) >= {"wall_s_median", "records", "records_per_s", "peak_rss_mib"}, name
        assert stage["wall_s_median"] is not None, name
    for name in ("ingest", *LAYERS):
        assert stages[name]["records"] > 0 and stages[name]["records_per_s"] > 0, name
        assert stages[name]["peak_rss_mib"] > 0, name
    # The floor read the same files the pipeline loaded: connector by connector, DuckDB counts at
    # most every record the pipeline read (it skips broken ones), and at least every record the
    # pipeline loaded unless DuckDB could not read a whole file (a truncated document).
    peers = result["peers"]
    assert peers["duckdb_scan_s"] > 0 and peers["ingest_ratio"] > 0
    assert set(peers["connectors"]) == set(CONNECTORS)
    for name, floor in peers["connectors"].items():
        loaded = floor["pipeline_records"] - floor["pipeline_quarantined"]
        assert floor["records"] <= floor["pipeline_records"], name
        if not floor["unreadable_files"]:
            assert loaded <= floor["records"], name
    identity = peers["identity"]
    assert {"cxp", "splink", "naive"} <= set(identity["methods"])
    for name, method in identity["methods"].items():
        assert method["wall_s"] > 0, name
        assert 0 <= method["precision"] <= 1 and 0 <= method["recall"] <= 1 and 0 <= method["f1"] <= 1, name
        assert all(0 <= method["identifiable"][k] <= 1 for k in ("precision", "recall", "f1")), name
    assert 0 < identity["evidence_free_records"] < identity["records"]

    text = readme.read_text()
    assert "old table" not in text and text.startswith("# Benchmarks\n\nintro") and text.rstrip().endswith("outro")
    assert "| 200 |" in text


def test_exports_are_reused_only_for_the_same_size_and_seed(tmp_path):
    """Through the real `cxp generate`: a reused folder keeps the first generation's figures
    and files; another seed, or reuse not asked for, generates anew."""
    exports = tmp_path / "exports"
    first = bench.generate_exports(exports, 50, 7, reuse=True)
    marker = exports / "README.txt"
    stamp = marker.stat().st_mtime_ns
    again = bench.generate_exports(exports, 50, 7, reuse=True)
    assert again["reused"] and again["generation_s"] == first["generation_s"] and again["files"] == first["files"]
    assert marker.stat().st_mtime_ns == stamp  # nothing was written again
    other_seed = bench.generate_exports(exports, 50, 8, reuse=True)
    assert "reused" not in other_seed and "seed 8" in other_seed["summary"]
    fresh = bench.generate_exports(exports, 50, 8)
    assert "reused" not in fresh


def test_a_second_run_of_the_day_is_kept_beside_the_first_and_counts_as_newest(tmp_path):
    first = {"customers": 100, "date": "2026-12-07", "total_s": 2.0}  # recorded before recorded_at existed
    (tmp_path / "2026-12-07-100.json").write_text(json.dumps(first))
    second = {"customers": 100, "date": "2026-12-07", "recorded_at": "2026-12-07T20:41:05", "total_s": 1.0}
    path = bench.result_path(tmp_path, second)
    assert path.name == "2026-12-07-100-204105.json"
    path.write_text(json.dumps(second))
    older_day = {"customers": 100, "date": "2026-12-06", "recorded_at": "2026-12-06T23:00:00", "total_s": 3.0}
    (tmp_path / "2026-12-06-100.json").write_text(json.dumps(older_day))
    assert [r["total_s"] for r in bench.latest_results(tmp_path)] == [1.0]
    assert json.loads((tmp_path / "2026-12-07-100.json").read_text())["total_s"] == 2.0
