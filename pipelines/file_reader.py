"""One export file read into Arrow tables, in the loader's process or in a worker process.

A connector reads a file into chunks of records and rejects. Here they become tables in
each raw table's shape, lineage columns included, and tables of rejects for
``audit.quarantine``.

Reading is mostly Python and holds the GIL, so a second thread gains little: Zendesk read
in two threads took longer than in one. Worker processes do gain, a little on two cores where
DuckDB's writes want both as well (100,000 customers, five interleaved pairs: all connectors
loaded in a median 48.6 s in one process, 46.1 s with two workers, at 10-30% more CPU), and
more with more cores. ``read_pool`` reads files in worker processes. A worker reads one
whole file (or one part of a large one, ``FilePart``) exactly as the loader would in its own
process. It spills the file's tables to Arrow IPC files in DuckDB's temp directory and
returns where they are. The loader reads them back and writes them in file order while the
workers read the next files (see ``pipelines.loader``).
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from connectors.base import Connector, FilePart, Reject, UnreadableFile
from models.config import CxpConfig
from models.schema import arrow_schema


def chunk_tables(chunk, schemas: dict[str, pa.Schema], source_file: str, loaded_at) -> Iterator[tuple[str, pa.Table]]:
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


def rejects_table(connector: str, rejects: list[Reject], source_file: str, loaded_at) -> pa.Table:
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


def failure_reason(exc: BaseException) -> str:
    """What audit.loads says about a file that could not be read."""
    return str(exc) if isinstance(exc, UnreadableFile) else f"{type(exc).__name__}: {exc}"


# --- reading in a worker process ------------------------------------------------------

@dataclass
class SpilledFile:
    """A file a worker read: its counts, and where its tables wait (Arrow IPC stream files,
    one per raw table and one for the rejects), or why it could not be read."""

    status: str  # loaded | failed
    records_loaded: int = 0
    records_quarantined: int = 0
    error: str | None = None
    tables: dict[str, str] = field(default_factory=dict)  # entity -> spill file
    rejects: str | None = None

    @property
    def paths(self) -> list[str]:
        return [*self.tables.values(), *([self.rejects] if self.rejects else [])]

    def remove(self) -> None:
        for path in self.paths:
            Path(path).unlink(missing_ok=True)


def read_spill(path: str) -> pa.RecordBatchReader:
    """A spilled table, batch by batch (read, not memory-mapped: pages read are not kept)."""
    return pa.ipc.open_stream(pa.OSFile(path, "rb"))


class _Spill:
    """One IPC stream file per table name, opened at its first batch."""

    def __init__(self, spill_dir: Path):
        self.dir = spill_dir
        self.prefix = uuid.uuid4().hex
        self.writers: dict[str, pa.ipc.RecordBatchStreamWriter] = {}
        self.paths: dict[str, str] = {}

    def write(self, name: str, table: pa.Table) -> None:
        writer = self.writers.get(name)
        if writer is None:
            path = self.dir / f"cxp-read-{self.prefix}-{name}.arrow"
            self.paths[name] = str(path)
            writer = self.writers[name] = pa.ipc.new_stream(str(path), table.schema)
        writer.write_table(table)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


REJECTS = "__rejects"  # the name a file's rejects go by among its tables


def file_tables(connector: Connector, path: Path, config: CxpConfig, schemas: dict[str, pa.Schema], relative: str,
                loaded_at, part: FilePart | None = None) -> Iterator[tuple[str, pa.Table]]:
    """A file's (or one part's) records as raw-table-shaped tables, chunk by chunk, each
    named by its entity; its rejects as ``audit.quarantine`` tables named ``REJECTS``."""
    chunks = connector.read(path, config) if part is None else connector.read_part(path, config, part)
    for chunk in chunks:
        yield from chunk_tables(chunk, schemas, relative, loaded_at)
        if chunk.rejects:
            yield REJECTS, rejects_table(connector.name, chunk.rejects, relative, loaded_at)


def spill_file(connector: Connector, path: str, relative: str, config: CxpConfig, loaded_at, spill_dir: str,
               part: FilePart | None = None) -> SpilledFile:
    """Read one file, or one part of it, with its connector and spill its tables (runs in a worker process)."""
    schemas = {entity: arrow_schema(model) for entity, model in connector.entities.items()}
    spill = _Spill(Path(spill_dir))
    result = SpilledFile("loaded")
    try:
        for name, table in file_tables(connector, Path(path), config, schemas, relative, loaded_at, part):
            spill.write(name, table)
            if name == REJECTS:
                result.records_quarantined += table.num_rows
            else:
                result.records_loaded += table.num_rows
    except Exception as exc:  # a broken file must not stop the other files: the loader records it
        spill.close()
        for written in spill.paths.values():
            Path(written).unlink(missing_ok=True)
        return SpilledFile("failed", error=failure_reason(exc))
    spill.close()
    result.tables = {name: p for name, p in spill.paths.items() if name != REJECTS}
    result.rejects = spill.paths.get(REJECTS)
    return result


# --- the pool -----------------------------------------------------------------------------

def can_run_in_worker(connector: Connector) -> bool:
    """Whether a worker process can be handed the connector: its functions are importable by
    name (a connector made on the fly, as tests do, is read in the loader's process)."""
    try:
        pickle.dumps(connector)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def read_processes(config: CxpConfig) -> int:
    """How many worker processes read files: ``read_processes`` from cxp.yaml, 'auto' = one per core."""
    setting = config.read_processes
    return (os.cpu_count() or 1) if setting == "auto" else int(setting)


def read_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of reading workers for one connector's load (shut it down when the load ends:
    the memory a worker's reading leaves behind goes with it).

    Workers fork from a server process that has imported the connectors once, never from
    this one: the loader's process runs DuckDB's and Dagster's threads, and a fork copies
    the locks they hold. The server lives as long as this process, so a pool starts in
    milliseconds after the first."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["connectors", "pipelines.file_reader"])
    return ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_start_worker)


def _start_worker() -> None:
    from connectors import json_columns

    json_columns.THREADS = 1  # the workers are as many as the cores already
