"""Where the warehouse lives, how the pipeline opens it, and how a finished run is published.

The pipeline writes a private build database (``<warehouse>/.build/cx.duckdb``). After a
successful run it is copied beside the published one and swapped in with an atomic
rename, so analysts opening ``<warehouse>/cx.duckdb`` (read-only) are never locked out by
DuckDB's single writer and never see a half-finished run.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from models.config import CxpConfig, resolve_memory_limit

DB_NAME = "cx.duckdb"
SCHEMAS = ("raw", "audit", "staging", "identity", "core", "marts")


def published_path(warehouse_dir: str | os.PathLike) -> Path:
    return Path(warehouse_dir) / DB_NAME


def build_path(warehouse_dir: str | os.PathLike) -> Path:
    return Path(warehouse_dir) / ".build" / DB_NAME


def parquet_dir(warehouse_dir: str | os.PathLike) -> Path:
    return Path(warehouse_dir) / "parquet"


def connect_build(warehouse_dir: str | os.PathLike, config: CxpConfig, beside_python: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the build database for writing, with the schemas and cxp's SQL functions in place.
    ``beside_python``: the caller's Python holds large data of its own, so DuckDB gets less
    memory (models.config.resolve_memory_limit)."""
    from pipelines.sql_functions import register_functions

    path = build_path(warehouse_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() and published_path(warehouse_dir).exists():
        # A warehouse published by an earlier build (or copied from elsewhere) seeds the
        # new build, so already-loaded files are still recognised and skipped.
        shutil.copyfile(published_path(warehouse_dir), path)
    con = duckdb.connect(str(path))
    con.execute(f"set memory_limit = '{resolve_memory_limit(config.duckdb_memory_limit, beside_python=beside_python)}'")
    con.execute(f"set temp_directory = '{path.parent / 'tmp'}'")
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    register_functions(con, config)
    return con


def connect_published(warehouse_dir: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the published warehouse, as analysts and ``cxp query`` use it."""
    path = published_path(warehouse_dir)
    if not path.exists():
        raise FileNotFoundError(f"no published warehouse at {path}: run `cxp run` first")
    return duckdb.connect(str(path), read_only=True)


def compact(warehouse_dir: str | os.PathLike) -> None:
    """Rewrite the build database into a fresh file.

    DuckDB leaves deleted rows in free blocks until they are reused; after an erasure the
    bytes must be gone, so every table is copied into a new file that replaces the old.
    """
    source = build_path(warehouse_dir)
    fresh = source.with_name(f".compact.{os.getpid()}.duckdb")
    fresh.unlink(missing_ok=True)
    with duckdb.connect(str(source)) as con:
        con.execute(f"attach '{fresh}' as fresh")
        name = con.execute("select current_database()").fetchone()[0]
        con.execute(f'copy from database "{name}" to fresh')
        con.execute("detach fresh")
    os.replace(fresh, source)
    source.with_name(source.name + ".wal").unlink(missing_ok=True)


def publish(warehouse_dir: str | os.PathLike) -> Path:
    """Copy the build database to the published path atomically (copy, fsync, rename)."""
    source = build_path(warehouse_dir)
    target = published_path(warehouse_dir)
    # Flush the WAL into the file so the copy is complete on its own.
    with duckdb.connect(str(source)) as con:
        con.execute("checkpoint")
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, staging)
    with open(staging, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(staging, target)
    return target
