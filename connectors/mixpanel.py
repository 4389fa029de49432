"""Mixpanel raw export: JSON lines (optionally gzipped), ``{"event": ..., "properties": {...}}``.

``properties.time`` is Unix time in seconds, or milliseconds when the export was asked for
``time_in_ms``; the unit is read from the magnitude, so neither lands events in 1970 or in
the year 50000. Mixpanel does not deduplicate its export: ``$insert_id`` is the key, and
an event without one cannot be deduplicated, so it is rejected. Flat records (``event_name``
and properties at the top level, as some pipeline exports write them) are read too.
"""
from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator
from pathlib import Path

from connectors.base import Chunk, Connector, Reject, UnreadableFile
from connectors.decoding import iter_json_lines, open_text
from connectors.event_properties import order_and_revenue
from connectors.values import json_text, parse_int, parse_moment, text
from models.config import CxpConfig
from models.raw.mixpanel import MixpanelEvent

ENTITY = "events"
_EVENT_KEYS = ("event", "event_name")
_EPOCH = dt.datetime(1970, 1, 1)


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    try:
        lines = open_text(path)
    except (EOFError, OSError, zlib.error) as exc:
        raise UnreadableFile(f"compressed file is truncated or corrupt ({exc})") from None
    records: list[dict] = []
    rejects: list[Reject] = []
    with lines:
        for record in iter_json_lines(lines):
            if record.error is not None:
                rejects.append(Reject(ENTITY, record.row, record.error, record.text))
            else:
                try:
                    records.append(_event(record.value, record.row))
                except ValueError as exc:
                    rejects.append(Reject(ENTITY, record.row, str(exc), record.text))
            if len(records) + len(rejects) >= config.chunk_size:
                yield Chunk({ENTITY: records}, rejects)
                records, rejects = [], []
    if records or rejects:
        yield Chunk({ENTITY: records}, rejects)


def _event(event, row: int) -> dict:
    """One event as a raw record; ValueError with the reason when it cannot be trusted."""
    if event.__class__ is not dict:
        raise ValueError(f"record {row} is not a JSON object")
    properties = event.get("properties")
    if properties is None:  # flat layout: the properties are the record itself
        properties = {k: v for k, v in event.items() if k not in _EVENT_KEYS}
    elif properties.__class__ is not dict:
        raise ValueError(f"properties is {_kind(properties)}, not an object")
    get = properties.get
    insert_id = _s(get("$insert_id")) or _s(event.get("$insert_id")) or _s(event.get("insert_id"))
    if insert_id is None:
        raise ValueError("$insert_id is missing: the event cannot be deduplicated")
    raw_time = get("time")
    if raw_time is None:
        raw_time = event.get("time")
    moment = _time(raw_time)
    order_ref, revenue = order_and_revenue(properties)
    try:
        processed_ms = parse_int(get("mp_processing_time_ms"))
    except ValueError:
        processed_ms = None
    return {
        "_source_row": row,
        "insert_id": insert_id,
        "event": _s(event.get("event")) or _s(event.get("event_name")),
        "time": moment,
        "time_text": _s(raw_time),
        "distinct_id": _s(get("distinct_id")) or _s(event.get("distinct_id")),
        "device_id": _s(get("$device_id")),
        "user_id": _s(get("$user_id")),
        "email": _s(get("$email")) or _s(get("email")),
        "os": _s(get("$os")),
        "os_version": _s(get("$os_version")),
        "app_version": _s(get("$app_version_string")) or _s(get("$app_version")),
        "model": _s(get("$model")),
        "city": _s(get("$city")),
        "region": _s(get("$region")),
        "mp_country_code": _s(get("mp_country_code")),
        "mp_processing_time_ms": processed_ms,
        "revenue": revenue,
        "order_ref": order_ref,
        "properties": json_text(properties),
    }


def _time(value) -> dt.datetime:
    """properties.time: Unix seconds, or ms (``time_in_ms``), told apart by magnitude, which
    also survives a file whose flag and values disagree; ISO text from converted files."""
    try:
        moment = parse_moment(value)
    except ValueError as exc:
        raise ValueError(f"properties.time {exc}") from None
    if moment is None:
        raise ValueError("properties.time is missing")
    if moment == _EPOCH:
        raise ValueError("properties.time is 0 (not set)")
    return moment


def _s(value) -> str | None:
    """Text as stored: trimmed, blank -> None; ids written as numbers keep their digits
    (a float beyond 2**53 has already lost them); objects stay JSON."""
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


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean"}.get(type(value), "a number")


CONNECTOR = Connector(
    name="mixpanel",
    source="mixpanel",
    patterns=("*.jsonl", "*.jsonl.gz", "*.json", "*.json.gz", "*.ndjson", "*.ndjson.gz"),
    entities={ENTITY: MixpanelEvent},
    read=read,
    description="Mixpanel raw event export, JSON lines (optionally gzipped)",
    record_id_columns={ENTITY: "insert_id"},
)
