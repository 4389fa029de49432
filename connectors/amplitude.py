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
import pyarrow as pa

from connectors import json_columns as jc
from connectors.base import Chunk, Connector, Reject, UnreadableFile
from connectors.decoding import MAX_RECORD_TEXT, JsonRecord, is_zip, iter_zip_members, load_json_document, open_bytes, text_stream
from connectors.event_properties import order_and_revenue
from connectors.values import json_text, parse_int, parse_moment, text
from models.config import CxpConfig
from models.raw.amplitude import AmplitudeEvent
from models.schema import arrow_schema

ENTITY = "events"
MEMBER_SUFFIXES = (".json.gz", ".jsonl.gz", ".gz", ".json", ".jsonl")
EMAIL_KEYS = ("email", "$email", "Email", "user_email")  # user properties apps set with identify()
_UTC = dt.timezone.utc


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    """JSON lines in batches of ``chunk_size``, parsed column by column (json_columns); the rows
    the SQL does not take, and JSON array files, are read by ``_event`` one by one, as before."""
    parser = jc.JsonColumns()
    batch = jc.LineBatch()
    records: list[dict] = []
    rejects: list[Reject] = []
    try:
        for item in _items(path, batch):
            if item.__class__ is dict:
                records.append(item)
            elif item.__class__ is Reject:
                rejects.append(item)
            else:
                block, member, rows_before = item
                while block is not None:  # batches of at most chunk_size records
                    part, block = block.split(config.chunk_size - batch.size - len(records) - len(rejects))
                    batch.add(part, member, rows_before)
                    if block is not None:
                        yield _chunk(parser, batch, records, rejects)
                        batch.clear()
                        records, rejects = [], []
            if batch.size + len(records) + len(rejects) >= config.chunk_size:
                yield _chunk(parser, batch, records, rejects)
                batch.clear()
                records, rejects = [], []
        if batch.size or records or rejects:
            yield _chunk(parser, batch, records, rejects)
    finally:
        parser.close()


def _items(path: Path, batch: jc.LineBatch) -> Iterator[dict | Reject | tuple]:
    """Every physical record of the file, numbered across zip members: a raw record dict or a
    Reject, or a block of JSON lines as (LineBlock, member index in ``batch``, rows before the member)."""
    if path.name.lower().endswith(".zip") or is_zip(path):
        rows_before = 0
        for member, stream in iter_zip_members(path, MEMBER_SUFFIXES):
            for item in _member_items(member, stream, rows_before, batch):
                yield item
                if item.__class__ is tuple:
                    block, _, member_rows_before = item
                    rows_before = member_rows_before + int(block.rows[-1])
                else:
                    rows_before = item.source_row if item.__class__ is Reject else item["_source_row"]
    else:
        yield from _member_items(None, open_bytes(path), 0, batch)


def _member_items(member: str | None, stream, rows_before: int, batch: jc.LineBatch) -> Iterator[dict | Reject | tuple]:
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
        if first == "[":
            for record in _array_records(lines):
                yield _item(record, rows_before + record.row, member)
            return
        member_index = len(batch.members)
        batch.members.append(member)
        for block in jc.read_lines(lines):
            if isinstance(block, JsonRecord):  # the stream broke off
                yield _item(block, rows_before + block.row, member)
            else:
                yield block, member_index, rows_before


def _item(record: JsonRecord, row: int, member: str | None) -> dict | Reject:
    """One record read by Python: a raw record dict, or a Reject with the reason."""
    where = f"{member}: " if member else ""
    if record.error is not None:
        return Reject(ENTITY, row, where + record.error, record.text)
    event = record.value
    if event.__class__ is not dict:
        return Reject(ENTITY, row, f"{where}record {record.row} is not a JSON object", record.text or json_text(event))
    try:
        return _event(event, row, member)
    except ValueError as exc:
        return Reject(ENTITY, row, where + str(exc), record.text or json_text(event))


_TEXT_FIELDS = (
    "uuid", "event_type", "user_id", "device_id", "amplitude_id", "adid", "idfa", "idfv",
    "platform", "os_name", "version_name", "country", "city",
)
_TIME = r"'[1-9][0-9]{3}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-5][0-9](?:\.[0-9]{6})?'"


def _time_sql(expr: str) -> str:
    return f"try_strptime({expr}, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])"


