"""Amplitude Export API: a zip of ``<projectId>/<projectId>_YYYY-MM-DD_H#N.json.gz`` files,
each gzipped JSON lines, one event per line. Bare ``.json.gz`` / ``.jsonl`` / ``.json``
files of the same lines load too (and a ``.json`` holding one JSON array of events).

Events are deduplicated downstream on ``$insert_id`` (``uuid`` when absent): the export
window filters on upload time, so late events reappear in later exports. Exports run to
millions of events, so each one becomes explicit columns plus its two property bags, with
as little Python per event as possible.
"""
from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import orjson

from connectors.base import Chunk, Connector, Reject, UnreadableFile
from connectors.decoding import MAX_RECORD_TEXT, JsonRecord, is_zip, iter_json_lines, iter_zip_members, load_json_document, open_bytes, text_stream
from connectors.event_properties import order_and_revenue
from connectors.values import json_text, parse_int, parse_moment, text
from models.config import CxpConfig
from models.raw.amplitude import AmplitudeEvent

ENTITY = "events"
MEMBER_SUFFIXES = (".json.gz", ".jsonl.gz", ".gz", ".json", ".jsonl")
EMAIL_KEYS = ("email", "$email", "Email", "user_email")  # user properties apps set with identify()
_UTC = dt.timezone.utc


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    # Records go straight into the chunk's list (base.chunked would take an (entity, record)
    # pair per event): at millions of events every step per event shows in the load time.
    records: list[dict] = []
    rejects: list[Reject] = []
    for item in _items(path):
        if item.__class__ is dict:
            records.append(item)
        else:
            rejects.append(item)
        if len(records) + len(rejects) >= config.chunk_size:
            yield Chunk({ENTITY: records}, rejects)
            records, rejects = [], []
    if records or rejects:
        yield Chunk({ENTITY: records}, rejects)


def _items(path: Path) -> Iterator[dict | Reject]:
    """Every physical record of the file as a raw record dict or a Reject, numbered across zip members."""
    if path.name.lower().endswith(".zip") or is_zip(path):
        rows_before = 0
        for member, stream in iter_zip_members(path, MEMBER_SUFFIXES):
            for item in _member_items(member, stream, rows_before):
                yield item
                rows_before = item.source_row if item.__class__ is Reject else item["_source_row"]
    else:
        yield from _member_items(None, open_bytes(path), 0)


def _member_items(member: str | None, stream, rows_before: int) -> Iterator[dict | Reject]:
    """The events of one gzipped or plain JSON-lines stream (or one JSON array)."""
    where = f"{member}: " if member else ""
    with stream:
        try:
            lines = text_stream(stream)
            first = _first_char(lines)
        except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
            if member is None:
                raise UnreadableFile(f"compressed file is truncated or corrupt ({exc})") from None
            yield Reject(ENTITY, rows_before + 1, f"{where}cannot be decompressed ({exc})", "")
            return
        records = _array_records(lines) if first == "[" else iter_json_lines(lines)
        for record in records:
            row = rows_before + record.row
            if record.error is not None:
                yield Reject(ENTITY, row, where + record.error, record.text)
                continue
            event = record.value
            if event.__class__ is not dict:
                yield Reject(ENTITY, row, f"{where}record {record.row} is not a JSON object", record.text or json_text(event))
                continue
            try:
                item = _event(event, row, member)
            except ValueError as exc:
                item = Reject(ENTITY, row, where + str(exc), record.text or json_text(event))
            yield item


def _first_char(lines) -> str:
    """The first non-blank character, peeked on the byte buffer so nothing is consumed
    (whitespace, BOMs and UTF-16 NULs skipped): tells a JSON array from JSON lines."""
    stripped = lines.buffer.peek(64).lstrip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe")
    return chr(stripped[0]) if stripped else ""


def _array_records(lines) -> Iterator[JsonRecord]:
    """A ``.json`` file holding one JSON array of events (hand-made or converted exports)."""
    value, document, error = load_json_document(lines)
    if error:
        yield JsonRecord(1, document[:MAX_RECORD_TEXT], None, f"the file is one JSON array that does not parse: {error}")
        return
    for number, event in enumerate(value, start=1):
        yield JsonRecord(number, "", event)


