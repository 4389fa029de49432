"""When the pipeline runs by itself, and what happens after a run.

- ``new_exports_sensor`` starts a run of everything when export files appear or change;
  its cursor remembers each file's modification time and size, so a file starts one run.
- ``daily_refresh`` runs everything once a day.
- ``publish_warehouse`` publishes the build database after each successful run that
  materialized something, as ``cxp run`` does after its in-process run.

The sensor and the schedule start switched off (turn them on in the UI's Automation page);
publishing is on, so runs launched from the UI reach analysts without any setup.
"""

import hashlib
import json
import time
from pathlib import Path

from dagster import (
    DagsterEventType,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    RunStatusSensorContext,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    run_status_sensor,
    sensor,
)

from connectors import CONNECTORS
from pipelines.resources import Warehouse
from pipelines.warehouse import build_path, publish

NEW_EXPORTS_SENSOR = "new_exports_sensor"
DAILY_SCHEDULE = "daily_refresh"
PUBLISH_SENSOR = "publish_warehouse"
DAILY_CRON = "0 6 * * *"  # 06:00 UTC, after the nightly exports of the tools have landed
# A file modified this recently may still be being copied in: it waits for the next tick.
SETTLE_SECONDS = 10
NOT_YET_WRITING = (DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED)

JOBS: list = []


# ---------------------------------------------------------------------------- new exports


def scan_exports(exports_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file a connector would read: path relative to the exports dir -> (mtime_ns, size)."""
    found = {}
    for connector in CONNECTORS.values():
        folder = exports_dir / connector.name
        if folder.is_dir():
            for path in connector.files(folder):
                stat = path.stat()
                found[path.relative_to(exports_dir).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


def new_export_files(
    cursor: str | None, exports_dir: Path, now: float | None = None, settle_seconds: float = SETTLE_SECONDS
) -> tuple[list[str], str]:
    """Files not seen before (or changed since) and settled, and the cursor that marks them seen.

    The cursor is JSON ``{path: [mtime_ns, size]}`` of the files present; files that disappeared
    drop out of it, so a file put back later counts as new again.
    """
    seen = {path: tuple(signature) for path, signature in json.loads(cursor).items()} if cursor else {}
    now = time.time() if now is None else now
    current = scan_exports(exports_dir)
    new = sorted(
        path for path, signature in current.items()
        if seen.get(path) != signature and now - signature[0] / 1e9 >= settle_seconds
    )
    remembered = {path: seen[path] for path in current if path in seen}
    remembered.update({path: current[path] for path in new})
    return new, json.dumps(remembered, sort_keys=True)


def build_new_exports_sensor(everything_job):
    @sensor(
        name=NEW_EXPORTS_SENSOR,
        job=everything_job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.STOPPED,
        description="Starts a run of everything when new or changed files arrive in the exports directory "
        "(each file version once: the cursor keeps every file's modification time and size).",
    )
    def new_exports_sensor(context: SensorEvaluationContext, warehouse: Warehouse):
        exports_dir = warehouse.exports_path
        if not exports_dir.is_dir():
            return SkipReason(f"exports directory {exports_dir} does not exist")
        new, cursor = new_export_files(context.cursor, exports_dir)
        if not new:
            context.update_cursor(cursor)
            return SkipReason(f"no new export files in {exports_dir}")
        context.update_cursor(cursor)
        queued = context.instance.get_runs(
            filters=RunsFilter(job_name=everything_job.name, statuses=[DagsterRunStatus.QUEUED]), limit=1
        )
        if queued:
            return SkipReason(f"{len(new)} new file(s); run {queued[0].run_id} is queued and will load them")
        context.log.info(f"{len(new)} new export file(s): {', '.join(new[:10])}{' ...' if len(new) > 10 else ''}")
        run_key = hashlib.sha256(cursor.encode()).hexdigest()[:16]
        return RunRequest(run_key=run_key, tags={"cxp/trigger": "new_exports", "cxp/new_files": str(len(new))})

    return new_exports_sensor


# ---------------------------------------------------------------------------- publishing


def _materialized_anything(instance, run_id: str) -> bool:
    return bool(instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION, limit=1).records)


def _warehouse_dir_of(run, default: Warehouse) -> Path:
    """The warehouse the run wrote: its own resource config when it had one (launchpad), else the default."""
    configured = ((run.run_config or {}).get("resources", {}).get("warehouse", {}) or {}).get("config", {}) or {}
    return Path(configured.get("warehouse_dir") or default.warehouse_dir).resolve()


def publish_after_run(instance, run, warehouse: Warehouse) -> str:
    """Publish the build database if ``run`` is the last run that wrote it; say what happened."""
    if not _materialized_anything(instance, run.run_id):
        return f"run {run.run_id} materialized nothing: nothing to publish"
    warehouse_dir = _warehouse_dir_of(run, warehouse)
    if not build_path(warehouse_dir).exists():
        return f"no build database in {warehouse_dir}"
    this = instance.get_run_record_by_id(run.run_id)
    # A run that started after this one has written the build database since (or is writing it
    # now): publishing now would expose its partial state. That run publishes when it succeeds.
    later = [
        record.dagster_run
        for record in instance.get_run_records(filters=RunsFilter(created_after=this.create_timestamp))
        if record.dagster_run.run_id != run.run_id and record.dagster_run.status not in NOT_YET_WRITING
    ]
    if later:
        return f"not published: run {later[0].run_id} ({later[0].status.value}) has written the warehouse since"
    target = publish(warehouse_dir)
    return f"published {target}"


def build_publish_sensor():
    @run_status_sensor(
        name=PUBLISH_SENSOR,
        run_status=DagsterRunStatus.SUCCESS,
        minimum_interval_seconds=5,
        default_status=DefaultSensorStatus.RUNNING,
        description="After each successful run that materialized assets, publishes the build warehouse as the "
        "read-only copy analysts and `cxp query` open (atomic swap), as `cxp run` does.",
    )
    def publish_warehouse(context: RunStatusSensorContext, warehouse: Warehouse):
        outcome = publish_after_run(context.instance, context.dagster_run, warehouse)
        context.log.info(outcome)
        if outcome.startswith("not published"):
            return SkipReason(outcome)

    return publish_warehouse


# ---------------------------------------------------------------------------- wiring


def sensors(everything_job) -> list:
    return [build_new_exports_sensor(everything_job), build_publish_sensor()]


def schedules(everything_job) -> list:
    return [
        ScheduleDefinition(
            name=DAILY_SCHEDULE,
            job=everything_job,
            cron_schedule=DAILY_CRON,
            execution_timezone="UTC",
            default_status=DefaultScheduleStatus.STOPPED,
            description="Runs everything daily at 06:00 UTC: loads whatever exports arrived and rebuilds every layer.",
        )
    ]
