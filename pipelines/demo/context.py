"""What the generator carries while it works: the spools each export is sorted through,
id counters, the per-group registries of shared identities, and the two ledgers written
beside the exports (the ground truth and the list of deliberately corrupt records).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from pipelines.demo.spool import Spool


class Ledger:
    """A CSV written row by row (ground_truth.csv, corrupt_records.csv), counting its rows."""

    def __init__(self, path: Path, header: tuple[str, ...]):
        self.path = path
        self._file = open(path, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(header)
        self.rows = 0

    def add(self, *row) -> None:
        self._csv.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self._file.close()


class Truth(Ledger):
    """ground_truth.csv: one row per distinct real source record, with the person behind it."""

    def __init__(self, path: Path):
        super().__init__(path, ("source", "entity", "source_record_id", "person_id"))
        self.by_source: dict[tuple[str, str], int] = {}

    def add(self, source: str, entity: str, record_id: str, person_id: str) -> None:  # type: ignore[override]
        # Written directly (a million rows and more): ids, sources and person ids never hold commas or quotes.
        self._file.write(f"{source},{entity},{record_id},{person_id}\n")
        self.rows += 1
        key = (source, entity)
        self.by_source[key] = self.by_source.get(key, 0) + 1


class Defects(Ledger):
    """corrupt_records.csv: every record made broken on purpose, so a test can find each one in quarantine."""

    def __init__(self, path: Path):
        super().__init__(path, ("connector", "entity", "source_file", "defect", "detail"))
        self.by_connector: dict[str, int] = {}

    def add(self, connector: str, entity: str, source_file: str, defect: str, detail: str = "") -> None:  # type: ignore[override]
        """``source_file`` is the file's path inside the connector folder; the ledger keeps it relative to
        the exports folder, as audit.quarantine does."""
        super().add(connector, entity, f"{connector}/{source_file}", defect, detail)
        self.by_connector[connector] = self.by_connector.get(connector, 0) + 1


class Context:
    def __init__(self, seed: int, customers: int, tmp: Path):
        self.seed = seed
        self.customers = customers
        self.tmp = tmp
        self._spools: dict[str, Spool] = {}
        self.counters: dict[str, int] = {}
        # Identities several people share (a company mailbox's Zendesk user, its Delighted person):
        # only people of one group share them, so the registry is emptied between groups.
        self.shared: dict[tuple, object] = {}

    def spool(self, name: str, bucket_width: int) -> Spool:
        spool = self._spools.get(name)
        if spool is None:
            spool = self._spools[name] = Spool(self.tmp, name, bucket_width)
        return spool

    def next_id(self, name: str, first: int) -> int:
        value = self.counters.get(name, first)
        self.counters[name] = value + 1
        return value


def csv_line(fields, lineterminator: str = "\r\n") -> str:
    """One CSV row as Excel and the vendors write it: minimal quoting, CRLF between rows."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=lineterminator).writerow(fields)
    return buffer.getvalue()
