"""Raw layer: one multi-asset per connector, loading its exports folder into ``raw.<connector>__<entity>``.

Each load also evaluates the connector's checks (conservation, readable files, fresh
exports) on every raw table it feeds, and describes the columns in the catalog from the
pydantic models.
"""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from connectors import CONNECTORS, Connector
from models.schema import LINEAGE_FIELDS, columns, dagster_table_schema
from pipelines.assets.checks import evaluate_raw_checks, for_asset, raw_check_specs
from pipelines.loader import ConnectorLoad, load_connector
from pipelines.metadata import apply_comments, markdown_table, table_metadata
from pipelines.resources import Warehouse


def raw_key(connector: Connector, entity: str) -> AssetKey:
    return AssetKey(["raw", f"{connector.name}__{entity}"])


FILES_SHOWN = 50


def _files_table(report: ConnectorLoad) -> str:
    """Files this run loaded or failed on first, then those skipped as already loaded; at most FILES_SHOWN rows."""
    ordered = sorted(report.files, key=lambda f: (f.status == "skipped", f.source_file))
    rows = [(f.source_file, f.status, f.records_read, f.records_loaded, f.records_quarantined, f.error or "") for f in ordered]
    if not rows:
        return "no files"
    table = markdown_table(["file", "status", "read", "loaded", "quarantined", "error"], rows[:FILES_SHOWN], max_width=80)
    return table + (f"\n\n… and {len(rows) - FILES_SHOWN} more" if len(rows) > FILES_SHOWN else "")


def _quarantine_summary(con, connector: Connector, entity: str) -> dict:
    total = con.execute(
        "select count(*) from audit.quarantine where connector = ? and entity = ?", [connector.name, entity]
    ).fetchone()[0]
    reasons = con.execute(
        """select reason, count(*) as records from audit.quarantine where connector = ? and entity = ?
           group by reason order by records desc, reason limit 10""",
        [connector.name, entity],
    ).fetchall()
    return {
        "records_quarantined_total": MetadataValue.int(total),
        "quarantine_reasons": MetadataValue.md(markdown_table(["reason", "records"], reasons, max_width=100) if reasons else "none"),
    }


def build_raw_assets(connector: Connector):
    specs = [
        AssetSpec(
            raw_key(connector, entity),
            group_name="raw",
            description=f"{model.__doc__ or entity}\n\nLoaded from `EXPORTS/{connector.name}/` ({', '.join(connector.patterns)}); one row per record read, duplicates kept.",
            metadata={"dagster/column_schema": dagster_table_schema(model)},
            kinds={"duckdb", "python"},
            tags={"source": connector.source},
        )
        for entity, model in connector.entities.items()
    ]

    check_specs = [spec for entity in connector.entities for spec in raw_check_specs(connector, raw_key(connector, entity))]

    @multi_asset(name=f"load_{connector.name}", specs=specs, check_specs=check_specs, can_subset=False)
    def _load(context: AssetExecutionContext, warehouse: Warehouse):
        with warehouse.connect(beside_python=True) as con:
            report = load_connector(con, connector, warehouse.exports_path, warehouse.load_config())
            failed = [f for f in report.files if f.status == "failed"]
            for f in failed:
                context.log.warning(f"{f.source_file} could not be read: {f.error}")
            context.log.info(
                f"{connector.name}: {report.count('loaded')} file(s) loaded, {report.count('skipped')} already loaded, "
                f"{len(failed)} failed; {report.records_loaded} records loaded, {report.records_quarantined} quarantined"
            )
            results = evaluate_raw_checks(con, connector, warehouse.exports_path)
            for entity, model in connector.entities.items():
                descriptions = {name: desc for name, _, desc in columns(model)} | {name: desc for name, _, desc in LINEAGE_FIELDS}
                apply_comments(con, connector.raw_table(entity), descriptions)
                metadata = table_metadata(con, connector.raw_table(entity))
                metadata.update(
                    {
                        "files": MetadataValue.md(_files_table(report)),
                        "files_loaded": MetadataValue.int(report.count("loaded")),
                        "files_skipped": MetadataValue.int(report.count("skipped")),
                        "files_failed": MetadataValue.int(len(failed)),
                        "records_loaded_this_run": MetadataValue.int(report.records_loaded),
                        "records_quarantined_this_run": MetadataValue.int(report.records_quarantined),
                        **_quarantine_summary(con, connector, entity),
                    }
                )
                yield MaterializeResult(
                    asset_key=raw_key(connector, entity),
                    metadata=metadata,
                    check_results=[for_asset(result, raw_key(connector, entity)) for result in results],
                )

    return _load


RAW_ASSETS = [build_raw_assets(connector) for connector in CONNECTORS.values()]
RAW_KEYS = {connector.raw_table(entity): raw_key(connector, entity) for connector in CONNECTORS.values() for entity in connector.entities}
