"""Parquet for BI tools: every core and marts table under ``<warehouse>/parquet/<schema>/<table>/``.

A table with a time column (``TIME_COLUMNS``) is Hive-partitioned by month
(``month=2024-11/data_0.parquet``; rows whose time is NULL, such as the ``all`` grain of
a metrics table, go to ``month=all``); any other table is one ``data.parquet``. pyarrow
(``partitioning="hive"``), DuckDB (``read_parquet('.../**/*.parquet')``, Hive
partitioning detected), pandas and Spark read them without settings.

Each table is written to a hidden temporary directory beside its final place and swapped
in with one atomic ``renameat2(RENAME_EXCHANGE)`` (Linux); where that call is missing,
the old directory is renamed away first, so a reader may briefly find no table but never
a half-written one. The replaced version is kept, hidden, for ``RETIRED_GRACE_SECONDS``
(readers such as DuckDB open a table's files one by one, so a query that listed them
just before the swap still finds them), and removed by a later export; a rebuild after
an erasure removes them at once. Tables that no longer exist in the warehouse are
retired the same way.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

EXPORTED_SCHEMAS = ("core", "marts")
# The column that places a row in time, in order of preference.
TIME_COLUMNS = ("occurred_at", "period_start")
PARTITION = "month"
NULL_PARTITION = "all"
RETIRED_GRACE_SECONDS = 600.0
# zstd at its fastest level: a third the size of snappy for the same CPU.
PARQUET_OPTIONS = "parquet, compression zstd, compression_level 1"


@dataclass
class ExportedTable:
    table: str
    path: Path
    rows: int
    files: int
    partitioned_by: str | None
    seconds: float


def exported_tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = EXPORTED_SCHEMAS) -> list[str]:
    placeholders = ", ".join("?" for _ in schemas)
    rows = con.execute(
        f"""select table_schema || '.' || table_name from information_schema.tables
            where table_schema in ({placeholders}) and table_type = 'BASE TABLE' order by 1""",
        list(schemas),
    ).fetchall()
    return [name for (name,) in rows]


def time_column(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    schema, name = table.split(".")
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    )
    if PARTITION in types:  # the partition column would shadow a real one
        return None
    for column in TIME_COLUMNS:
        if column in types and types[column].upper().startswith(("TIMESTAMP", "DATE")):
            return column
    return None


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_table(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> ExportedTable:
    """Write one table to ``target`` (a directory), replacing what is there atomically."""
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        rows = con.execute(f"select count(*) from {table}").fetchone()[0]
        column = time_column(con, table) if rows else None
        if column:
            _write_months(con, table, column, staging, rows)
        else:
            con.execute(f"copy {table} to {_sql_path(staging / 'data.parquet')} (format {PARQUET_OPTIONS})")
        files = sum(1 for _ in staging.rglob("*.parquet"))
        _swap_in(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    sweep(target.parent)
    return ExportedTable(table, target, rows, files, column, time.perf_counter() - started)


def _write_months(con: duckdb.DuckDBPyConnection, table: str, column: str, staging: Path, rows: int) -> None:
    """One ``month=YYYY-MM/data_0.parquet`` per month (``month=all`` for NULL times).

    Each month is its own COPY of a range of ``column``: half the CPU of DuckDB's
    ``partition_by`` writer, which buffers every partition before writing. Scanning the
    table once per month is cheap (the range filter skips row groups by their min/max). If
    the ranges did not account for every row (a time no month range holds, e.g. infinity),
    the table is written with ``partition_by`` instead, so no row is ever left out.
    """
    months = con.execute(
        f"""select distinct date_trunc('month', {column}) as month_start,
                   coalesce(strftime(date_trunc('month', {column}), '%Y-%m'), '{NULL_PARTITION}') as label
            from {table} order by 1 nulls last"""
    ).fetchall()
    written = 0
    for month_start, label in months:
        folder = staging / f"{PARTITION}={label}"
        folder.mkdir()
        if month_start is None:
            where, parameters = f"{column} is null", []
        else:
            where, parameters = f"{column} >= ? and {column} < ? + interval 1 month", [month_start, month_start]
        written += con.execute(
            f"copy (select * from {table} where {where}) to {_sql_path(folder / 'data_0.parquet')} (format {PARQUET_OPTIONS})",
            parameters,
        ).fetchone()[0]
    if written != rows:
        for folder in staging.iterdir():
            shutil.rmtree(folder)
        con.execute(
            f"""copy (select *, coalesce(strftime({column}, '%Y-%m'), '{NULL_PARTITION}') as {PARTITION} from {table})
                to {_sql_path(staging)} (format {PARQUET_OPTIONS}, partition_by ({PARTITION}), overwrite_or_ignore true)"""
        )


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@functools.cache
def _renameat2():
    """libc's renameat2, or None where the C library lacks it (non-Linux, old glibc, musl)."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    return getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None)


def atomic_exchange_available() -> bool:
    return _renameat2() is not None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where that cannot be done."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _retired_name(target: Path) -> Path:
    return target.parent / f".{target.name}.retired-{time.time_ns()}"


def _swap_in(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; the previous version is retired (hidden, removed later)."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        os.rename(staging, _retired_name(target))
        return
    os.rename(target, _retired_name(target))
    os.rename(staging, target)


def sweep(folder: Path, grace_seconds: float | None = None) -> list[Path]:
    """Remove retired versions and abandoned temporary directories older than the grace period."""
    grace = RETIRED_GRACE_SECONDS if grace_seconds is None else grace_seconds
    now = time.time()
    removed = []
    for path in folder.iterdir() if folder.is_dir() else ():
        if not path.name.startswith("."):
            continue
        if ".retired-" in path.name:  # retired at the time in its name (a rename keeps the old mtime)
            since = int(path.name.rsplit("-", 1)[1]) / 1e9
        elif ".tmp-" in path.name:
            since = path.stat().st_mtime
        else:
            continue
        if now - since >= grace:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def remove_stale(root: Path, tables: list[str], schemas: tuple[str, ...] = EXPORTED_SCHEMAS) -> list[Path]:
    """Retire the directories of tables that no longer exist in the warehouse."""
    keep = {root / schema / name for schema, name in (t.split(".") for t in tables)}
    retired = []
    for schema in schemas:
        folder = root / schema
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_dir() and not path.name.startswith(".") and path not in keep:
                os.rename(path, _retired_name(path))
                retired.append(path)
        sweep(folder)
    return retired


def export_parquet(
    con: duckdb.DuckDBPyConnection, root: Path, tables: list[str] | None = None, keep_replaced: bool = True
) -> list[ExportedTable]:
    """Export every core and marts table (or the named ones) under ``root``.

    ``keep_replaced=False`` removes every replaced version at once, grace period or not: an
    erasure (``cxp forget``) must not leave the person in a hidden copy.
    """
    everything = exported_tables(con)
    chosen = everything if tables is None else tables
    exported = [write_table(con, table, root.joinpath(*table.split("."))) for table in chosen]
    if tables is None:
        remove_stale(root, everything)
    if not keep_replaced:
        for schema in EXPORTED_SCHEMAS:
            sweep(root / schema, grace_seconds=0)
    return exported