def _event(event: dict, row: int, member: str | None) -> dict:
    """One event as a raw record; ValueError with the reason when it cannot be trusted."""
    get = event.get
    insert_id = _s(get("$insert_id")) or _s(get("insert_id"))
    uuid = _s(get("uuid"))
    if insert_id is None and uuid is None:
        raise ValueError("event has neither $insert_id nor uuid")
    try:
        moment = _time(get("event_time"))
    except ValueError as exc:
        raise ValueError(f"event_time {exc}") from None
    if moment is None:
        raise ValueError("event_time is missing")
    event_properties, event_properties_text = _properties(get("event_properties"))
    user_properties, user_properties_text = _properties(get("user_properties"))
    order_ref, revenue = order_and_revenue(event_properties)
    return {
        "_source_row": row,
        "insert_id": insert_id or uuid,
        "uuid": uuid,
        "event_type": _s(get("event_type")),
        "event_time": moment,
        "session_id": _int(get("session_id")),
        "user_id": _s(get("user_id")),
        "device_id": _s(get("device_id")),
        "amplitude_id": _s(get("amplitude_id")),
        "adid": _s(get("adid")),
        "idfa": _s(get("idfa")),
        "idfv": _s(get("idfv")),
        "user_properties_email": _email(user_properties),
        "platform": _s(get("platform")),
        "os_name": _s(get("os_name")),
        "version_name": _s(get("version_name")),
        "country": _s(get("country")),
        "city": _s(get("city")),
        "server_upload_time": _optional_time(get("server_upload_time")),
        "revenue": revenue,
        "order_ref": order_ref,
        "event_properties": event_properties_text,
        "user_properties": user_properties_text,
        "export_member": member,
    }


def _s(value) -> str | None:
    """Text as stored: trimmed, blank -> None. Ids that arrive as numbers keep every digit; a
    float beyond 2**53 has already lost digits and is no identifier; objects stay JSON."""
    if value.__class__ is str:
        value = value.strip()
        return value or None
    if value is None:
        return None
    if isinstance(value, float) and abs(value) >= 2**53:
        return None
    if isinstance(value, (dict, list)):
        return json_text(value)
    return text(value)


def _int(value) -> int | None:
    if value is None or (value.__class__ is int and -(2**63) <= value < 2**63):
        return value
    try:
        return parse_int(value)
    except ValueError:
        return None  # counters and session ids are context, not a reason to lose the event


def _properties(value) -> tuple[dict | None, str | None]:
    """A property bag and its JSON text. Some pipelines double-encode the bag as a JSON string: decode it once."""
    if value is None:
        return None, None
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            decoded = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None, json_text(value)
        return (decoded, value) if isinstance(decoded, dict) else (None, value)
    return (value if isinstance(value, dict) else None), json_text(value)


def _email(user_properties: dict | None) -> str | None:
    if not user_properties:
        return None
    for key in EMAIL_KEYS:
        found = _s(user_properties.get(key))
        if found is not None:
            return found
    return None


def _time(value) -> dt.datetime | None:
    """Amplitude's zone-less UTC text (fast path: fromisoformat reads it as is), else values.parse_moment."""
    if value.__class__ is str:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return parse_moment(value)
        return moment if moment.tzinfo is None else moment.astimezone(_UTC).replace(tzinfo=None)
    return parse_moment(value)


def _optional_time(value) -> dt.datetime | None:
    try:
        return _time(value)
    except ValueError:
        return None  # only event_time decides whether the event can be trusted




CONNECTOR = Connector(
    name="amplitude",
    source="amplitude",
    patterns=("*.zip", "*.json.gz", "*.jsonl.gz", "*.jsonl", "*.json"),
    entities={ENTITY: AmplitudeEvent},
    read=read,
    description="Amplitude Export API zips of gzipped JSON-lines events (or bare JSON-lines files)",
    record_id_columns={ENTITY: "insert_id"},
)
