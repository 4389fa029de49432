"""Materialization metadata every asset reports: row count, a preview, the SQL, the columns."""
from __future__ import annotations

import duckdb
from dagster import MetadataValue, TableColumn, TableSchema

PREVIEW_ROWS = 10


def markdown_table(columns: list[str], rows: list[tuple], max_width: int = 40) -> str:
    def cell(value) -> str:
        shown = "" if value is None else str(value)
        shown = shown.replace("|", "\\|").replace("\n", " ")
        return shown if len(shown) <= max_width else shown[: max_width - 1] + "…"

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def column_schema(con: duckdb.DuckDBPyConnection, table: str) -> TableSchema:
    schema, name = table.split(".")
    rows = con.execute(
        """select c.column_name, c.data_type, d.comment
           from information_schema.columns c
           left join duckdb_columns() d
             on d.schema_name = c.table_schema and d.table_name = c.table_name and d.column_name = c.column_name
           where c.table_schema = ? and c.table_name = ? order by c.ordinal_position""",
        [schema, name],
    ).fetchall()
    return TableSchema(columns=[TableColumn(col, typ.lower(), description=comment) for col, typ, comment in rows])


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, sql: str | None = None) -> dict:
    rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    head = con.execute(f"select * from {table} limit {PREVIEW_ROWS}")
    columns = [d[0] for d in head.description]
    metadata = {
        "dagster/row_count": MetadataValue.int(rows),
        "dagster/column_schema": column_schema(con, table),
        "table": MetadataValue.text(table),
        "preview": MetadataValue.md(markdown_table(columns, head.fetchall())),
    }
    if sql:
        metadata["sql"] = MetadataValue.md(f"```sql\n{sql}\n```")
    return metadata
