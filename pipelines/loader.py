"""Load export files into ``raw.<connector>__<entity>`` with a full audit trail.

Per file, in one transaction: every record the connector reads lands in its raw table or
in ``audit.quarantine`` with a reason, and ``audit.loads`` gets one row proving
read = loaded + quarantined. A file already loaded (same sha256) is skipped; a file that
cannot be read at all is rolled back and recorded with its error, and loading goes on.

Reading is Python and holds the GIL; DuckDB lets go of it while it inserts. So the writes
run on a thread of their own (``_Writer``), in the order they were handed over, while the
next chunk is read. The overlap is partial: DuckDB's insert already uses both cores for
part of its time (100,000 customers: ingest 45 s -> 40 s).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator
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


# Files up to this size are read completely before anything is written, and several of
# them share one transaction: exports arrive as many small pages and objects, and a commit
# per file cost more than reading it. Larger files stream chunk by chunk in a transaction
# of their own, so memory stays bounded by a chunk, never by a file. A shared transaction
# takes about 100,000 records: the writer thread writes one batch while the next is read,
# and at 200,000 the last batch of a connector was written with nothing left to read beside
# it (100k customers, load alone: Zendesk 9.4-10.3 s -> 7.2-7.9 s, Mixpanel 10.4-11.0 -> 9.2-9.9).
SMALL_FILE_BYTES = 8 << 20
BATCH_RECORDS = 100_000
LOAD_CHECKPOINT_THRESHOLD = "1GB"


# Chunks read ahead of the writer: enough to keep both threads busy, few enough that
# memory stays bounded by a handful of chunks.
WRITE_QUEUE_DEPTH = 2


class _Writer:
    """Runs the loader's DuckDB work on one background thread, in submission order.

    After a job fails, the jobs queued behind it are skipped until ``sync`` hands the error
    to the reading thread: a job submitted as ``fatal`` fails the whole load (``sync``
    raises), any other failure is returned for the reader to act on (a file rolled back).
    Only this thread touches the connection while the writer is open.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, depth: int = WRITE_QUEUE_DEPTH):
        self._con = con
        self._jobs: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._fatal = False
        self._thread = threading.Thread(target=self._work, name="cxp-loader-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            try:
                if item is None:
                    return
                job, fatal = item
                if self._error is None:
                    try:
                        job(self._con)
                    except BaseException as exc:  # handed to the reading thread by sync()
                        self._error, self._fatal = exc, fatal
            finally:
                self._jobs.task_done()

    @property
    def failed(self) -> bool:
        return self._error is not None

    def submit(self, job: Callable[[duckdb.DuckDBPyConnection], object], fatal: bool = False) -> None:
        self._jobs.put((job, fatal))

    def sync(self) -> BaseException | None:
        """Wait until every submitted job has run; raise a fatal error, return (and clear) any other."""
        self._jobs.join()
        error, fatal = self._error, self._fatal
        self._error, self._fatal = None, False
        if fatal:
            raise error
        return error

    def close(self) -> None:
        """Finish the submitted work and stop the thread; raise what failed."""
        try:
            error = self.sync()
        finally:
            self._jobs.put(None)
            self._thread.join()
        if error is not None:
            raise error


@dataclass
class _Staged:
    """Small files read and waiting to be written together."""

    tables: dict[str, list[pa.Table]] = field(default_factory=dict)
    rejects: list[pa.Table] = field(default_factory=list)
    audit_rows: list[list] = field(default_factory=list)
    records: int = 0


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
    loaded = {r[0] for r in con.execute("select sha256 from audit.loads where connector = ? and status = 'loaded'", [connector.name]).fetchall()}
    threshold = con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]
    # DuckDB checkpoints whenever a commit leaves more than 16 MB of log, and each checkpoint
    # costs more as the tables grow: loading Zendesk at 1,000,000 customers spent 51 s of 93
    # in commits for 800 of its 1,200 files. A larger threshold checkpoints a few times per
    # load (same 800 files: 16 MB 50.7 s, 256 MB 24.7 s, 4 GB 15.4 s with the final checkpoint);
    # 1 GB bounds the data held in memory until it is checkpointed.
    con.execute(f"set checkpoint_threshold = '{LOAD_CHECKPOINT_THRESHOLD}'")
    writer = _Writer(con)
    try:
        _load_files(writer, connector, folder, exports_dir, loaded, schemas, config, report)
    finally:
        try:
            writer.close()
        finally:
            con.execute(f"set checkpoint_threshold = '{threshold}'")
    con.execute("checkpoint")
    return report


def _load_files(writer: _Writer, connector: Connector, folder: Path, exports_dir: Path, loaded: set[str], schemas, config, report) -> None:
    staged = _Staged()
    for path in connector.files(folder):
        relative = path.relative_to(exports_dir).as_posix()
        sha = file_sha256(path)
        if sha in loaded:
            report.files.append(FileLoad(relative, "skipped"))
            continue
        size = path.stat().st_size
        loaded_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        if size <= SMALL_FILE_BYTES:
            result = _read_small_file(connector, path, relative, schemas, config, loaded_at, staged)
        else:
            _write_staged(writer, connector, staged)
            staged = _Staged()
            result = _stream_large_file(writer, connector, path, relative, schemas, config, loaded_at)
        staged.audit_rows.append(
            [relative, connector.name, sha, size, result.records_read, result.records_loaded,
             result.records_quarantined, result.status, result.error, loaded_at]
        )
        if result.status == "loaded":
            loaded.add(sha)  # the same content again under another name is skipped too
        report.files.append(result)
        if staged.records >= BATCH_RECORDS:
            _write_staged(writer, connector, staged)
            staged = _Staged()
    _write_staged(writer, connector, staged)


