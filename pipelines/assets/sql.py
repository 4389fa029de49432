"""Staging, identity, core and marts tables built from the SQL models in ``sql/``."""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from pipelines.metadata import table_metadata
from pipelines.resources import Warehouse
from pipelines.sql_models import SqlModel, discover


def model_key(model: SqlModel) -> AssetKey:
    return AssetKey([model.schema, model.name])


def build_sql_asset(model: SqlModel) -> AssetsDefinition:
    @asset(
        key=model_key(model),
        group_name=model.layer,
        description=model.description,
        deps=[AssetKey(dep.split(".")) for dep in model.dependencies],
        kinds={"duckdb", "sql"},
        metadata={"sql_file": f"sql/{model.layer}/{model.name}.sql"},
    )
    def _build(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        with warehouse.connect() as con:
            rows = model.build(con)
            context.log.info(f"{model.table}: {rows} rows")
            return MaterializeResult(metadata=table_metadata(con, model.table, sql=model.sql))

    return _build


SQL_ASSETS = [build_sql_asset(model) for model in discover()]
