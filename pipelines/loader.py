"""Load export files into ``raw.<connector>__<entity>`` with a full audit trail.

Per file, in one transaction: every record the connector reads lands in its raw table or
in ``audit.quarantine`` with a reason, and ``audit.loads`` gets one row proving
read = loaded + quarantined. A file already loaded (same sha256) is skipped; a file that
cannot be read at all is rolled back and recorded with its error, and loading goes on.

Reading is Python and holds the GIL; DuckDB lets go of it while it inserts. So the writes
run on a thread of their own (``_Writer``), in the order they were handed over, while the
next chunk is read. The overlap is partial: DuckDB's insert already uses both cores for
part of its time (100,000 customers: ingest 45 s -> 40 s).

A folder of several files is read by worker processes (``pipelines.file_reader``,
``read_processes`` in cxp.yaml). They read the next files while this process writes the
one before, and the files are still written in order, each exactly as if it had been read
here. A large plain file of JSON lines is cut into parts the workers read side by side,
written part by part in the file's one transaction. Reading a lone file that cannot be cut
stays in this process, where it streams into the writer.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import queue
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from connectors.base import Connector, FilePart
from connectors.json_columns import plan_parts
from models.config import CxpConfig
from models.schema import arrow_schema, duckdb_columns
from pipelines.file_reader import (
    REJECTS, SpilledFile, can_run_in_worker, failure_reason, file_tables, read_pool, read_processes, read_spill, spill_file,
)
from pipelines.sql_models import quote_identifier

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


# Raw text is stored with ZSTD rather than left to DuckDB's choice (DICT_FSST for nearly all
# of it). Choosing and building FSST tables is what a load's commit spends its time on, on
# one core: Mixpanel's 521,418 events at 100,000 customers committed in 3.3 s, 1.4 s with
# ZSTD, and the property bags took 90 MB instead of 158. Raw tables are written once and
# scanned whole by staging, which reads them no slower (whole pipeline, two interleaved
# pairs: loads 50.8/51.2 s -> 42.0/42.7 s, staging 12.6/15.5 s -> 14.4/11.6 s, the whole
# warehouse 894-897 MB either way).
RAW_TEXT_COMPRESSION = "zstd"


def _raw_column(name: str, duckdb_type: str) -> str:
    compression = f" using compression {RAW_TEXT_COMPRESSION}" if duckdb_type == "VARCHAR" else ""
    return f"{quote_identifier(name)} {duckdb_type}{compression}"


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, connector: Connector) -> None:
    """Create each entity's raw table, and add columns a newer model introduced (raw tables only grow)."""
    for entity, model in connector.entities.items():
        table = connector.raw_table(entity)
        cols = duckdb_columns(model) + [("_source_file", "VARCHAR"), ("_source_row", "BIGINT"), ("_loaded_at", "TIMESTAMP")]
        ddl = ", ".join(_raw_column(name, typ) for name, typ in cols)
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
                con.execute(f"alter table {table} add column {_raw_column(col, typ)}")


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
# A large plain file whose connector reads parts (records that are lines) is cut into parts
# of about this size for the reading workers: one worker alone would read it, and the file
# could only be written once all of it was read. In parts, the workers read side by side
# and each part is written while the next ones are read.
PART_BYTES = 32 << 20
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
        _load_files(writer, connector, folder, exports_dir, loaded, schemas, config, report, _spill_dir(con))
    finally:
        try:
            writer.close()
        finally:
            con.execute(f"set checkpoint_threshold = '{threshold}'")
    con.execute("checkpoint")
    return report


def _spill_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """Where workers spill the files they read: DuckDB's own temp directory (beside the build
    database), else the system's."""
    setting = con.execute("select current_setting('temp_directory')").fetchone()[0]
    folder = Path(setting) if setting else Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    if setting:  # a load cut short (the process killed) leaves its spills; only one load runs at a time
        for stale in folder.glob("cxp-read-*.arrow"):
            stale.unlink(missing_ok=True)
    return folder


