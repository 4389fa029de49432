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
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.decoding import CsvLayout, CsvRow, iter_csv, map_header, open_text
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
        headers, rows = iter_csv(stream, delimiter=None)
        ids = headers[0]
        first = next(rows, None)
        texts = imports = None
        skipped = 0
        if first is not None and not first.error and _is_label_row(first.fields, ids):
            texts, skipped, first = first.fields, skipped + 1, next(rows, None)
        if first is not None and not first.error and _is_import_row(first.fields):
            imports, skipped, first = first.fields, skipped + 1, next(rows, None)
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

        def data_rows() -> Iterator[CsvRow]:
            if first is not None:
                yield first
            yield from rows

        yield from chunked(_records(survey, data_rows(), skipped), config.chunk_size)


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