def _failure(relative: str, exc: Exception) -> FileLoad:
    reason = str(exc) if isinstance(exc, UnreadableFile) else f"{type(exc).__name__}: {exc}"
    log.warning("cannot load %s: %s", relative, reason)
    return FileLoad(relative, "failed", error=reason)


def _read_small_file(connector, path, relative, schemas, config, loaded_at, staged: _Staged) -> FileLoad:
    """Read a whole small file into Arrow; nothing of it is staged unless all of it reads."""
    tables: dict[str, list[pa.Table]] = {}
    rejects: list[pa.Table] = []
    result = FileLoad(relative, "loaded")
    try:
        for chunk in connector.read(path, config):
            for entity, batch in _chunk_tables(chunk, schemas, relative, loaded_at):
                tables.setdefault(entity, []).append(batch)
                result.records_loaded += batch.num_rows
            if chunk.rejects:
                rejects.append(_rejects_table(connector.name, chunk.rejects, relative, loaded_at))
                result.records_quarantined += len(chunk.rejects)
    except Exception as exc:  # a broken file must not stop the other files: record it and go on
        return _failure(relative, exc)
    result.records_read = result.records_loaded + result.records_quarantined
    for entity, parts in tables.items():
        staged.tables.setdefault(entity, []).extend(parts)
    staged.rejects.extend(rejects)
    staged.records += result.records_read
    return result


def _stream_large_file(writer: _Writer, connector, path, relative, schemas, config, loaded_at) -> FileLoad:
    """Write a large file chunk by chunk inside one transaction; a failure rolls all of it back."""
    result = FileLoad(relative, "loaded")
    writer.submit(lambda con: con.begin())
    try:
        for chunk in connector.read(path, config):
            for entity, batch in _chunk_tables(chunk, schemas, relative, loaded_at):
                writer.submit(_inserting(connector.raw_table(entity), batch))
                result.records_loaded += batch.num_rows
            if chunk.rejects:
                writer.submit(_inserting("audit.quarantine", _rejects_table(connector.name, chunk.rejects, relative, loaded_at)))
                result.records_quarantined += len(chunk.rejects)
            if writer.failed:
                break  # the rest of the file would be rolled back anyway
        result.records_read = result.records_loaded + result.records_quarantined
    except Exception as exc:  # a broken file must not stop the other files: roll it back and go on
        failure = exc
    else:
        failure = writer.sync()
        if failure is None:
            writer.submit(lambda con: con.commit())
            failure = writer.sync()
    if failure is not None:
        writer.sync()  # nothing of this file may still be queued when it is rolled back
        writer.submit(lambda con: con.rollback(), fatal=True)
        writer.sync()
        return _failure(relative, failure)
    return result


def _write_staged(writer: _Writer, connector: Connector, staged: _Staged) -> None:
    """Hand the writer staged files and every pending audit row, to write in one transaction."""
    if not staged.audit_rows:
        return

    def write(con) -> None:
        con.begin()
        try:
            for entity, parts in staged.tables.items():
                _insert(con, connector.raw_table(entity), pa.concat_tables(parts))
            if staged.rejects:
                _insert(con, "audit.quarantine", pa.concat_tables(staged.rejects))
            for row in staged.audit_rows:
                # A failed file is retried on every run; keep only its latest attempt so reruns stay idempotent.
                con.execute("delete from audit.loads where connector = ? and sha256 = ? and status = 'failed'", [row[1], row[2]])
            con.executemany("insert into audit.loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", staged.audit_rows)
            con.commit()
        except Exception:
            con.rollback()
            raise

    writer.submit(write, fatal=True)


def _chunk_tables(chunk, schemas: dict[str, pa.Schema], source_file: str, loaded_at) -> Iterator[tuple[str, pa.Table]]:
    """Each entity's records of a chunk as one Arrow table in the raw table's shape, lineage included."""
    for entity, records in chunk.records.items():
        if records:
            batch = pa.Table.from_pylist(records, schema=schemas[entity])
            source_rows = pa.array([r["_source_row"] for r in records], type=pa.int64())
            yield entity, _with_lineage(batch, source_rows, source_file, loaded_at)
    for entity, table in chunk.tables.items():
        if table.num_rows:
            yield entity, _with_lineage(_conform(schemas[entity], table), table["_source_row"].cast(pa.int64()), source_file, loaded_at)


def _conform(schema: pa.Schema, table: pa.Table) -> pa.Table:
    """A connector's column-wise table cast to the model's schema; columns it left out load as NULL."""
    columns = [
        table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _with_lineage(batch: pa.Table, source_rows, source_file: str, loaded_at) -> pa.Table:
    rows = batch.num_rows
    batch = batch.append_column("_source_file", pa.array([source_file] * rows, type=pa.string()))
    batch = batch.append_column("_source_row", source_rows)
    return batch.append_column("_loaded_at", pa.array([loaded_at] * rows, type=pa.timestamp("us")))


def _rejects_table(connector: str, rejects: list[Reject], source_file: str, loaded_at) -> pa.Table:
    return pa.table(
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


def _inserting(table: str, batch: pa.Table) -> Callable[[duckdb.DuckDBPyConnection], None]:
    return lambda con: _insert(con, table, batch)


def _insert(con, table: str, batch: pa.Table) -> None:
    con.register("_cxp_batch", batch)
    try:
        con.execute(f"insert into {table} by name select * from _cxp_batch")
    finally:
        con.unregister("_cxp_batch")