def _load_files(writer: _Writer, connector: Connector, folder: Path, exports_dir: Path, loaded: set[str], schemas, config,
                report, spill_dir: Path) -> None:
    files = list(connector.files(folder))
    processes = read_processes(config)
    batch = _Batch(writer, connector, loaded, report)
    # One file is read here, streaming into the writer; several are read by worker processes
    # (a worker hands back a whole file, which only pays when the next one is read meanwhile),
    # and so are the parts of a large one.
    plans = {files[0]: _plan(connector, files[0], files[0].stat().st_size)} if len(files) == 1 and processes >= 1 else {}
    several = len(files) >= 2 or any(plan is not None for plan in plans.values())
    if processes >= 1 and several and can_run_in_worker(connector):
        _load_in_workers(batch, files, exports_dir, config, processes, spill_dir, plans)
    else:
        _load_here(batch, files, exports_dir, schemas, config)
    batch.flush()


class _Batch:
    """Files read, in order: their audit rows, and small files' tables written together."""

    def __init__(self, writer: _Writer, connector: Connector, loaded: set[str], report: ConnectorLoad):
        self.writer, self.connector, self.loaded, self.report = writer, connector, loaded, report
        self.staged = _Staged()

    def skip(self, relative: str, sha: str) -> bool:
        """Whether a file's content is loaded already (by an earlier run, or earlier in this one)."""
        if sha in self.loaded:
            self.report.files.append(FileLoad(relative, "skipped"))
            return True
        return False

    def record(self, result: FileLoad, sha: str, size: int, loaded_at) -> None:
        self.staged.audit_rows.append(
            [result.source_file, self.connector.name, sha, size, result.records_read, result.records_loaded,
             result.records_quarantined, result.status, result.error, loaded_at]
        )
        if result.status == "loaded":
            self.loaded.add(sha)  # the same content again under another name is skipped too
        self.report.files.append(result)
        if self.staged.records >= BATCH_RECORDS:
            self.flush()

    def flush(self) -> None:
        """Hand the staged files and pending audit rows to the writer (a large file's own
        transaction must come after everything read before it)."""
        _write_staged(self.writer, self.connector, self.staged)
        self.staged = _Staged()


def _load_here(batch: _Batch, files: list[Path], exports_dir: Path, schemas, config) -> None:
    for path in files:
        relative = path.relative_to(exports_dir).as_posix()
        sha = file_sha256(path)
        if batch.skip(relative, sha):
            continue
        size = path.stat().st_size
        loaded_at = _now()
        if size <= SMALL_FILE_BYTES:
            result = _read_small_file(batch.connector, path, relative, schemas, config, loaded_at, batch.staged)
        else:
            batch.flush()
            result = _stream_large_file(batch.writer, batch.connector, path, relative, schemas, config, loaded_at)
        batch.record(result, sha, size, loaded_at)


@dataclass
class _Task:
    """A file, or one part of a file, handed to the reading workers (``future`` None: not
    handed over, as its content was queued or loaded before)."""

    relative: str
    sha: str
    size: int
    loaded_at: dt.datetime
    future: Future | None
    part: FilePart | None = None
    last: bool = True  # the whole file, or its last part


def _plan(connector: Connector, path: Path, size: int) -> list[FilePart] | None:
    """A large plain file cut into parts for the workers, when its connector reads parts."""
    if connector.read_part is None or size < 2 * PART_BYTES:
        return None
    return plan_parts(path, PART_BYTES)


