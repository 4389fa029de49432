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

import numpy as np
import orjson
import pyarrow as pa

from connectors import json_columns as jc
from connectors.base import Chunk, Connector, FilePart, Reject, UnreadableFile
from connectors.decoding import JsonRecord, open_text
from connectors.event_properties import order_and_revenue
from connectors.values import json_text, parse_int, parse_moment, text
from models.config import CxpConfig
from models.raw.mixpanel import MixpanelEvent
from models.schema import arrow_schema

ENTITY = "events"
_EVENT_KEYS = ("event", "event_name")
_EPOCH = dt.datetime(1970, 1, 1)


def read(path: Path, config: CxpConfig, part: FilePart | None = None) -> Iterator[Chunk]:
    """Lines in batches of ``chunk_size``, parsed column by column (json_columns); the rows
    the SQL does not take are read by ``_event`` one by one, as before. With ``part``, only
    that stretch of the file (json_columns.plan_parts), numbered as in the whole file."""
    try:
        lines = open_text(path) if part is None else jc.open_part(path, part)
    except (EOFError, OSError, zlib.error) as exc:
        raise UnreadableFile(f"compressed file is truncated or corrupt ({exc})") from None
    parser = jc.JsonColumns()
    batch = jc.LineBatch()
    batch.members.append(None)
    try:
        with lines:
            for item in jc.read_lines(lines, part):
                if isinstance(item, JsonRecord):  # the stream broke off
                    yield _chunk(parser, batch, [Reject(ENTITY, item.row, item.error, item.text)])
                    batch.clear()
                    continue
                while item is not None:  # batches of at most chunk_size lines
                    part, item = item.split(config.chunk_size - batch.size)
                    batch.add(part, 0, 0)
                    if batch.size >= config.chunk_size:
                        yield _chunk(parser, batch, [])
                        batch.clear()
        if batch.size:
            yield _chunk(parser, batch, [])
    finally:
        parser.close()


# Text fields: (column, JSON paths in order of preference). ``p.`` = in properties, else top level.
_TEXT_FIELDS = {
    "insert_id": ("p.$insert_id", "$insert_id", "insert_id"),
    "event": ("event", "event_name"),
    "distinct_id": ("p.distinct_id", "distinct_id"),
    "device_id": ("p.$device_id",),
    "user_id": ("p.$user_id",),
    "email": ("p.$email", "p.email"),
    "os": ("p.$os",),
    "os_version": ("p.$os_version",),
    "app_version": ("p.$app_version_string", "p.$app_version"),
    "model": ("p.$model",),
    "city": ("p.$city",),
    "region": ("p.$region",),
    "mp_country_code": ("p.mp_country_code",),
}


def _path(name: str) -> str:
    return f'props."{name[2:]}"' if name.startswith("p.") else f'j."{name}"'


def _query() -> str:
    top = {name for paths in _TEXT_FIELDS.values() for name in paths if not name.startswith("p.")} | {"time"}
    nested = {name[2:] for paths in _TEXT_FIELDS.values() for name in paths if name.startswith("p.")}
    nested |= {"time", "mp_processing_time_ms"}
    # VARCHAR leaves give the values as text (see json_columns); the properties also as JSON.
    top_spec = jc.transform_spec({**dict.fromkeys(sorted(top), "VARCHAR"), "properties": "JSON"})
    props_spec = jc.transform_spec(dict.fromkeys(sorted(nested), "VARCHAR"))
    paths = [_path(name) for paths in _TEXT_FIELDS.values() for name in paths]
    texts = ",\n        ".join(jc.text_column(column, [_path(name) for name in paths]) for column, paths in _TEXT_FIELDS.items())
    json_texts = (
        f"json_extract(line, {jc.json_paths(sorted(top - {'time'}))})",
        f"json_extract(bag, {jc.json_paths(sorted(nested - {'time', 'mp_processing_time_ms'}))})",
    )
    return f"""
with objects as ({jc.object_lines("batch")}),
parsed as (
    select _source_row, line, json_keys(line) as top_keys, json_transform(line, {top_spec}) as j
    from objects
),
bags as (
    select _source_row, line, top_keys, j, j.properties::varchar as bag, json_keys(j.properties) as bag_keys,
        json_transform(j.properties, {props_spec}) as props
    from parsed where starts_with(j.properties, '{{')
),
fields as (
    select *, coalesce(props."time", j."time") as raw_time, {texts}
    from bags
)
select _source_row, {", ".join(_TEXT_FIELDS)},
        case when length(raw_time) <= 11 then make_timestamp(try_cast(raw_time as bigint) * 1000000)
             else make_timestamp(try_cast(raw_time as bigint) * 1000) end as time,
        raw_time as time_text,
        try_cast(props."mp_processing_time_ms" as bigint) as mp_processing_time_ms,
        bag as properties,
        top_keys, bag_keys
from fields
where {jc.plain_bag("bag")}
    and {jc.simple_values(paths, ['props."mp_processing_time_ms"'], json_texts)}
    -- Unix time as digits (written as a number or as text: Python reads both alike, except
    -- 8 digits as text, a compact date); ms only where Python's float division is exact
    -- to the microsecond (below 2**32 seconds)
    and regexp_full_match(raw_time, '[1-9][0-9]{{0,13}}') and length(raw_time) <> 8
    and (length(raw_time) <= 11 or try_cast(raw_time as bigint) < 4294967296000)
    and insert_id is not null
"""


_QUERY = _query()
_SCHEMA = arrow_schema(MixpanelEvent)


def _chunk(parser: jc.JsonColumns, batch: jc.LineBatch, stream_breaks: list[Reject]) -> Chunk:
    records: list[dict] = []
    rejects: list[Reject] = []
    if batch.size:
        table, others = parser.split(batch.table(), _QUERY, _ALSO_PYTHON)
        for record, _member, row in others:
            if record.error is not None:
                rejects.append(Reject(ENTITY, row, record.error, record.text))
                continue
            try:
                records.append(_event(record.value, row))
            except ValueError as exc:
                rejects.append(Reject(ENTITY, row, str(exc), record.text))
        table = jc.in_file_order(_finish(table, batch.members), records, _SCHEMA)
        if table.num_rows:
            return Chunk(rejects=rejects + stream_breaks, tables={ENTITY: table})
    return Chunk(rejects=rejects + stream_breaks)


def _finish(table: pa.Table, members: list) -> pa.Table:
    """The SQL's result in the raw model's columns."""
    return jc.with_order_and_revenue(table, "bag_keys", "properties").drop_columns(["top_keys", "bag_keys"])


def _repeated_keys(table: pa.Table) -> np.ndarray:
    """Events or properties naming a key twice (orjson keeps the last, DuckDB the first):
    checked here, vectorised, as DuckDB's list functions cost more per row than the parsing."""
    return jc.repeated_keys(table["top_keys"].combine_chunks()) | jc.repeated_keys(table["bag_keys"].combine_chunks())


_ALSO_PYTHON = _repeated_keys


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
    read_part=read,
)
