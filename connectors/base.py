"""What every connector hands the loader: typed record batches and rejects with reasons.

A connector turns one export file into a stream of ``Chunk``s. Every physical record it
reads (CSV data row, JSON object, JSON line) ends up either as a record dict in
``Chunk.records`` or as a ``Reject`` with a reason a person understands; the loader relies
on that to prove read = loaded + quarantined. A file that cannot be read at all raises
``UnreadableFile``. Connectors never touch the warehouse and never import Dagster.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel

from models.config import CxpConfig


class UnreadableFile(Exception):
    """The file as a whole cannot be read (not a zip, truncated gzip, unknown layout)."""


@dataclass(frozen=True, slots=True)
class Reject:
    entity: str
    source_row: int  # 1-based physical record number in the file
    reason: str  # e.g. "Star Rating 7 outside 1..5"
    record: str  # the original text of the record


@dataclass(slots=True)
class Chunk:
    """A bounded batch of records and rejects.

    Records come either as dicts keyed by the entity model's field names (``records``) or,
    from connectors that parse column by column, as Arrow tables with those column names
    (``tables``): at millions of events a dict per record costs more than the parsing.
    Each record carries ``_source_row``; the loader adds the other lineage columns and casts
    to the model's Arrow schema. A field left out loads as NULL (the CSV connectors leave
    blank cells out).
    """

    records: dict[str, list[dict]] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    tables: dict[str, pa.Table] = field(default_factory=dict)

    def add(self, entity: str, record: dict) -> None:
        self.records.setdefault(entity, []).append(record)

    def reject(self, entity: str, source_row: int, reason: str, record: str) -> None:
        self.rejects.append(Reject(entity, source_row, reason, record))

    def as_dicts(self) -> dict[str, list[dict]]:
        """Every record as a dict, whichever way it came (for tests and tools; the loader takes tables as they are)."""
        rows = {entity: list(records) for entity, records in self.records.items()}
        for entity, table in self.tables.items():
            rows.setdefault(entity, []).extend(table.to_pylist())
        return rows

    def __len__(self) -> int:
        return (
            sum(len(rows) for rows in self.records.values())
            + sum(table.num_rows for table in self.tables.values())
            + len(self.rejects)
        )


@dataclass(frozen=True, slots=True)
class FilePart:
    """A stretch of a large plain file whose records are its lines, read apart from the rest
    of the file (by another process): bytes ``start`` to ``end``, both at the start of a
    line, after ``lines_before`` physical lines holding ``records_before`` records, so rows
    and line numbers count from the start of the file as when it is read whole."""

    start: int
    end: int
    lines_before: int
    records_before: int


Reader = Callable[[Path, CxpConfig], Iterable[Chunk]]
PartReader = Callable[[Path, CxpConfig, FilePart], Iterable[Chunk]]


@dataclass(frozen=True)
class Connector:
    """One export format. ``name`` is the exports folder name and the raw table prefix (contract)."""

    name: str
    source: str  # the tool, e.g. "shopify": staging tables are stg_<source>__<entity>
    patterns: tuple[str, ...]  # glob patterns, matched case-insensitively against file names in the folder
    entities: dict[str, type[BaseModel]]  # entity -> raw record model (raw.<name>__<entity>)
    read: Reader
    description: str = ""
    # entity -> raw column holding the record's source_record_id (DESIGN.md's id per folder):
    # how erasure finds every raw version of a resolved customer's records.
    record_id_columns: dict[str, str] = field(default_factory=dict)
    # Reads one FilePart of a file exactly as ``read`` reads that stretch of the whole file:
    # for connectors whose records are the lines of a file, so that parts of one large
    # export can be read side by side (see json_columns.plan_parts).
    read_part: PartReader | None = None

    def raw_table(self, entity: str) -> str:
        return f"raw.{self.name}__{entity}"

    def files(self, folder: Path) -> list[Path]:
        """Files of this format in ``folder`` (recursively, so vendor sub-folders work), sorted for a stable load order."""
        import fnmatch

        found = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            if any(fnmatch.fnmatch(path.name.lower(), pat.lower()) for pat in self.patterns):
                found.append(path)
        return found


def chunked(records: Iterable[tuple[str, dict] | Reject], size: int) -> Iterator[Chunk]:
    """Group a stream of (entity, record) pairs and Rejects into Chunks of at most ``size`` items."""
    chunk, count = Chunk(), 0  # counted here: len(chunk) per item would cost more than reading the record
    for item in records:
        if isinstance(item, Reject):
            chunk.rejects.append(item)
        else:
            chunk.add(*item)
        count += 1
        if count >= size:
            yield chunk
            chunk, count = Chunk(), 0
    if count:
        yield chunk
