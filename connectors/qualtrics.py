"""Qualtrics survey responses (CSV export): three header rows, then one row per response.

Row 1 holds column ids (``StartDate``, ``ResponseId``, ``Q1``, ``Q2_TEXT``...), row 2 the
question text, row 3 ``{"ImportId": ..., "timeZone": ...}`` JSON per column. Exports with
fewer header rows (ids only; or the legacy ``V1..V10`` ids with names in row 2) read too.
Times are wall-clock in the zone row 3 names; without one, cxp.yaml ``store_timezone``.

The NPS question is ``surveys.qualtrics_nps_question`` from cxp.yaml, else the question whose
text says recommend / 0-10 / likely (or that has a ``_NPS_GROUP`` column); CSAT (satisfied,
1-5) and CES (effort, easy, 1-7) likewise. Rejected: a row whose field count differs from
the header's, no ResponseId, a missing or unreadable RecordedDate, or a score outside its
scale. Unfinished responses (Finished = 0) are records like any other.

Read column by column (``csv_columns``): cells are converted as Arrow arrays and only odd
values, and rows that may be rejected, go through the per-value functions; ``read_by_rows``
builds one dict per row and is the reference the tests hold ``read`` to.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.csv_columns import (
    STRING, CellColumns, flags, floats, integers, joined_text, json_objects, local_times, nonblank, width_rejects,
)
from connectors.decoding import CsvBatch, CsvLayout, CsvRow, iter_csv, iter_csv_batches, map_header, open_text
from connectors.values import parse_bool, parse_float, parse_int, parse_timestamp, rating
from models.config import CxpConfig
from models.raw.qualtrics import QualtricsResponse

ENTITY = "responses"

# Fixed metadata columns: raw field -> ids used by current and older exports.
COLUMNS: dict[str, tuple[str, ...]] = {
    "response_id": ("ResponseId", "Response ID", "_recordId"),
    "start_date": ("StartDate",),
    "end_date": ("EndDate",),
    "recorded_date": ("RecordedDate",),
    "status": ("Status", "Response Type"),
    "ip_address": ("IPAddress",),
    "progress": ("Progress",),
    "duration_in_seconds": ("Duration (in seconds)", "Duration"),
    "finished": ("Finished",),
    "recipient_last_name": ("RecipientLastName",),
    "recipient_first_name": ("RecipientFirstName",),
    "recipient_email": ("RecipientEmail", "EmailAddress"),
    "external_reference": ("ExternalReference", "ExternalDataReference", "External Data Reference"),
    "location_latitude": ("LocationLatitude",),
    "location_longitude": ("LocationLongitude",),
    "distribution_channel": ("DistributionChannel",),
    "user_language": ("UserLanguage",),
}
TIME_FIELDS = ("start_date", "end_date", "recorded_date")
IMPORT_IDS = {"startDate": "start_date", "endDate": "end_date", "recordedDate": "recorded_date"}
SCALES = {"nps": (0, 10, "NPS"), "csat": (1, 5, "CSAT"), "ces": (1, 7, "CES")}

_QUESTION_ID = re.compile(r"^(?:Q\d|QID\d)", re.IGNORECASE)
_NOT_A_SCORE = re.compile(r"_(?:TEXT|NPS_GROUP|DO|ADO)(?:_|$)|_(?:First|Last)_Click$|_Page_Submit$|_Click_Count$", re.IGNORECASE)
_NPS_TEXT = re.compile(r"recommend|\b0\s*(?:-|–|to)\s*10\b|^nps", re.IGNORECASE)
_CES_TEXT = re.compile(r"effort|\beas(?:y|ier|e)\b|\b1\s*(?:-|–|to)\s*7\b|^ces", re.IGNORECASE)
_CSAT_TEXT = re.compile(r"satisf|\b1\s*(?:-|–|to)\s*5\b|^csat", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\b")
# Exports with "choice text" instead of values write the scale's anchors as words.
_LABELS = {
    "nps": {"not at all likely": 0, "extremely likely": 10},
    "csat": {"very dissatisfied": 1, "extremely dissatisfied": 1, "dissatisfied": 2, "somewhat dissatisfied": 2,
             "neither satisfied nor dissatisfied": 3, "neutral": 3, "satisfied": 4, "somewhat satisfied": 4,
             "very satisfied": 5, "extremely satisfied": 5},
    "ces": {},
}


class _Survey:
    """What one file's header rows say: where the fields are, which questions are scores, which zone times are in."""

    def __init__(self, ids: list[str], texts: list[str] | None, imports: list[str] | None, config: CxpConfig):
        self.layout: CsvLayout = map_header(ids, COLUMNS)
        import_ids, zones = _import_row(imports, len(ids))
        self.texts = texts or [""] * len(ids)
        claimed = set(self.layout.positions.values())
        self.questions: list[int] = []
        self.embedded: list[int] = []
        for index in range(len(ids)):
            if index in claimed:
                continue
            import_id = import_ids[index]
            is_question = import_id.upper().startswith("QID") if import_id else bool(_QUESTION_ID.match(ids[index]))
            (self.questions if is_question else self.embedded).append(index)
        self.text_answers = [i for i in self.questions if _is_free_text(ids[i], import_ids[i])]
        self.scores = self._find_scores(ids, import_ids, config)
        fallback = _zone(config.store_timezone) or dt.timezone.utc
        file_zone = next((z for z in zones if z), None)
        self.zones = {}
        for field in TIME_FIELDS:
            index = self.layout.positions.get(field)
            name = (zones[index] if index is not None else None) or file_zone
            self.zones[field] = (_zone(name) or fallback, name if _zone(name) else config.store_timezone)
        self.event_time = "recorded_date" if self.layout.has("recorded_date") else "end_date"

    def _find_scores(self, ids, import_ids, config: CxpConfig) -> dict[str, int]:
        keys = {}
        for index in self.questions:
            for name in (ids[index], import_ids[index]):
                if name:
                    keys.setdefault(_key(name), index)
        found: dict[str, int] = {}
        configured = {"nps": config.surveys.qualtrics_nps_question, "csat": config.surveys.qualtrics_csat_question,
                      "ces": config.surveys.qualtrics_ces_question}
        for kind, name in configured.items():
            if name and _key(name) in keys:
                found[kind] = keys[_key(name)]
        candidates = [i for i in self.questions if i not in self.text_answers and not _NOT_A_SCORE.search(ids[i])]
        nps_groups = {_key(ids[i][: -len("_NPS_GROUP")]) for i in self.questions if ids[i].upper().endswith("_NPS_GROUP")}
        for index in candidates:
            if "nps" not in found and _key(ids[index]) in nps_groups:
                found["nps"] = index
        for kind, pattern in (("nps", _NPS_TEXT), ("ces", _CES_TEXT), ("csat", _CSAT_TEXT), ("nps", re.compile("likely", re.I))):
            if kind in found:
                continue
            for index in candidates:
                if index in found.values():
                    continue
                if pattern.search(self.texts[index]) or pattern.search(ids[index]):
                    found[kind] = index
                    break
        return found


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    with open_text(path) as stream:
        headers, batches = iter_csv_batches(stream, delimiter=None, batch_rows=config.chunk_size)
        batches = iter(batches)
        head: list[CsvBatch] = []  # batches read while looking for the header rows among the data

        def row(n: int) -> tuple[list[str], str | None] | None:
            while sum(map(len, head)) <= n:
                batch = next(batches, None)
                if batch is None:
                    return None
                head.append(batch)
            for batch in head:
                if n < len(batch):
                    return (batch.cells[n].as_py() if n not in batch.errors else []), batch.errors.get(n)
                n -= len(batch)
            return None

        survey, skipped = _survey(headers[0], row, config)
        to_skip = skipped
        for batch in itertools.chain(head, batches):
            if to_skip:
                dropped = min(to_skip, len(batch))
                batch, to_skip = batch.skip(dropped), to_skip - dropped
            if len(batch):
                yield _chunk(survey, batch, skipped)


