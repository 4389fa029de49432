"""The Definitions the UI and `cxp run` load: they load, and they are complete and well formed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, Definitions

from connectors import CONNECTORS
from pipelines.assets.checks import KEYS, REFERENCES, declared_key, staging_keys
from pipelines.automation import DAILY_SCHEDULE, NEW_EXPORTS_SENSOR, PUBLISH_SENSOR
from pipelines.definitions import EVERYTHING_JOB, defs
from pipelines.sql_models import discover

ROOT = Path(__file__).resolve().parents[2]


def _asset_graph():
    return defs.resolve_asset_graph()


def test_definitions_load():
    Definitions.validate_loadable(defs)
    assert defs.resolve_job_def(EVERYTHING_JOB) is not None


def test_dagster_cli_loads_the_code_location(tmp_path):
    """What `dagster dev` does first: import the module named in pyproject.toml and validate it."""
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "pipelines.definitions"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_table_is_an_asset_keyed_by_schema_and_grouped_by_layer():
    graph = _asset_graph()
    for model in discover():
        node = graph.get(AssetKey([model.schema, model.name]))
        assert node.group_name == model.layer
    for connector in CONNECTORS.values():
        for entity in connector.entities:
            assert graph.get(AssetKey(["raw", f"{connector.name}__{entity}"])).group_name == "raw"


def _check_names(key: AssetKey) -> set[str]:
    return {check.name for check in _asset_graph().get(key).check_keys}


def test_every_raw_table_has_conservation_readability_and_freshness_checks():
    for connector in CONNECTORS.values():
        for entity in connector.entities:
            names = _check_names(AssetKey(["raw", f"{connector.name}__{entity}"]))
            assert {"conservation", "readable_files", "exports_fresh"} <= names


def test_every_staging_model_has_a_declared_key_and_its_check():
    for model in discover(("staging",)):
        assert declared_key(model.table), f"{model.table} has no key in sql/staging/README.md"
        assert "unique_key" in _check_names(AssetKey([model.schema, model.name]))


def test_staging_keys_are_read_from_the_spec():
    keys = staging_keys()
    assert keys["staging.stg_facebook__comments"] == ("comment_id",)
    assert keys["staging.stg_amplitude__events"] == ("insert_id",)
    assert len(keys) >= 13


def test_checks_exist_for_every_declared_key_and_reference_whose_tables_exist():
    tables = {m.table for m in discover()}
    for table in KEYS:
        if table in tables:
            assert "unique_key" in _check_names(AssetKey(table.split(".")))
    all_checks = {check.name for node in _asset_graph().asset_nodes for check in node.check_keys}
    for ref in REFERENCES:
        assert (ref.check_name in all_checks) == (ref.child in tables and ref.parent in tables)


def test_blocking_checks_are_the_ones_that_guard_downstream_data():
    graph = _asset_graph()
    assert graph.asset_check_keys
    guarding = {"conservation", "unique_key", *(ref.check_name for ref in REFERENCES)}
    warning = {"readable_files", "exports_fresh"}
    for key in graph.asset_check_keys:
        if key.name in guarding | warning:
            assert graph.get_check_spec(key).blocking == (key.name in guarding), key


def test_sensor_schedule_and_publisher_are_defined():
    assert defs.resolve_sensor_def(NEW_EXPORTS_SENSOR).job_name == EVERYTHING_JOB
    assert defs.resolve_sensor_def(PUBLISH_SENSOR) is not None
    schedule = defs.resolve_schedule_def(DAILY_SCHEDULE)
    assert schedule.job_name == EVERYTHING_JOB and schedule.cron_schedule == "0 6 * * *"
