"""Helpers for connector tests: read a file completely and look at what came out."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pytest

from connectors.base import Connector, Reject
from models.config import CxpConfig
from models.schema import arrow_schema


@dataclass
class ReadResult:
    records: dict[str, list[dict]] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)

    def rows(self, entity: str) -> list[dict]:
        return self.records.get(entity, [])

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.records.values()) + len(self.rejects)


def read_all(connector: Connector, path: Path, config: CxpConfig | None = None) -> ReadResult:
    """Run a connector over one file, and check every record converts to its raw Arrow schema."""
    result = ReadResult()
    for chunk in connector.read(Path(path), config or CxpConfig()):
        for entity, rows in chunk.as_dicts().items():
            assert all("_source_row" in r for r in rows), "every record carries _source_row"
            pa.Table.from_pylist(rows, schema=arrow_schema(connector.entities[entity]))  # raises on a type mismatch
            result.records.setdefault(entity, []).extend(rows)
        result.rejects.extend(chunk.rejects)
    return result


@pytest.fixture
def read():
    return read_all