def read_by_rows(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    """The same records as ``read``, built one dict per row: the reference the column-wise
    reader is tested against, and the definition of every edge case it must match."""
    with open_text(path) as stream:
        headers, rows = iter_csv(stream, delimiter=None)
        buffered: list[CsvRow] = []

        def row(n: int) -> tuple[list[str], str | None] | None:
            while len(buffered) <= n:
                found = next(rows, None)
                if found is None:
                    return None
                buffered.append(found)
            return buffered[n].fields, buffered[n].error

        survey, skipped = _survey(headers[0], row, config)
        yield from chunked(_records(survey, itertools.chain(buffered[skipped:], rows), skipped), config.chunk_size)


def _survey(ids: list[str], row, config: CxpConfig) -> tuple[_Survey, int]:
    """What the header rows say, and how many rows after the first are header rows (0 to 2).

    ``row(n)`` gives the n-th row after the first as (fields, error), None past the end.
    """
    first = row(0)
    texts = imports = None
    skipped = 0
    if first is not None and not first[1] and _is_label_row(first[0], ids):
        texts, skipped, first = first[0], skipped + 1, row(1)
    if first is not None and not first[1] and _is_import_row(first[0]):
        imports, skipped = first[0], skipped + 1
    if texts is not None and not map_header(ids, COLUMNS).has("response_id") and map_header(texts, COLUMNS).has("response_id"):
        # Legacy export: row 1 is V1..V10 + Q ids, row 2 names the fixed columns.
        ids = [t if re.fullmatch(r"V\d+", i) else i for i, t in zip(ids, texts)]
    survey = _Survey(ids, texts, imports, config)
    if not survey.layout.has("response_id"):
        raise UnreadableFile(
            f"unknown layout: a Qualtrics export has a ResponseId column; this header has {', '.join(survey.layout.header[:12]) or 'no columns'}"
        )
    if not survey.layout.has(survey.event_time):
        raise UnreadableFile("unknown layout: a Qualtrics export has a RecordedDate or EndDate column")
    return survey, skipped


def _chunk(survey: _Survey, batch: CsvBatch, skipped: int) -> Chunk:
    """One batch of responses converted column by column; odd values and the rows that may be
    rejected go through the same per-value functions as ``_records``, in the same order of checks."""
    layout, header = survey.layout, survey.layout.header
    chunk = Chunk()
    cells, good = CellColumns.from_batch(batch, len(header))
    width_rejects(batch, layout, good, ENTITY, chunk, first_row=skipped)
    texts = {field: cells.text(index) for field, index in layout.positions.items()}
    times = {}
    for field in TIME_FIELDS:
        if field in texts:
            zone = survey.zones[field][0]
            times[field] = local_times(texts[field], zone, lambda value, zone=zone: _lenient(parse_timestamp, value, zone))

    # Rejects, checked as the row-by-row reader does: ResponseId, then the event time, then each score.
    event_label = "RecordedDate" if survey.event_time == "recorded_date" else "EndDate"
    event_zone = survey.zones[survey.event_time][0]
    event_texts = texts[survey.event_time]
    reasons: dict[int, str] = {}
    suspect = pc.or_(texts["response_id"].is_null(), times[survey.event_time].is_null())
    for index in pc.indices_nonzero(suspect).to_pylist():
        if not texts["response_id"][index].is_valid:
            reasons[index] = "ResponseId is missing"
        elif not event_texts[index].is_valid:
            reasons[index] = f"{event_label} is missing"
        else:
            try:
                parse_timestamp(event_texts[index].as_py(), event_zone)
            except ValueError as exc:
                reasons[index] = f"{event_label} {exc}"
    scores = {}
    for kind, index in survey.scores.items():
        low, high, _ = SCALES[kind]
        raw = cells.raw(index)
        values = nonblank(raw)
        plain = pc.match_substring_regex(values, r"^[0-9]{1,2}$")
        numbers = pc.cast(pc.if_else(plain, values, pa.scalar(None, STRING)), pa.int64())
        in_scale = pc.and_(pc.greater_equal(numbers, low), pc.less_equal(numbers, high)).fill_null(False)
        odd = pc.and_(values.is_valid(), pc.invert(in_scale))
        fixes = {}
        for row in pc.indices_nonzero(odd).to_pylist():
            if row in reasons:
                continue
            try:
                fixes[row] = _score(raw[row].as_py(), kind, header[index])
            except ValueError as exc:
                reasons[row] = str(exc)
        score = pc.if_else(in_scale, numbers, pa.scalar(None, pa.int64()))
        if fixes:
            mask = numpy.zeros(len(good), bool)
            mask[list(fixes)] = True
            score = pc.replace_with_mask(score, pa.array(mask), pa.array([fixes[row] for row in sorted(fixes)], pa.int64()))
        scores[kind] = score
    for index, reason in reasons.items():
        position = good[index]
        chunk.reject(ENTITY, batch.numbers[position] - skipped, reason, batch.texts[position])
    chunk.rejects.sort(key=_row_number)  # in file order, as read

    kept = [index for index in range(len(good)) if index not in reasons]
    if not kept:
        return chunk
    take = pa.array(kept, pa.int64())
    table: dict[str, pa.Array] = {}
    for field, values in texts.items():
        values = values.take(take)
        if field in times:
            table[field] = times[field].take(take)
            table[field + "_text"] = values
        elif field in ("progress", "duration_in_seconds"):
            table[field] = integers(values, lambda value: _lenient(parse_int, value))
        elif field == "finished":
            table[field] = flags(values, ("yes", "true", "1", "y", "t"), ("no", "false", "0", "n", "f"), lambda value: _lenient(parse_bool, value))
        elif field in ("location_latitude", "location_longitude"):
            table[field] = floats(values, lambda value: _lenient(parse_float, value))
        else:
            table[field] = values
    if survey.event_time == "end_date":
        table["recorded_date"] = table["end_date"]
    table["time_zone"] = pa.array([survey.zones[survey.event_time][1]] * len(kept), STRING)
    for kind, index in survey.scores.items():
        table[kind + "_question"] = pa.array([header[index]] * len(kept), STRING)
        table[kind + "_score"] = scores[kind].take(take)
    table["answers"] = json_objects([header[i] for i in survey.questions], [cells.raw(i, take) for i in survey.questions], len(kept))
    table["comment"] = joined_text([cells.text(i, take) for i in survey.text_answers], "\n") if survey.text_answers else pa.nulls(len(kept), STRING)
    table["embedded_data"] = json_objects([header[i] for i in survey.embedded], [cells.raw(i, take) for i in survey.embedded], len(kept))
    table["_source_row"] = pa.array([batch.numbers[good[index]] - skipped for index in kept], pa.int64())
    chunk.tables[ENTITY] = pa.table(table)
    return chunk


def _row_number(reject: Reject) -> int:
    return reject.source_row


def _records(survey: _Survey, rows: Iterator[CsvRow], skipped: int) -> Iterator[tuple[str, dict] | Reject]:
    layout = survey.layout
    header = layout.header
    event_label = "RecordedDate" if survey.event_time == "recorded_date" else "EndDate"
    for row in rows:
        number = row.row - skipped  # data rows count from 1 after all header rows
        error = row.error or layout.width_error(row.fields)
        if error:
            yield Reject(ENTITY, number, error, row.text)
            continue
        record = layout.values(row.fields)  # sparse: a blank cell is absent and loads as NULL
        if record.get("response_id") is None:
            yield Reject(ENTITY, number, "ResponseId is missing", row.text)
            continue
        try:
            event_text = record.get(survey.event_time)
            if event_text is None:
                raise ValueError(f"{event_label} is missing")
            try:
                parse_timestamp(event_text, survey.zones[survey.event_time][0])
            except ValueError as exc:
                raise ValueError(f"{event_label} {exc}") from None
            fields = row.fields
            for kind, index in survey.scores.items():
                record[kind + "_question"] = header[index]
                record[kind + "_score"] = _score(fields[index], kind, header[index])
        except ValueError as exc:
            yield Reject(ENTITY, number, str(exc), row.text)
            continue
        for field in TIME_FIELDS:
            original = record.get(field)
            record[field + "_text"] = original
            record[field] = _lenient(parse_timestamp, original, survey.zones[field][0])
        if survey.event_time == "end_date":
            record["recorded_date"] = record["end_date"]
        record["time_zone"] = survey.zones[survey.event_time][1]
        record["_source_row"] = number
        record["progress"] = _lenient(parse_int, record.get("progress"))
        record["duration_in_seconds"] = _lenient(parse_int, record.get("duration_in_seconds"))
        record["finished"] = _lenient(parse_bool, record.get("finished"))
        record["location_latitude"] = _lenient(parse_float, record.get("location_latitude"))
        record["location_longitude"] = _lenient(parse_float, record.get("location_longitude"))
        answers = {header[i]: fields[i] for i in survey.questions if fields[i].strip()}
        record["answers"] = orjson.dumps(answers).decode() if answers else None
        comments = [fields[i].strip() for i in survey.text_answers if fields[i].strip()]
        record["comment"] = "\n".join(comments) if comments else None
        embedded = {header[i]: fields[i] for i in survey.embedded if fields[i].strip()}
        record["embedded_data"] = orjson.dumps(embedded).decode() if embedded else None
        yield ENTITY, record


def _score(value: str, kind: str, column: str) -> int | None:
    low, high, label = SCALES[kind]
    value = value.strip()
    if not value or value == "-99":  # -99: Qualtrics' code for "seen but unanswered"
        return None
    named = _LABELS[kind].get(value.lower())
    if named is not None:
        return named
    leading = _LEADING_NUMBER.match(value)  # "10 - Extremely likely" when exported as choice text
    return rating(leading.group(1) if leading and not _is_number(value) else value, low, high, f"{column} ({label})")


def _is_number(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False


def _lenient(parse, value, *args):
    """Secondary times and counters are descriptive: an unreadable one becomes NULL (times keep their text)."""
    if value is None:
        return None
    try:
        return parse(value, *args)
    except ValueError:
        return None


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name).lower()


def _is_free_text(column_id: str, import_id: str | None) -> bool:
    return column_id.upper().endswith("_TEXT") or bool(import_id and import_id.upper().endswith("_TEXT"))


def _is_label_row(fields: list[str], ids: list[str]) -> bool:
    """Row 2 of an export names the columns: ``Response ID`` where a data row has an id like ``R_1AbC...``.

    Only the ResponseId column is looked at, so an answer that happens to say "Response ID"
    never hides a response; legacy exports (``V1`` ids) name it somewhere in row 2.
    """
    position = map_header(ids, {"response_id": COLUMNS["response_id"]}).positions.get("response_id")
    if position is not None:
        return position < len(fields) and _key(fields[position]) == "responseid"
    return any(_key(value) == "responseid" for value in fields)


def _is_import_row(fields: list[str]) -> bool:
    return any(value.lstrip().startswith("{") and "importid" in value.lower() for value in fields)


def _import_row(imports: list[str] | None, width: int) -> tuple[list[str | None], list[str | None]]:
    """(ImportId, timeZone) per column from row 3; None where absent or unreadable."""
    ids: list[str | None] = [None] * width
    zones: list[str | None] = [None] * width
    for index, value in enumerate((imports or [])[:width]):
        try:
            parsed = orjson.loads(value) if value.lstrip().startswith("{") else None
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            ids[index] = str(parsed.get("ImportId") or "") or None
            zones[index] = str(parsed.get("timeZone") or "") or None
    return ids, zones


def _zone(name: str | None) -> dt.tzinfo | None:
    """A zone as Qualtrics names it: ``Z``, ``UTC``, an IANA name, or an offset such as ``-07:00``; None when unknown."""
    if not name:
        return None
    name = name.strip()
    if name.upper() in ("Z", "UTC", "GMT"):
        return dt.timezone.utc
    offset = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", name)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0)))
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


CONNECTOR = Connector(
    name="qualtrics",
    source="qualtrics",
    patterns=("*.csv", "*.csv.gz"),
    entities={ENTITY: QualtricsResponse},
    read=read,
    description="Qualtrics survey response export (CSV with three header rows)",
)
