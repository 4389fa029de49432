"""Staging, identity, core and marts tables built from the SQL models in ``sql/``.

Each build replaces its table, describes its columns in the catalog, and evaluates its
own checks (a declared key must be unique: see ``pipelines.assets.checks``).
"""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from pipelines.assets.checks import evaluate_sql_checks, sql_check_specs
from pipelines.metadata import apply_comments, column_comments, sql_column_descriptions, table_columns, table_metadata
from pipelines.resources import Warehouse
from pipelines.sql_models import SqlModel, discover


def model_key(model: SqlModel) -> AssetKey:
    return AssetKey([model.schema, model.name])


def describe_model_columns(con, model: SqlModel) -> None:
    upstream = column_comments(con, model.dependencies)
    descriptions = sql_column_descriptions(model.sql, table_columns(con, model.table), upstream)
    apply_comments(con, model.table, descriptions, table_comment=model.description)


def build_sql_asset(model: SqlModel) -> AssetsDefinition:
    @asset(
        key=model_key(model),
        group_name=model.layer,
        description=model.description,
        deps=[AssetKey(dep.split(".")) for dep in model.dependencies],
        kinds={"duckdb", "sql"},
        metadata={"sql_file": f"sql/{model.layer}/{model.name}.sql", "dagster/table_name": model.table},
        check_specs=sql_check_specs(model),
    )
    def _build(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        with warehouse.connect() as con:
            rows = model.build(con)
            context.log.info(f"{model.table}: {rows} rows")
            describe_model_columns(con, model)
            return MaterializeResult(
                metadata=table_metadata(con, model.table, sql=model.sql),
                check_results=evaluate_sql_checks(con, model),
            )

    return _build


SQL_ASSETS = [build_sql_asset(model) for model in discover()]
