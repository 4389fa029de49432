"""The SQL models under ``sql/<layer>/<table>.sql``: discovery, dependencies, building.

File stem = table name = asset name. Each file is one DuckDB-dialect SELECT; the layer
folder names the schema (``sql/marts/x.sql`` builds ``marts.x``). Dependencies are read
from the SQL itself with sqlglot, so the asset graph can never disagree with the code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
LAYERS = ("staging", "identity", "core", "marts")

# Columns stored with another compression than DuckDB's own choice (DICT_FSST for nearly
# all text). Mixpanel's property bags are long JSON texts, each event's its own: with ZSTD
# the table at 100,000 customers took 184 blocks of 256 KiB instead of 579, and built in
# 1.34/1.39 s instead of 2.46/2.03 s (at 1,000,000 customers the bags were 1.4 GiB of
# the warehouse's 8.7 GiB, which publishing copies). Short text compresses better as DuckDB
# chooses: stg_amplitude__events, whose bags are short, grew from 95 to 109 blocks with
# ZSTD on them, and every other table measured grew with ZSTD on all its text.
COLUMN_COMPRESSION: dict[str, dict[str, str]] = {
    "staging.stg_mixpanel__events": {"properties": "zstd"},
}


@dataclass(frozen=True)
class SqlModel:
    layer: str
    name: str
    path: Path

    @property
    def schema(self) -> str:
        return self.layer

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @cached_property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8").strip().rstrip(";")

    @cached_property
    def description(self) -> str:
        """The leading ``--`` comment block: what the table is, shown in the Dagster UI."""
        lines = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            lines.append(line[2:].strip())
        return "\n".join(lines).strip() or f"{self.table}"

    @cached_property
    def dependencies(self) -> tuple[str, ...]:
        """Schema-qualified tables this model reads (CTE names excluded)."""
        tree = sqlglot.parse_one(self.sql, read="duckdb")
        found = set()
        for table in tree.find_all(exp.Table):
            # CTEs are never schema-qualified: a qualified name is a table even when a
            # CTE has the same bare name (``with identity_map as (... core.identity_map)``)
            if table.db:
                found.add(f"{table.db}.{table.name}")
        return tuple(sorted(found))

    def build(self, con: duckdb.DuckDBPyConnection) -> int:
        """Replace the table with the model's result; returns its row count."""
        compression = COLUMN_COMPRESSION.get(self.table)
        if not compression:
            con.execute(f"create or replace table {self.table} as\n{self.sql}")
        else:  # CTAS cannot name a column's compression: the table is declared first
            columns = ", ".join(
                quote_identifier(name) + f" {column_type}" + (f" using compression {compression[name]}" if name in compression else "")
                for name, column_type, *_ in con.execute(f"describe ({self.sql})").fetchall()
            )
            con.execute("begin transaction")
            try:
                con.execute(f"create or replace table {self.table} ({columns})")
                con.execute(f"insert into {self.table}\n{self.sql}")
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        return con.execute(f"select count(*) from {self.table}").fetchone()[0]

    def transpile(self, dialect: str = "spark") -> str:
        from sqlglot.errors import ErrorLevel

        return sqlglot.transpile(self.sql, read="duckdb", write=dialect, unsupported_level=ErrorLevel.RAISE, pretty=True)[0]


def quote_identifier(identifier: str) -> str:
    """``identifier`` as a quoted SQL identifier (any name, quotes inside doubled)."""
    return '"' + identifier.replace('"', '""') + '"'


def discover(layers: tuple[str, ...] = LAYERS, sql_dir: Path = SQL_DIR) -> list[SqlModel]:
    models = []
    for layer in layers:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            if not re.fullmatch(r"[a-z][a-z0-9_]*", path.stem):
                raise ValueError(f"{path}: model names are lower_snake_case table names")
            models.append(SqlModel(layer, path.stem, path))
    return models


def find(name: str) -> SqlModel:
    """A model by table name, with or without its schema."""
    for model in discover():
        if name in (model.name, model.table):
            return model
    raise KeyError(f"no SQL model named {name!r} under {SQL_DIR}")