def _load_in_workers(batch: _Batch, files: list[Path], exports_dir: Path, config, processes: int, spill_dir: Path,
                     plans: dict[Path, list[FilePart] | None]) -> None:
    """Files (or parts of one large file) read by worker processes, a few ahead of the one
    being written, taken in file order. ``plans``: files already cut into parts (or not)."""
    pool: ProcessPoolExecutor | None = read_pool(processes)
    ahead: deque[_Task] = deque()
    queued: set[str] = set()
    in_parts = _FileInParts(batch)

    def read(task: _Task) -> SpilledFile | None:
        """The task's spilled tables; None for a file not handed over that is loaded by now."""
        nonlocal pool
        if task.future is None:  # the same content as a file queued before it: loaded by then, unless that failed
            if batch.skip(task.relative, task.sha):
                return None
        else:
            try:
                return task.future.result()
            except BrokenProcessPool as exc:
                # A worker died (killed, out of memory) or could not start (a script that runs
                # the pipeline when imported, without `if __name__ == "__main__"`): this and the
                # remaining files are read here.
                log.warning("reading worker processes failed (%s); reading %s in the loader's process", exc, task.relative)
                if pool is not None:  # the files queued behind it failed with the same pool
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
        return spill_file(batch.connector, str(exports_dir / task.relative), task.relative, config, task.loaded_at,
                          str(spill_dir), task.part)

    def finish() -> None:
        task = ahead.popleft()
        spilled = read(task)
        if spilled is None:
            return
        if task.part is not None:
            result = in_parts.add(spilled, task.relative, task.part.start == 0, task.last)
            if result is None:
                return  # more parts of the file to come
        elif spilled.status == "failed":
            result = _failure(task.relative, spilled.error)
        elif task.size <= SMALL_FILE_BYTES:
            result = _stage_spilled(spilled, task.relative, batch.staged)
        else:
            batch.flush()
            result = _write_spilled_file(batch.writer, batch.connector, spilled, task.relative)
        batch.record(result, task.sha, task.size, task.loaded_at)

    def submit(path: Path, relative: str, loaded_at, part: FilePart | None = None) -> Future:
        return pool.submit(spill_file, batch.connector, str(path), relative, config, loaded_at, str(spill_dir), part)

    try:
        for path in files:
            relative = path.relative_to(exports_dir).as_posix()
            sha = file_sha256(path)
            if not ahead and batch.skip(relative, sha):
                continue
            loaded_at, size = _now(), path.stat().st_size
            if pool is None or sha in queued or sha in batch.loaded:
                tasks = [_Task(relative, sha, size, loaded_at, None)]
            else:
                queued.add(sha)
                parts = plans[path] if path in plans else _plan(batch.connector, path, size)
                tasks = (
                    [_Task(relative, sha, size, loaded_at, submit(path, relative, loaded_at))] if parts is None else
                    [_Task(relative, sha, size, loaded_at, submit(path, relative, loaded_at, part), part, index == len(parts) - 1)
                     for index, part in enumerate(parts)]
                )
            for task in tasks:
                ahead.append(task)
                while len(ahead) > processes:
                    finish()
        while ahead:
            finish()
    finally:
        for task in ahead:  # a load that failed: nothing more is read, nothing is left behind
            if task.future is not None and not task.future.cancel():
                try:
                    task.future.result().remove()
                except Exception:  # the worker's own failure: it left no files
                    pass
        in_parts.discard()
        if pool is not None:
            pool.shutdown(wait=True)


class _FileInParts:
    """A large file whose parts workers read: written in one transaction of its own, part by
    part as they arrive, while the workers read the next parts; a part that failed fails the
    file, and the parts written before it are rolled back."""

    def __init__(self, batch: _Batch):
        self.batch = batch
        self.spills: list[SpilledFile] = []
        self.failure: str | None = None
        self.loaded = self.quarantined = 0

    def add(self, spilled: SpilledFile, relative: str, first: bool, last: bool) -> FileLoad | None:
        """Write one part; after the last, end the file's transaction and return the file's load."""
        writer = self.batch.writer
        if first:
            self.batch.flush()
            writer.submit(lambda con: con.begin())
        self.spills.append(spilled)
        if spilled.status == "failed":
            self.failure = self.failure or spilled.error
        elif self.failure is None:
            _submit_spilled(writer, self.batch.connector, spilled)
            writer.submit(lambda con: spilled.remove())  # written: its disk space is free for the next parts
            self.loaded += spilled.records_loaded
            self.quarantined += spilled.records_quarantined
        if not last:
            return None
        failure = _end_file_transaction(writer, self.failure)
        read, loaded, quarantined = self.loaded + self.quarantined, self.loaded, self.quarantined
        self.discard()
        if failure is not None:
            return _failure(relative, failure)
        return FileLoad(relative, "loaded", read, loaded, quarantined)

    def discard(self) -> None:
        """Remove what is left of the file's spills, and start afresh for the next file."""
        for spilled in self.spills:
            spilled.remove()
        self.spills, self.failure = [], None
        self.loaded = self.quarantined = 0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _stage_spilled(spilled: SpilledFile, relative: str, staged: _Staged) -> FileLoad:
    """A small file a worker read, staged to be written with the next batch."""
    try:
        for entity, path in spilled.tables.items():
            staged.tables.setdefault(entity, []).append(read_spill(path).read_all())
        if spilled.rejects:
            staged.rejects.append(read_spill(spilled.rejects).read_all())
    finally:
        spilled.remove()
    result = _spilled_load(spilled, relative)
    staged.records += result.records_read
    return result


