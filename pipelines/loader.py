"""Load export files into ``raw.<connector>__<entity>`` with a full audit trail.

Per file, in one transaction: every record the connector reads lands in its raw table or
in ``audit.quarantine`` with a reason, and ``audit.loads`` gets one row proving
read = loaded + quarantined. A file already loaded (same sha256) is skipped; a file that
cannot be read at all is rolled back and recorded with its error, and loading goes on.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from connectors.base import Connector, Reject, UnreadableFile
from models.config import CxpConfig
from models.schema import arrow_schema, duckdb_columns

log = logging.getLogger(__name__)

AUDIT_DDL = """
create table if not exists audit.loads (
    source_file varchar not null,      -- path relative to the exports directory
    connector varchar not null,
    sha256 varchar not null,
    bytes bigint,
    records_read bigint not null,
    records_loaded bigint not null,
    records_quarantined bigint not null,
    status varchar not null,            -- loaded | failed
    error varchar,                      -- why a failed file could not be read
    loaded_at timestamp not null        -- UTC
);
create table if not exists audit.quarantine (
    connector varchar not null,
    entity varchar not null,
    source_file varchar not null,
    source_row bigint not null,
    reason varchar not null,
    record varchar,                     -- the original text of the record
    quarantined_at timestamp not null   -- UTC
);
"""


@dataclass
class FileLoad:
    source_file: str
    status: str  # loaded | failed | skipped
    records_read: int = 0
    records_loaded: int = 0
    records_quarantined: int = 0
    error: str | None = None


@dataclass
class ConnectorLoad:
    connector: str
    files: list[FileLoad] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def records_loaded(self) -> int:
        return sum(f.records_loaded for f in self.files)

    @property
    def records_quarantined(self) -> int:
        return sum(f.records_quarantined for f in self.files)


def ensure_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, connector: Connector) -> None:
    """Create each entity's raw table, and add columns a newer model introduced (raw tables only grow)."""
    for entity, model in connector.entities.items():
        table = connector.raw_table(entity)
        cols = duckdb_columns(model) + [("_source_file", "VARCHAR"), ("_source_row", "BIGINT"), ("_loaded_at", "TIMESTAMP")]
        ddl = ", ".join(f'"{name}" {typ}' for name, typ in cols)
        con.execute(f"create table if not exists {table} ({ddl})")
        schema, name = table.split(".")
        existing = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [schema, name]
            ).fetchall()
        }
        for col, typ in cols:
            if col not in existing:
                con.execute(f'alter table {table} add column "{col}" {typ}')


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_connector(
    con: duckdb.DuckDBPyConnection, connector: Connector, exports_dir: Path, config: CxpConfig
) -> ConnectorLoad:
    """Load every new file of one connector's folder."""
    ensure_audit_tables(con)
    ensure_raw_tables(con, connector)
    report = ConnectorLoad(connector.name)
    folder = Path(exports_dir) / connector.name
    if not folder.is_dir():
        return report
    schemas = {entity: arrow_schema(model) for entity, model in connector.entities.items()}
    for path in connector.files(folder):
        relative = path.relative_to(exports_dir).as_posix()
        sha = file_sha256(path)
        already = con.execute(
            "select 1 from audit.loads where connector = ? and sha256 = ? and status = 'loaded' limit 1", [connector.name, sha]
        ).fetchone()
        if already:
            report.files.append(FileLoad(relative, "skipped"))
            continue
        report.files.append(_load_file(con, connector, path, relative, sha, schemas, config))
    return report


def _load_file(con, connector: Connector, path: Path, relative: str, sha: str, schemas, config: CxpConfig) -> FileLoad:
    loaded_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    result = FileLoad(relative, "loaded")
    con.begin()
    try:
        for chunk in connector.read(path, config):
            for entity, records in chunk.records.items():
                if records:
                    _append_records(con, connector.raw_table(entity), schemas[entity], records, relative, loaded_at)
                    result.records_loaded += len(records)
            if chunk.rejects:
                _append_rejects(con, connector.name, chunk.rejects, relative, loaded_at)
                result.records_quarantined += len(chunk.rejects)
        result.records_read = result.records_loaded + result.records_quarantined
        con.commit()
    except Exception as exc:  # a broken file must not stop the other files: record it and go on
        con.rollback()
        reason = str(exc) if isinstance(exc, UnreadableFile) else f"{type(exc).__name__}: {exc}"
        log.warning("cannot load %s: %s", relative, reason)
        result = FileLoad(relative, "failed", error=reason)
    # A failed file is retried on every run; keep only its latest attempt so reruns stay idempotent.
    con.execute("delete from audit.loads where connector = ? and sha256 = ? and status = 'failed'", [connector.name, sha])
    con.execute(
        "insert into audit.loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [relative, connector.name, sha, path.stat().st_size, result.records_read, result.records_loaded,
         result.records_quarantined, result.status, result.error, loaded_at],
    )
    return result


def _append_records(con, table: str, schema: pa.Schema, records: list[dict], source_file: str, loaded_at) -> None:
    batch = pa.Table.from_pylist(records, schema=schema)
    rows = pa.array([r["_source_row"] for r in records], type=pa.int64())
    batch = batch.append_column("_source_file", pa.array([source_file] * len(records), type=pa.string()))
    batch = batch.append_column("_source_row", rows)
    batch = batch.append_column("_loaded_at", pa.array([loaded_at] * len(records), type=pa.timestamp("us")))
    con.register("_cxp_batch", batch)
    try:
        con.execute(f"insert into {table} by name select * from _cxp_batch")
    finally:
        con.unregister("_cxp_batch")


def _append_rejects(con, connector: str, rejects: list[Reject], source_file: str, loaded_at) -> None:
    batch = pa.table(
        {
            "connector": [connector] * len(rejects),
            "entity": [r.entity for r in rejects],
            "source_file": [source_file] * len(rejects),
            "source_row": pa.array([r.source_row for r in rejects], type=pa.int64()),
            "reason": [r.reason for r in rejects],
            "record": [r.record for r in rejects],
            "quarantined_at": pa.array([loaded_at] * len(rejects), type=pa.timestamp("us")),
        }
    )
    con.register("_cxp_rejects", batch)
    try:
        con.execute("insert into audit.quarantine by name select * from _cxp_rejects")
    finally:
        con.unregister("_cxp_rejects")
