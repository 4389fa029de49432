"""Automation: the new-exports sensor sees each file version once, the publisher publishes
after a successful run unless a later run has touched the warehouse since."""
from __future__ import annotations

import json
import os
import time

import duckdb
import pytest
from dagster import (
    AssetKey,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    Definitions,
    RunRequest,
    SkipReason,
    build_run_status_sensor_context,
    build_sensor_context,
    define_asset_job,
    in_process_executor,
)

from pipelines.assets.raw import RAW_ASSETS
from pipelines.assets.sql import SQL_ASSETS
from pipelines.automation import (
    DAILY_SCHEDULE,
    NEW_EXPORTS_SENSOR,
    PUBLISH_SENSOR,
    new_export_files,
    publish_after_run,
)
from pipelines.definitions import EVERYTHING_JOB, make_definitions
from pipelines.warehouse import published_path


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_each_file_version_is_new_once(facebook_exports):
    page = facebook_exports / "facebook" / "comments_page_1.json"
    new, cursor = new_export_files(None, facebook_exports)
    assert new == []  # just copied in: it may still be being written
    _age(page, 60)
    new, cursor = new_export_files(cursor, facebook_exports)
    assert new == ["facebook/comments_page_1.json"]
    assert new_export_files(cursor, facebook_exports)[0] == []

    second = facebook_exports / "facebook" / "comments_page_2.json"
    second.write_bytes(page.read_bytes())
    (facebook_exports / "facebook" / "notes.txt").write_text("not an export")  # no connector reads it
    _age(second, 60)
    new, cursor = new_export_files(cursor, facebook_exports)
    assert new == ["facebook/comments_page_2.json"]

    _age(page, 30)  # rewritten: a new version of the same file
    new, cursor = new_export_files(cursor, facebook_exports)
    assert new == ["facebook/comments_page_1.json"]

    second.unlink()
    assert json.loads(cursor).keys() >= {"facebook/comments_page_2.json"}
    new, cursor = new_export_files(cursor, facebook_exports)
    assert new == [] and "facebook/comments_page_2.json" not in json.loads(cursor)


def _origin():
    """Where a queued run of the everything job would be launched from (queued runs must say)."""
    from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    location = InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="pipelines.definitions"))
    return RemoteJobOrigin(RemoteRepositoryOrigin(location, "__repository__"), EVERYTHING_JOB)


@pytest.fixture
def defs(warehouse):
    return make_definitions(warehouse)


def test_sensor_requests_one_run_per_batch_of_new_files(defs, warehouse, facebook_exports):
    sensor = defs.resolve_sensor_def(NEW_EXPORTS_SENSOR)
    _age(facebook_exports / "facebook" / "comments_page_1.json", 60)
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance, resources={"warehouse": warehouse}, definitions=defs)
        first = sensor(context)
        assert isinstance(first, RunRequest) and first.tags["cxp/new_files"] == "1"
        again = sensor(build_sensor_context(instance=instance, cursor=context.cursor, resources={"warehouse": warehouse}, definitions=defs))
        assert isinstance(again, SkipReason)

        # New files while a run is still queued: that run will load them, no second run.
        instance.add_run(DagsterRun(job_name=EVERYTHING_JOB, status=DagsterRunStatus.QUEUED, remote_job_origin=_origin()))
        more = facebook_exports / "facebook" / "comments_page_2.json"
        more.write_text('{"data": []}')
        _age(more, 60)
        queued = sensor(build_sensor_context(instance=instance, cursor=context.cursor, resources={"warehouse": warehouse}, definitions=defs))
        assert isinstance(queued, SkipReason) and "queued" in queued.skip_message


def test_schedule_and_sensor_start_switched_off_publisher_on(defs):
    assert defs.resolve_schedule_def(DAILY_SCHEDULE).default_status.value == "STOPPED"
    assert defs.resolve_sensor_def(NEW_EXPORTS_SENSOR).default_status.value == "STOPPED"
    assert defs.resolve_sensor_def(PUBLISH_SENSOR).default_status.value == "RUNNING"


def _facebook_job_defs(warehouse) -> Definitions:
    load = next(a for a in RAW_ASSETS if a.node_def.name == "load_facebook")
    staging = next(a for a in SQL_ASSETS if a.key == AssetKey(["staging", "stg_facebook__comments"]))
    job = define_asset_job("facebook_only", selection=AssetSelection.all())
    return Definitions(assets=[load, staging], jobs=[job], resources={"warehouse": warehouse}, executor=in_process_executor)


def _run(instance, warehouse):
    return _facebook_job_defs(warehouse).resolve_job_def("facebook_only").execute_in_process(instance=instance)


def test_publisher_publishes_a_successful_run(defs, warehouse):
    with DagsterInstance.ephemeral() as instance:
        result = _run(instance, warehouse)
        assert not published_path(warehouse.warehouse_path).exists()
        success_event = instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0].dagster_event
        context = build_run_status_sensor_context(
            sensor_name=PUBLISH_SENSOR, dagster_event=success_event, dagster_instance=instance,
            dagster_run=result.dagster_run, resources={"warehouse": warehouse},
        )
        defs.resolve_sensor_def(PUBLISH_SENSOR)(context)
    with duckdb.connect(str(published_path(warehouse.warehouse_path)), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_facebook__comments").fetchone()[0] == 2


def test_publisher_waits_for_the_last_run_that_wrote(warehouse):
    with DagsterInstance.ephemeral() as instance:
        first = _run(instance, warehouse).dagster_run
        second = _run(instance, warehouse).dagster_run
        outcome = publish_after_run(instance, first, warehouse)
        assert outcome.startswith("not published") and second.run_id in outcome
        assert not published_path(warehouse.warehouse_path).exists()
        assert publish_after_run(instance, second, warehouse).startswith("published")
        assert published_path(warehouse.warehouse_path).exists()
