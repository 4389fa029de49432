"""Where the warehouse lives, how the pipeline opens it, and how a finished run is published.

The pipeline writes a private build database (``<warehouse>/.build/cx.duckdb``). After a
successful run it is swapped in as ``<warehouse>/cx.duckdb`` with an atomic rename, so
analysts opening it (read-only) are never locked out by DuckDB's single writer and never
see a half-finished run.

Publishing links the published name to the build's file instead of copying it (a copy of
a 1M-customer warehouse is 9 GB of writes). The two names then share one file until the
next writer opens the build: ``connect_build`` first gives the build a copy of its own, so
the published file is never written to. A first build therefore never copies, a later
one copies where it starts instead of where it ends, and between runs the warehouse is on
disk once, not twice.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory file locks
    fcntl = None

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
    _own_build_file(warehouse_dir)
    con = duckdb.connect(str(path))
    con.execute(f"set memory_limit = '{resolve_memory_limit(config.duckdb_memory_limit, beside_python=beside_python)}'")
    con.execute(f"set temp_directory = '{path.parent / 'tmp'}'")
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    register_functions(con, config)
    return con


def _own_build_file(warehouse_dir: str | os.PathLike) -> None:
    """Make the build database a file of its own before anything writes to it.

    Without a build, the published warehouse (from an earlier build, or copied from
    elsewhere) seeds it, so already-loaded files are still recognised and skipped. A build
    that shares its file with the published one (``publish`` links them) is replaced by a
    copy, so writes never reach what analysts read."""
    path, published = build_path(warehouse_dir), published_path(warehouse_dir)
    if not published.exists():
        return
    # Two processes opening the build at once must not both copy: the second would swap
    # the file under the first one's connection.
    with open(path.parent / ".lock", "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists() and not os.path.samefile(path, published):
            return
        staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        shutil.copyfile(published, staging)
        os.replace(staging, path)


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
    with duckdb.connect() as con:  # the build is only read: it may be the published file (publish)
        con.execute(f"attach '{source}' as build (read_only)")
        con.execute(f"attach '{fresh}' as fresh")
        con.execute("copy from database build to fresh")
        con.execute("detach fresh")
    os.replace(fresh, source)
    source.with_name(source.name + ".wal").unlink(missing_ok=True)


def publish(warehouse_dir: str | os.PathLike) -> Path:
    """Swap the build database in as the published one, atomically (link or copy, fsync, rename)."""
    source = build_path(warehouse_dir)
    target = published_path(warehouse_dir)
    # Flush the WAL into the file so the file is complete on its own.
    with duckdb.connect(str(source)) as con:
        con.execute("checkpoint")
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    try:
        os.link(source, staging)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, staging)
    with open(staging, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(staging, target)
    return target