def _text_paths() -> dict[str, tuple[str, ...]]:
    """Text columns and the values they are taken from, in order of preference."""
    return {
        "insert_id": ('j."$insert_id"', 'j."insert_id"', 'j."uuid"'),
        **{name: (f'j."{name}"',) for name in _TEXT_FIELDS},
        "user_properties_email": tuple(f"emails[{i}]" for i in range(1, len(EMAIL_KEYS) + 1)),
    }


def _query() -> str:
    scalars = ("$insert_id", "insert_id", *_TEXT_FIELDS, "session_id", "event_time", "server_upload_time")
    # VARCHAR leaves give the values as text (see json_columns); the bags as JSON.
    spec = jc.transform_spec({**dict.fromkeys(scalars, "VARCHAR"), "event_properties": "JSON", "user_properties": "JSON"})
    # json_extract_string, not json_transform: struct fields cannot differ only by case (email, Email).
    email_paths = "[" + ", ".join(jc.sql_text(f'$."{key}"') for key in EMAIL_KEYS) + "]"
    paths = [path for paths in _text_paths().values() for path in paths]
    texts = ",\n        ".join(jc.text_column(column, paths) for column, paths in _text_paths().items())
    json_texts = (f"json_extract(line, {jc.json_paths(('$insert_id', 'insert_id', *_TEXT_FIELDS))})", f"json_extract(user_properties, {email_paths})")
    return f"""
with objects as ({jc.object_lines("batch", (*scalars, "event_properties", "user_properties"))}),
parsed as (
    select _source_row, member, line, json_transform(line, {spec}) as j
    from objects
),
bags as (
    select *, j.event_properties::varchar as event_properties, j.user_properties::varchar as user_properties,
        json_keys(j.event_properties) as event_keys, json_keys(j.user_properties) as user_keys,
        json_extract_string(j.user_properties, {email_paths}) as emails
    from parsed
)
select _source_row, member,
        {texts},
        {_time_sql('j.event_time')} as event_time,
        try_cast(j.session_id as bigint) as session_id,
        {_time_sql('j.server_upload_time')} as server_upload_time,
        event_properties, user_properties, event_keys
from bags
where (event_keys is null or {jc.distinct_keys("event_keys")}) and (user_keys is null or {jc.distinct_keys("user_keys")})
    and {jc.plain_bag("event_properties")} and {jc.plain_bag("user_properties")}
    and {jc.simple_values(paths, ['j."session_id"'], json_texts)}
    and regexp_full_match(j.event_time, {_TIME}) and {_time_sql('j.event_time')} is not null
    and (j.server_upload_time is null or (regexp_full_match(j.server_upload_time, {_TIME}) and {_time_sql('j.server_upload_time')} is not null))
    and coalesce({", ".join(f"nullif({path}, '')" for path in _text_paths()["insert_id"])}) is not null
"""


_QUERY = _query()
_ALSO_PYTHON = None  # the property bags are small: their keys are checked in SQL
_SCHEMA = arrow_schema(AmplitudeEvent)


def _chunk(parser: jc.JsonColumns, batch: jc.LineBatch, records: list[dict], rejects: list[Reject]) -> Chunk:
    """The batch's lines (SQL, with Python for the rows it leaves) and the records read by Python, as one table."""
    fast = None
    if batch.size:
        fast, others = parser.split(batch.table(), _QUERY, _ALSO_PYTHON)
        for record, member, row in others:
            item = _item(record, row, batch.members[member])
            (records if item.__class__ is dict else rejects).append(item)
        fast = _finish(fast, batch.members)
    table = jc.in_file_order(fast if fast is not None else _SCHEMA.empty_table(), records, _SCHEMA)
    rejects.sort(key=lambda reject: reject.source_row)
    return Chunk(rejects=rejects, tables={ENTITY: table} if table.num_rows else {})


def _finish(table: pa.Table, members: list[str | None]) -> pa.Table:
    """The SQL's result in the raw model's columns."""
    return _with_member(jc.with_order_and_revenue(table, "event_keys", "event_properties").drop_columns(["event_keys"]), members)


def _with_member(table: pa.Table, members: list[str | None]) -> pa.Table:
    names = pa.array(members, pa.string()).take(table["member"].combine_chunks())
    return table.drop_columns(["member"]).append_column("export_member", names)


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
