"""Run the whole asset graph in-process through the same Definitions the UI loads."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterInstance

from pipelines.definitions import EVERYTHING_JOB, make_definitions
from pipelines.resources import Warehouse
from pipelines.warehouse import build_path, publish


@dataclass
class RunOutcome:
    success: bool
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    published: Path | None = None


def run_pipeline(
    exports_dir: str | Path,
    warehouse_dir: str | Path,
    config_path: str | None = None,
    log_level: str = "WARNING",
    job_name: str = EVERYTHING_JOB,
) -> RunOutcome:
    exports_dir = Path(exports_dir).resolve()
    if not exports_dir.is_dir():
        raise FileNotFoundError(f"exports directory {exports_dir} does not exist")
    warehouse = Warehouse(exports_dir=str(exports_dir), warehouse_dir=str(Path(warehouse_dir).resolve()), config_path=config_path)
    defs = make_definitions(warehouse)
    job = defs.resolve_job_def(job_name)
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config={"loggers": {"console": {"config": {"log_level": log_level}}}}
        )
        outcome = RunOutcome(success=result.success)
        for event in result.all_events:
            if event.is_step_failure:
                outcome.failed_steps.append(f"{event.step_key}: {event.event_specific_data.error.message.strip().splitlines()[0]}")
            elif event.event_type_value == "ASSET_CHECK_EVALUATION":
                evaluation = event.event_specific_data
                if not evaluation.passed:
                    label = f"{evaluation.asset_key.to_user_string()} / {evaluation.check_name}"
                    if evaluation.severity.value == "ERROR":
                        outcome.failed_checks.append(label)
                    else:
                        outcome.warnings.append(label)
    if outcome.success and build_path(warehouse.warehouse_path).exists():
        outcome.published = publish(warehouse.warehouse_path)
    return outcome
