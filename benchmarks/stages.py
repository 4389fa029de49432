"""One measured pipeline run, meant to run alone in a fresh process (``python -m benchmarks.stages``).

It calls ``pipelines.runner.run_pipeline`` exactly as ``cxp run`` does, samples this
process's memory meanwhile, and afterwards reads the Dagster run's step events to time
every step. Steps are grouped into stages:

- ``load_<connector>``: one stage per connector (its ``load_<connector>`` step);
- ``parquet``: the Parquet export step;
- the Dagster asset group of everything else: ``staging``, ``identity``, ``core``,
  ``marts``, ``bi`` (asset-check steps count with the asset they check);
- ``publish``: from the last step's end until ``run_pipeline`` returns (checkpointing the
  build database and linking it as the published one, pipelines.warehouse.publish);
- ``orchestration``: the rest of the run's wall time (Dagster planning, step launch,
  event handling between steps).

Records in per stage: records read from the files for a connector (``audit.loads``); for a
layer, the rows of the tables it reads from outside itself (e.g. staging reads every raw
table, parquet reads the tables it exports).
"""
from __future__ import annotations

import time

PROCESS_START = time.time()

import argparse  # noqa: E402  (the start time above is taken before any import)
import json  # noqa: E402
import sys  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.memory import MemorySampler  # noqa: E402

CONNECTOR_STEP_PREFIX = "load_"
PARQUET_STAGE = "parquet"
STEP_EVENTS = ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED")


class StepEventRecorder:
    """Stands in for ``DagsterInstance`` inside ``pipelines.runner`` to keep the run's event log.

    ``run_pipeline`` opens ``DagsterInstance.ephemeral()`` and disposes of it before returning;
    this hands it a real ephemeral instance and copies the step events out just before disposal.
    """

    def __init__(self):
        self.entries: list = []

    @contextmanager
    def _recording(self, *args, **kwargs):
        from dagster import DagsterInstance

        with DagsterInstance.ephemeral(*args, **kwargs) as instance:
            try:
                yield instance
            finally:
                for run in instance.get_runs():
                    self.entries.extend(instance.all_logs(run.run_id))

    def ephemeral(self, *args, **kwargs):
        return self._recording(*args, **kwargs)

    def step_intervals(self) -> dict[str, dict]:
        """step key -> {start, end, status} from STEP_START and the step's final event."""
        steps: dict[str, dict] = {}
        for entry in self.entries:
            event = entry.dagster_event
            if event is None or event.event_type_value not in STEP_EVENTS or not entry.step_key:
                continue
            step = steps.setdefault(entry.step_key, {"start": None, "end": None, "status": None})
            if event.event_type_value == "STEP_START":
                step["start"] = entry.timestamp
            else:
                step["end"] = entry.timestamp
                step["status"] = event.event_type_value.removeprefix("STEP_").lower()
        return steps


def step_stages(definitions) -> tuple[dict[str, str], dict[str, set]]:
    """Map each step (op) name to its stage, and each stage to the tables it reads from outside itself."""
    graph = definitions.resolve_asset_graph()
    stage_of_step: dict[str, str] = {}
    stage_of_key: dict = {}
    for assets_def in graph.assets_defs:
        if not assets_def.is_executable:
            continue
        op = assets_def.node_def.name
        if op.startswith(CONNECTOR_STEP_PREFIX):
            stage = op
        elif PARQUET_STAGE in op:  # the Parquet export is a stage of its own inside the BI group
            stage = PARQUET_STAGE
        else:
            keys = list(assets_def.keys) or [check.asset_key for check in assets_def.check_keys]
            groups = sorted({graph.get(key).group_name for key in keys if graph.has(key)})
            stage = groups[0] if groups else op
        stage_of_step[op] = stage
        for key in assets_def.keys:
            stage_of_key[key] = stage
    inputs: dict[str, set] = {}
    for key, stage in stage_of_key.items():
        for parent in graph.get(key).parent_keys:
            if stage_of_key.get(parent) != stage:
                inputs.setdefault(stage, set()).add(parent)
    return stage_of_step, inputs


def table_of(asset_key) -> str | None:
    path = asset_key.path
    return f"{path[0]}.{path[1]}" if len(path) == 2 else None


def count_records(database: Path, stage_inputs: dict[str, set], stages: list[str]) -> tuple[dict[str, int | None], dict[str, int]]:
    """Records each stage took in, and the records each connector quarantined, from the finished warehouse."""
    import duckdb

    counts: dict[str, int | None] = {}
    with duckdb.connect(str(database), read_only=True) as con:
        existing = {
            f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        }
        loads = (
            con.execute("select connector, sum(records_read), sum(records_quarantined) from audit.loads group by connector").fetchall()
            if "audit.loads" in existing
            else []
        )
        read_by_connector = {connector: read for connector, read, _ in loads}
        quarantined = {CONNECTOR_STEP_PREFIX + connector: int(q) for connector, _, q in loads}
        for stage in stages:
            if stage.startswith(CONNECTOR_STEP_PREFIX):
                counts[stage] = int(read_by_connector.get(stage.removeprefix(CONNECTOR_STEP_PREFIX), 0))
                continue
            tables = sorted({t for key in stage_inputs.get(stage, ()) if (t := table_of(key)) in existing})
            counts[stage] = sum(con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables) if tables else None
    return counts, quarantined


