"""Experience-metrics steps that are Python, not SQL: the sentiment cache core.interactions
joins, the Parquet copy of every core and marts table for BI tools (with the data
dictionary beside it), and the HTML scorecard. The marts themselves are SQL models
(``sql/marts/*.sql``, assets built by ``pipelines.assets.sql``).
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.data_dictionary import write_dictionary
from pipelines.metadata import apply_comments, markdown_table, table_metadata
from pipelines.parquet import export_parquet
from pipelines.resources import Warehouse
from pipelines.scorecard import write_scorecard
from pipelines.sentiment import COLUMN_DESCRIPTIONS, TABLE, TEXT_SOURCES, update_text_sentiment
from pipelines.sql_models import discover
from pipelines.warehouse import parquet_dir

TEXT_SENTIMENT = AssetKey(TABLE.split("."))
PARQUET = AssetKey("parquet_export")
SCORECARD = AssetKey("scorecard")

_SQL_TABLES = {model.table for model in discover()}
_EXPORTED_UPSTREAM = sorted(t for t in _SQL_TABLES if t.startswith(("core.", "marts."))) + [TABLE]
_SCORECARD_UPSTREAM = ["core.interactions", "marts.touchpoint_metrics", "marts.experience_gap", "marts.journey_paths",
                       "marts.segment_metrics"]


@asset(
    key=TEXT_SENTIMENT,
    group_name="core",
    kinds={"duckdb", "python"},
    deps=[AssetKey(table.split(".")) for table in sorted({t for t, _ in TEXT_SOURCES} & _SQL_TABLES)],
)
def text_sentiment(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """VADER compound score (-1..1) of every distinct free text in staging (tweets, Facebook
    comments, Play reviews, ticket subjects and descriptions, satisfaction and survey
    comments), keyed by md5 of the text; only texts new since the last run are scored."""
    with warehouse.connect(beside_python=True) as con:
        run = update_text_sentiment(con)
        apply_comments(con, TABLE, COLUMN_DESCRIPTIONS, table_comment=text_sentiment.__doc__)
        context.log.info(f"{TABLE}: {run.texts} texts, {run.scored} scored in {run.seconds:.2f} s")
        metadata = table_metadata(con, TABLE)
        metadata.update(
            {
                "texts": MetadataValue.int(run.texts),
                "scored_this_run": MetadataValue.int(run.scored),
                "scoring_seconds": MetadataValue.float(round(run.seconds, 3)),
                "texts_per_second": MetadataValue.float(round(run.texts_per_second, 1)),
            }
        )
        return MaterializeResult(metadata=metadata)


@asset(
    key=PARQUET,
    group_name="bi",
    kinds={"parquet"},
    deps=[AssetKey(table.split(".")) for table in _EXPORTED_UPSTREAM],
)
def parquet_export(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Every core and marts table as Parquet under <warehouse>/parquet/<schema>/<table>/,
    Hive-partitioned by month where the table has a time column, each table swapped in
    atomically; the data dictionary of their columns beside it (data_dictionary.md)."""
    from pipelines.definitions import REBUILD_JOB  # here: definitions imports this module

    root = parquet_dir(warehouse.warehouse_path)
    # A rebuild is how `cxp forget` erases: no replaced version may outlive it.
    keep_replaced = context.job_name != REBUILD_JOB
    with warehouse.connect() as con:
        exported = export_parquet(con, root, keep_replaced=keep_replaced)
        dictionary = write_dictionary(con, warehouse.warehouse_path)
    rows = [(e.table, e.rows, e.files, e.partitioned_by or "", round(e.seconds, 2)) for e in exported]
    seconds = sum(e.seconds for e in exported)
    context.log.info(f"parquet: {len(exported)} tables, {sum(e.rows for e in exported)} rows in {seconds:.2f} s under {root}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(root)),
            "data_dictionary": MetadataValue.path(str(dictionary)),
            "tables": MetadataValue.md(markdown_table(["table", "rows", "files", "month of", "seconds"], rows, max_width=60)),
            "table_count": MetadataValue.int(len(exported)),
            "rows": MetadataValue.int(sum(e.rows for e in exported)),
            "seconds": MetadataValue.float(round(seconds, 2)),
        }
    )


@asset(
    key=SCORECARD,
    group_name="bi",
    kinds={"html"},
    deps=[AssetKey(table.split(".")) for table in _SCORECARD_UPSTREAM],
)
def scorecard(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """The experience scorecard (<warehouse>/scorecard.html, opens offline): headline figures
    per touchpoint, NPS and CSAT by touchpoint over time, the experience gap, the top
    journey paths and the segments compared."""
    with warehouse.connect() as con:
        card = write_scorecard(con, warehouse.warehouse_path)
    context.log.info(f"scorecard: {card.path} ({card.bytes} bytes, {card.grain}ly)")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(card.path)),
            "url": MetadataValue.url(card.path.as_uri()),
            "grain": MetadataValue.text(card.grain),
            "sections": MetadataValue.text(", ".join(card.sections)),
            "bytes": MetadataValue.int(card.bytes),
        }
    )