def _write_spilled_file(writer: _Writer, connector: Connector, spilled: SpilledFile, relative: str) -> FileLoad:
    """A large file a worker read, written in one transaction of its own; a failure rolls it back."""
    writer.submit(lambda con: con.begin())
    _submit_spilled(writer, connector, spilled)
    failure = _end_file_transaction(writer)
    spilled.remove()
    return _spilled_load(spilled, relative) if failure is None else _failure(relative, failure)


def _submit_spilled(writer: _Writer, connector: Connector, spilled: SpilledFile) -> None:
    """Hand the writer the inserts of a spilled file's (or part's) tables and rejects."""
    for entity, path in spilled.tables.items():
        writer.submit(_inserting_spill(connector.raw_table(entity), path))
    if spilled.rejects:
        writer.submit(_inserting_spill("audit.quarantine", spilled.rejects))


def _spilled_load(spilled: SpilledFile, relative: str) -> FileLoad:
    read = spilled.records_loaded + spilled.records_quarantined
    return FileLoad(relative, "loaded", read, spilled.records_loaded, spilled.records_quarantined)


def _failure(relative: str, exc: BaseException | str) -> FileLoad:
    reason = exc if isinstance(exc, str) else failure_reason(exc)
    log.warning("cannot load %s: %s", relative, reason)
    return FileLoad(relative, "failed", error=reason)


def _read_small_file(connector, path, relative, schemas, config, loaded_at, staged: _Staged) -> FileLoad:
    """Read a whole small file into Arrow; nothing of it is staged unless all of it reads."""
    tables: dict[str, list[pa.Table]] = {}
    rejects: list[pa.Table] = []
    result = FileLoad(relative, "loaded")
    try:
        for name, table in file_tables(connector, path, config, schemas, relative, loaded_at):
            if name == REJECTS:
                rejects.append(table)
                result.records_quarantined += table.num_rows
            else:
                tables.setdefault(name, []).append(table)
                result.records_loaded += table.num_rows
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
        for name, table in file_tables(connector, path, config, schemas, relative, loaded_at):
            if name == REJECTS:
                writer.submit(_inserting("audit.quarantine", table))
                result.records_quarantined += table.num_rows
            else:
                writer.submit(_inserting(connector.raw_table(name), table))
                result.records_loaded += table.num_rows
            if writer.failed:
                break  # the rest of the file would be rolled back anyway
        result.records_read = result.records_loaded + result.records_quarantined
    except Exception as exc:  # a broken file must not stop the other files: roll it back and go on
        failure = _end_file_transaction(writer, exc)
    else:
        failure = _end_file_transaction(writer)
    return result if failure is None else _failure(relative, failure)


def _end_file_transaction(writer: _Writer, failure: BaseException | str | None = None) -> BaseException | str | None:
    """Commit a file's own transaction once all its writes have run, or roll it back when
    reading it (``failure``) or writing it failed; returns what failed."""
    if failure is None:
        failure = writer.sync()
        if failure is None:
            writer.submit(lambda con: con.commit())
            failure = writer.sync()
    if failure is not None:
        writer.sync()  # nothing of this file may still be queued when it is rolled back
        writer.submit(lambda con: con.rollback(), fatal=True)
        writer.sync()
    return failure


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


def _inserting(table: str, batch: pa.Table) -> Callable[[duckdb.DuckDBPyConnection], None]:
    return lambda con: _insert(con, table, batch)


def _inserting_spill(table: str, path: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """Insert a spilled table batch by batch, so no more than a batch of it is in memory."""
    return lambda con: _insert(con, table, read_spill(path))


def _insert(con, table: str, batch: pa.Table | pa.RecordBatchReader) -> None:
    con.register("_cxp_batch", batch)
    try:
        con.execute(f"insert into {table} by name select * from _cxp_batch")
    finally:
        con.unregister("_cxp_batch")