def measure_pipeline(exports: Path, warehouse: Path, sample_interval: float = 0.05, profile: Path | None = None) -> dict:
    sampler = MemorySampler(sample_interval).start()
    import_start = time.time()
    import pipelines.runner
    from pipelines.definitions import make_definitions
    from pipelines.resources import Warehouse

    recorder = StepEventRecorder()
    pipelines.runner.DagsterInstance = recorder  # this process exists only for this one run
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()  # steps run in this thread (in-process executor), so it sees them all
        profiler.enable()
    run_start = time.time()
    outcome = pipelines.runner.run_pipeline(exports, warehouse)
    run_end = time.time()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    sampler.stop()

    steps = recorder.step_intervals()
    if not steps:
        raise RuntimeError("no Dagster step events were recorded: has run_pipeline stopped using DagsterInstance.ephemeral()?")
    stage_of_step, stage_inputs = step_stages(make_definitions(Warehouse(exports_dir=str(exports), warehouse_dir=str(warehouse))))

    stages: dict[str, dict] = {}
    step_rows = []
    for key, step in sorted(steps.items(), key=lambda kv: kv[1]["start"] or 0):
        if step["start"] is None or step["end"] is None:  # skipped steps never start
            step_rows.append({"step": key, "stage": None, "status": step["status"], "wall_s": 0.0})
            continue
        stage = stage_of_step.get(key.split(".")[0], key)
        wall = step["end"] - step["start"]
        peak = sampler.peak_mib(step["start"], step["end"])
        cpu = sampler.cpu_between(step["start"], step["end"])
        step_rows.append({"step": key, "stage": stage, "status": step["status"], "wall_s": wall, "cpu_s": cpu, "peak_rss_mib": peak})
        entry = stages.setdefault(stage, {"wall_s": 0.0, "cpu_s": 0.0, "peak_rss_mib": 0.0, "steps": 0})
        entry["wall_s"] += wall
        entry["cpu_s"] += cpu or 0.0
        entry["peak_rss_mib"] = max(entry["peak_rss_mib"], peak or 0.0)
        entry["steps"] += 1

    timed = [s for s in steps.values() if s["start"] is not None and s["end"] is not None]
    last_step_end = max(s["end"] for s in timed)
    publish_s = run_end - last_step_end
    stages["publish"] = {"wall_s": publish_s, "cpu_s": sampler.cpu_between(last_step_end, run_end),
                         "peak_rss_mib": sampler.peak_mib(last_step_end, run_end), "steps": 0}
    run_cpu = sampler.cpu_between(run_start, run_end) or 0.0
    stages["orchestration"] = {
        "wall_s": (run_end - run_start) - sum(entry["wall_s"] for entry in stages.values()),
        "cpu_s": max(run_cpu - sum(entry["cpu_s"] or 0.0 for entry in stages.values()), 0.0),
        "peak_rss_mib": None,
        "steps": 0,
    }
    database = outcome.published or pipelines.runner.build_path(warehouse)
    records, quarantined = count_records(database, stage_inputs, list(stages)) if Path(database).exists() else ({}, {})
    for stage, entry in stages.items():
        entry["records"] = records.get(stage)
        if stage in quarantined:
            entry["quarantined"] = quarantined[stage]
    return {
        "success": outcome.success,
        "profiled": bool(profile),  # cProfile slows Python-heavy steps: never compare these times with unprofiled ones
        "failed_steps": outcome.failed_steps,
        "failed_checks": outcome.failed_checks,
        "startup_s": import_start - PROCESS_START,
        "import_s": run_start - import_start,
        "pipeline_s": run_end - run_start,
        "pipeline_cpu_s": run_cpu,
        "peak_rss_mib": sampler.overall_peak_mib,
        "memory_samples": len(sampler.times),
        "stages": stages,
        "steps": step_rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the pipeline once and write its stage timings and memory as JSON.")
    parser.add_argument("--exports", required=True, type=Path)
    parser.add_argument("--warehouse", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--sample-interval", type=float, default=0.05)
    parser.add_argument("--profile", type=Path, help="also profile the run with cProfile and write the stats here (read with pstats)")
    args = parser.parse_args(argv)
    if args.warehouse.exists() and any(args.warehouse.iterdir()):
        # Files already loaded there would be skipped: that measures a rerun, not the pipeline.
        parser.error(f"{args.warehouse} is not empty: a measured run starts from an empty warehouse")
    result = measure_pipeline(args.exports.resolve(), args.warehouse.resolve(), args.sample_interval, args.profile)
    args.out.write_text(json.dumps(result, indent=2))
    return 0 if result["success"] else 1


if __name__ == "__main__":
    sys.exit(main())
