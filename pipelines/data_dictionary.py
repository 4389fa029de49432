"""The data dictionary: every column of every core and marts table, read from the warehouse catalog.

Descriptions are the catalog's comments, which the pipeline writes from the models
themselves (a SQL model's trailing ``-- comment`` on each selected column, a Python
asset's own descriptions), so the dictionary cannot drift from the tables. The pipeline
writes it beside the Parquet (``<warehouse>/data_dictionary.md``);

    python -m pipelines.data_dictionary WAREHOUSE_DIR --readme README.md

regenerates the README's section between the markers from a built warehouse.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

START = "<!-- data-dictionary:start -->"
END = "<!-- data-dictionary:end -->"
FILE_NAME = "data_dictionary.md"
SCHEMAS = ("core", "marts")


@dataclass
class Column:
    name: str
    type: str
    description: str | None


@dataclass
class Table:
    name: str
    description: str | None
    columns: list[Column] = field(default_factory=list)


def read_catalog(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = SCHEMAS) -> list[Table]:
    placeholders = ", ".join("?" for _ in schemas)
    tables = {
        f"{schema}.{name}": Table(f"{schema}.{name}", comment)
        for schema, name, comment in con.execute(
            f"select schema_name, table_name, comment from duckdb_tables() where schema_name in ({placeholders}) "
            "and database_name = current_database() order by schema_name, table_name",
            list(schemas),
        ).fetchall()
    }
    for schema, name, column, data_type, comment in con.execute(
        f"select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
        f"where schema_name in ({placeholders}) and database_name = current_database() order by schema_name, table_name, column_index",
        list(schemas),
    ).fetchall():
        table = tables.get(f"{schema}.{name}")
        if table is not None:
            table.columns.append(Column(column, data_type.lower(), comment))
    return list(tables.values())


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ").strip()


def _summary(description: str | None) -> str:
    """A table comment's first paragraph, on one line."""
    if not description:
        return ""
    return " ".join(description.strip().split("\n\n")[0].split())


def render_markdown(tables: list[Table], heading_level: int = 3) -> str:
    hashes = "#" * heading_level
    parts = [
        "Every column of every `core` and `marts` table (the same tables are in Parquet under "
        "`warehouse/parquet/<schema>/<table>/`). Generated from the models by `python -m pipelines.data_dictionary`.",
    ]
    for table in tables:
        parts.append(f"{hashes} `{table.name}`")
        summary = _summary(table.description)
        if summary:
            parts.append(summary)
        rows = ["| column | type | description |", "|---|---|---|"]
        rows += [f"| `{c.name}` | {_cell(c.type)} | {_cell(c.description)} |" for c in table.columns]
        parts.append("\n".join(rows))
    return "\n\n".join(parts) + "\n"


def replace_section(text: str, section: str) -> str:
    """Put ``section`` between the markers, appending marked section at the end when absent."""
    block = f"{START}\n{section.rstrip()}\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        return before + block + after
    return text.rstrip("\n") + "\n\n## Data dictionary\n\n" + block + "\n"


def update_readme(readme: Path, section: str) -> bool:
    """Rewrite the README's data-dictionary section; True when it changed."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    updated = replace_section(text, section)
    if updated == text:
        return False
    readme.write_text(updated, encoding="utf-8")
    return True


def write_dictionary(con: duckdb.DuckDBPyConnection, warehouse_dir: str | os.PathLike) -> Path:
    """``<warehouse>/data_dictionary.md`` for BI users, beside the Parquet."""
    target = Path(warehouse_dir) / FILE_NAME
    temporary = target.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    temporary.write_text("# cxp data dictionary\n\n" + render_markdown(read_catalog(con), heading_level=2), encoding="utf-8")
    os.replace(temporary, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print or update the data dictionary of a built cxp warehouse.")
    parser.add_argument("warehouse", help="warehouse directory (or a .duckdb file)")
    parser.add_argument("--readme", type=Path, help="README to update between the data-dictionary markers")
    args = parser.parse_args(argv)
    path = args.warehouse if str(args.warehouse).endswith(".duckdb") else os.path.join(args.warehouse, "cx.duckdb")
    with duckdb.connect(path, read_only=True) as con:
        section = render_markdown(read_catalog(con))
    if args.readme:
        changed = update_readme(args.readme, section)
        print(f"{args.readme}: data dictionary {'updated' if changed else 'already up to date'}")
    else:
        sys.stdout.write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
