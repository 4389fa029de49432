"""A disk-backed bucket sort, so each export can be written in time order without holding
every record of a million-customer demo in memory.

Records are added in any order with an integer key (a time); they are kept per bucket
(a key range, e.g. one day) in memory and appended to one temporary file per bucket when
the buffered size passes a limit. Reading walks the buckets in key order and sorts one
bucket at a time. Sorting is stable, so records with equal keys keep the order they were
added in, and the output is deterministic.
"""
from __future__ import annotations

import marshal
import struct
from collections.abc import Iterator
from pathlib import Path

_LENGTH = struct.Struct("<I")


class Spool:
    def __init__(self, directory: Path, name: str, bucket_width: int, flush_bytes: int = 16 << 20):
        self.directory = directory
        self.name = name
        self.bucket_width = bucket_width
        self.flush_bytes = flush_bytes
        self.count = 0
        self._buffers: dict[int, list[bytes]] = {}
        self._buffered = 0
        self._on_disk: set[int] = set()

    def add(self, key: int, item) -> None:
        """Spool ``item`` (anything ``marshal`` can write) under ``key``."""
        data = marshal.dumps((key, item))
        bucket = key // self.bucket_width
        buffer = self._buffers.get(bucket)
        if buffer is None:
            buffer = self._buffers[bucket] = []
        buffer.append(data)
        self._buffered += len(data) + 4
        self.count += 1
        if self._buffered >= self.flush_bytes:
            self.flush()

    def flush(self) -> None:
        for bucket, buffer in self._buffers.items():
            if not buffer:
                continue
            with open(self._path(bucket), "ab") as out:
                out.write(b"".join(_LENGTH.pack(len(d)) + d for d in buffer))
            self._on_disk.add(bucket)
        self._buffers = {}
        self._buffered = 0

    def buckets(self) -> list[int]:
        return sorted(set(self._buffers) | self._on_disk)

    def bucket_items(self, bucket: int) -> list[tuple[int, object]]:
        """The records of one bucket, sorted by key (stable)."""
        items = []
        if bucket in self._on_disk:
            data = self._path(bucket).read_bytes()
            position, size = 0, len(data)
            while position < size:
                (length,) = _LENGTH.unpack_from(data, position)
                position += 4
                items.append(marshal.loads(data[position:position + length]))
                position += length
        items.extend(marshal.loads(d) for d in self._buffers.get(bucket, ()))
        items.sort(key=_first)
        return items

    def __iter__(self) -> Iterator[tuple[int, object]]:
        for bucket in self.buckets():
            yield from self.bucket_items(bucket)

    def _path(self, bucket: int) -> Path:
        return self.directory / f"{self.name}.{bucket}.spool"


def _first(item):
    return item[0]
