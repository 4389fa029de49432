"""The one Dagster entry point: the UI (``cxp ui``) and the CLI (``cxp run``) load these Definitions.

Assets and checks are gathered from every module of ``pipelines.assets``; automation
(sensor, schedule, publishing) from ``pipelines.automation``. Runs execute in one
process, one step at a time, because DuckDB allows a single writer.
"""
from __future__ import annotations

from dagster import (
    AssetSelection,
    Definitions,
    define_asset_job,
    in_process_executor,
    load_asset_checks_from_package_module,
    load_assets_from_package_module,
)

import pipelines.assets
from pipelines.resources import Warehouse

EVERYTHING_JOB = "cxp_everything"
REBUILD_JOB = "cxp_rebuild"


def make_definitions(warehouse: Warehouse | None = None) -> Definitions:
    from pipelines import automation

    assets = load_assets_from_package_module(pipelines.assets)
    checks = load_asset_checks_from_package_module(pipelines.assets)
    everything = define_asset_job(EVERYTHING_JOB, selection=AssetSelection.all(), description="Materialize every asset: exports to marts.")
    # Everything derived from raw, e.g. after an erasure removed records from raw (cxp forget).
    rebuild = define_asset_job(
        REBUILD_JOB, selection=AssetSelection.all() - AssetSelection.groups("raw"), description="Rebuild every layer above raw from the raw tables."
    )
    return Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[everything, rebuild, *automation.JOBS],
        sensors=automation.sensors(everything),
        schedules=automation.schedules(everything),
        resources={"warehouse": warehouse or Warehouse.from_env()},
        executor=in_process_executor,
    )


defs = make_definitions()
