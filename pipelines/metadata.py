"""Materialization metadata every asset reports: row count, a preview, the SQL, the columns.

Column descriptions live in the warehouse itself (``COMMENT ON COLUMN``), so analysts see
them in DuckDB and the UI shows the same text. Raw columns are described by their pydantic
models; a SQL model's column by a trailing ``-- comment`` on the line that selects it, else
by the description of the upstream column it passes on, else by its expression.
"""
from __future__ import annotations

import re

import duckdb
from dagster import MetadataValue, TableColumn, TableSchema

from pipelines.sql_models import quote_identifier

PREVIEW_ROWS = 10
MAX_EXPRESSION_DESCRIPTION = 100

# `expr as name,  -- comment` and `[alias.]name,  -- comment`, one select item per line.
_ALIASED_ITEM = re.compile(r"^\s*(?P<expr>\S.*?)\s+as\s+(?P<name>[A-Za-z_]\w*)\s*,?\s*(?:--\s*(?P<comment>.*?))?\s*$", re.I)
_PLAIN_ITEM = re.compile(r"^\s*(?:[A-Za-z_]\w*\.)?(?P<name>[A-Za-z_]\w*)\s*,?\s*(?:--\s*(?P<comment>.*?))?\s*$")
_COLUMN_REF = re.compile(r"^(?:[A-Za-z_]\w*\.)?(?P<name>[A-Za-z_]\w*)$")


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
        "dagster/table_name": MetadataValue.text(table),
        "preview": MetadataValue.md(markdown_table(columns, head.fetchall())),
    }
    if sql:
        metadata["sql"] = MetadataValue.md(f"```sql\n{sql}\n```")
    return metadata


def sql_column_descriptions(sql: str, columns: list[str], upstream: dict[str, str]) -> dict[str, str]:
    """Describe each output column of a SQL model (see the module docstring for the order of sources).

    ``upstream`` maps column names of the tables the model reads to their descriptions.
    When a name is selected in several CTEs, a commented line wins, then the last one.
    """
    items: dict[str, tuple[str | None, str | None]] = {}  # name -> (comment, expression)
    for line in sql.splitlines():
        match = _ALIASED_ITEM.match(line) or _PLAIN_ITEM.match(line)
        if not match:
            continue
        name = match.group("name")
        comment = (match.group("comment") or "").strip() or None
        expr = match.groupdict().get("expr")
        if comment or not (items.get(name, (None, None))[0]):
            items[name] = (comment, expr.strip() if expr else None)
    described = {}
    for column in columns:
        comment, expr = items.get(column, (None, None))
        is_case = bool(expr) and expr.lower() == "end"  # the last line of a multi-line CASE
        source = _COLUMN_REF.match(expr).group("name") if expr and not is_case and _COLUMN_REF.match(expr) else None
        if comment:
            described[column] = comment
        elif source and source in upstream:
            described[column] = upstream[source] if source == column else f"{upstream[source]} (from `{source}`)"
        elif column in upstream and not expr:
            described[column] = upstream[column]
        elif source and source != column:
            described[column] = f"from `{source}`"
        elif is_case:
            described[column] = "computed by a CASE expression"
        elif expr and not source and len(expr) <= MAX_EXPRESSION_DESCRIPTION:
            described[column] = f"computed: `{expr}`"
    return described


def column_comments(con: duckdb.DuckDBPyConnection, tables: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Column name -> comment over the given tables (the first table listed naming a column wins)."""
    if not tables:
        return {}
    rows = con.execute(
        "select schema_name || '.' || table_name, column_name, comment from duckdb_columns() "
        "where schema_name || '.' || table_name in (select unnest($tables)) and comment is not null and comment <> '' "
        "order by column_index",
        {"tables": list(tables)},
    ).fetchall()
    order = {table: i for i, table in enumerate(tables)}
    found: dict[str, str] = {}
    for _, column, comment in sorted(rows, key=lambda r: order[r[0]]):
        found.setdefault(column, comment)
    return found


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], table_comment: str | None = None) -> None:
    """Write descriptions into the catalog, skipping those already there (raw tables keep theirs across runs)."""
    current = column_comments(con, [table])
    statements = [
        f"comment on column {table}.{quote_identifier(column)} is {_literal(text)}"
        for column, text in columns.items()
        if text and current.get(column) != text
    ]
    if table_comment:
        statements.append(f"comment on table {table} is {_literal(table_comment)}")
    if statements:
        # One commit for all of them: a commit per comment cost seconds per run.
        con.execute("begin transaction; " + "; ".join(statements) + "; commit")


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]
