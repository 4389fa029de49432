"""Zendesk Incremental Ticket Export pages: ``{tickets[], users[], metric_sets[], after_cursor, end_of_stream}``.

Pages fetched with ``include=users,metric_sets`` carry three entities. Every object in
every array is one physical record, numbered in document order across the page. The same
ticket recurs in later pages each time it changes; all versions are kept in raw and
staging picks the highest ``generated_timestamp``. Ids are integers in the API and text here.

Also read, because real exports arrive that way: single-object responses
(``{"ticket": {...}}``), the List Ticket Metrics response (``ticket_metrics[]``), gzip, and
JSON lines whose lines are pages or bare tickets/users/metric sets (Zendesk's admin JSON
export writes one ticket per line).
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import Chunk, Connector, Reject, UnreadableFile
from connectors.decoding import iter_json_lines, load_json_document, open_text
from connectors.object_columns import (
    at, dumps, flags, free_texts, identifier, ids, json_texts, moments, optional_bool, tag_lists, texts, whole_numbers,
)
from connectors.values import free_text, json_text, or_none, parse_moment, tag_list, text, whole_number
from models.config import CxpConfig
from models.raw.zendesk import ZendeskMetricSet, ZendeskTicket, ZendeskUser
from models.schema import arrow_schema

TICKETS, USERS, METRIC_SETS = "tickets", "users", "metric_sets"
# Page keys holding a list of records, and single-object responses, by entity.
LIST_KEYS = {"tickets": TICKETS, "users": USERS, "metric_sets": METRIC_SETS, "ticket_metrics": METRIC_SETS}
SINGLE_KEYS = {"ticket": TICKETS, "user": USERS, "ticket_metric": METRIC_SETS}
UNKNOWN_LAYOUT = "unknown layout: expected a Zendesk incremental export page with tickets[], users[] or metric_sets[]"
DURATIONS = (
    "reply_time_in_minutes",
    "first_resolution_time_in_minutes",
    "full_resolution_time_in_minutes",
    "agent_wait_time_in_minutes",
    "requester_wait_time_in_minutes",
    "on_hold_time_in_minutes",
)


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    with open_text(path) as stream:
        page, page_text, error = load_json_document(stream)
    if error and not page_text.strip():
        return  # an empty file holds no records
    if error:
        if _is_json_lines(page_text):
            yield from _chunks(_json_lines_records(page_text), config.chunk_size)
        else:  # a page cut off mid-write: its records cannot be told apart, so the page is one reject
            yield Chunk(rejects=[Reject(TICKETS, 1, error, page_text)])
        return
    if isinstance(page, dict) and _is_page(page):
        records = _page_records(page, _Rows())
    elif isinstance(page, list) and (not page or _bare_entity(page[0]) is not None):
        records = _bare_records(page, _Rows())
    else:
        raise UnreadableFile(UNKNOWN_LAYOUT)
    yield from _chunks(records, config.chunk_size)


# --- framing -------------------------------------------------------------------------

def _is_page(value: dict) -> bool:
    return any(key in value for key in LIST_KEYS) or any(isinstance(value.get(key), dict) for key in SINGLE_KEYS)


def _bare_entity(value) -> str | None:
    """Which entity a loose object is, by the fields only that entity has (None: not Zendesk)."""
    if not isinstance(value, dict):
        return None
    if "ticket_id" in value and any(key in value for key in ("reply_time_in_minutes", "reopens", "replies")):
        return METRIC_SETS
    if "via" in value or "generated_timestamp" in value or ("subject" in value and "requester_id" in value):
        return TICKETS
    if "role" in value and "id" in value:
        return USERS
    return None


def _is_json_lines(page_text: str) -> bool:
    """A document that fails to parse whole but whose first line is a complete object is JSON lines."""
    first = next((line for line in io.StringIO(page_text) if line.strip()), "")
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and (_is_page(value) or _bare_entity(value) is not None)


class _Rows:
    """Physical record numbers, 1-based, across the whole file."""

    def __init__(self) -> None:
        self.last = 0

    def take(self, count: int = 1) -> int:
        """Number ``count`` records; returns the first one's number."""
        self.last += count
        return self.last - count + 1


# Framing yields (entity, items, first row) for runs of objects found, and Rejects for what is no record.
Found = tuple[str, list, int]


def _page_records(page: dict, rows: _Rows) -> Iterator[Found | Reject]:
    for key, value in page.items():
        if key in LIST_KEYS and isinstance(value, list):
            entity, items = LIST_KEYS[key], value
        elif key in SINGLE_KEYS and isinstance(value, dict):
            entity, items = SINGLE_KEYS[key], [value]
        else:
            continue
        yield entity, items, rows.take(len(items))


def _bare_records(items: list, rows: _Rows) -> Iterator[Found | Reject]:
    for item in items:
        row = rows.take()
        entity = _bare_entity(item)
        if entity is None:
            yield Reject(TICKETS, row, f"record {row} is not a Zendesk ticket, user or metric set", json_text(item))
        else:
            yield entity, [item], row


def _json_lines_records(page_text: str) -> Iterator[Found | Reject]:
    rows = _Rows()
    for line in iter_json_lines(io.StringIO(page_text)):
        if line.error:
            yield Reject(TICKETS, rows.take(), line.error, line.text)
        elif isinstance(line.value, dict) and _is_page(line.value):
            yield from _page_records(line.value, rows)
        else:
            yield from _bare_records([line.value], rows)


# --- batching: column-wise where proven, per record otherwise --------------------------

class _Batch:
    def __init__(self) -> None:
        self.items: dict[str, list] = {}
        self.rows: dict[str, list[int]] = {}
        self.rejects: list[Reject] = []
        self.count = 0

    def add(self, entity: str, items: list, first_row: int) -> None:
        self.items.setdefault(entity, []).extend(items)
        self.rows.setdefault(entity, []).extend(range(first_row, first_row + len(items)))
        self.count += len(items)

    def chunk(self) -> Chunk:
        chunk = Chunk(rejects=self.rejects)
        for entity, items in self.items.items():
            table, rejects = _flatten(entity, items, self.rows[entity])
            chunk.tables[entity] = table
            chunk.rejects.extend(rejects)
        return chunk


def _chunks(found: Iterator[Found | Reject], size: int) -> Iterator[Chunk]:
    """At most ``size`` records per chunk, each entity's records flattened as one Arrow table."""
    batch = _Batch()
    for part in found:
        if isinstance(part, Reject):
            batch.rejects.append(part)
            batch.count += 1
        else:
            entity, items, first_row = part
            while items:
                room = size - batch.count
                batch.add(entity, items[:room], first_row)
                items, first_row = items[room:], first_row + room
                if batch.count >= size:
                    yield batch.chunk()
                    batch = _Batch()
        if batch.count >= size:
            yield batch.chunk()
            batch = _Batch()
    if batch.count:
        yield batch.chunk()


def _flatten(entity: str, items: list, rows: list[int]) -> tuple[pa.Table, list[Reject]]:
    """One entity's records as a table, column by column. Anything that is not an object, and
    rows lacking a required column (no id, no readable event time), go through ``_record``,
    which rejects them with their reason before any other field is read, as it always did."""
    positions = [i for i, item in enumerate(items) if type(item) is dict]
    objects = [items[i] for i in positions]
    required = {name: column(objects) for name, column in _REQUIRED[entity].items()}
    complete = None
    for values in required.values():
        valid = pc.is_valid(values)
        complete = valid if complete is None else pc.and_(complete, valid)
    slow = [i for i, item in enumerate(items) if type(item) is not dict]
    if complete is not None and not pc.all(complete).as_py():
        slow += [positions[i] for i in pc.indices_nonzero(pc.invert(complete)).to_pylist()]
        required = {name: values.filter(complete) for name, values in required.items()}
        positions = [position for position, keep in zip(positions, complete.to_pylist()) if keep]
        objects = [items[i] for i in positions]
    columns = {**required, **_COLUMNS[entity](objects), "raw_json": dumps(objects)}
    columns["_source_row"] = pa.array([rows[i] for i in positions], pa.int64())
    fallback, rejects = [], []
    for position in sorted(slow):
        result = _record(entity, items[position], rows[position])
        if isinstance(result, Reject):
            rejects.append(result)
        else:
            fallback.append(result[1])
    return _in_schema(entity, pa.table(columns), fallback), rejects


def _in_schema(entity: str, table: pa.Table, fallback: list[dict]) -> pa.Table:
    schema = _SCHEMAS[entity]
    table = table.select(schema.names).cast(schema)
    if fallback:
        table = pa.concat_tables([table, pa.Table.from_pylist(fallback, schema=schema)]).sort_by("_source_row")
    return table


def _record(entity: str, item, row: int) -> tuple[str, dict] | Reject:
    original = json_text(item)
    if not isinstance(item, dict):
        return Reject(entity, row, f"{entity} record {row} is not a JSON object", original)
    return _FLATTEN[entity](item, row, original)


# --- flattening, one explicit mapping per entity --------------------------------------

def _ticket(ticket: dict, row: int, original: str) -> tuple[str, dict] | Reject:
    ticket_id = identifier(ticket.get("id"))
    if ticket_id is None:
        return Reject(TICKETS, row, _missing_id("ticket id", ticket.get("id")), original)
    created = ticket.get("created_at")
    if text(created) is None:
        return Reject(TICKETS, row, "created_at is missing", original)
    try:
        created_at = parse_moment(created)
    except ValueError as exc:
        return Reject(TICKETS, row, f"created_at {exc}", original)
    via = _object(ticket.get("via"))
    source = _object(via.get("source"))
    sender, receiver = _object(source.get("from")), _object(source.get("to"))
    rating = ticket.get("satisfaction_rating")
    rating = rating if isinstance(rating, dict) else {"score": rating} if isinstance(rating, str) else {}
    custom_fields = ticket.get("custom_fields", ticket.get("fields"))
    return TICKETS, {
        "_source_row": row,
        "id": ticket_id,
        "url": text(ticket.get("url")),
        "external_id": identifier(ticket.get("external_id")),
        "via_channel": text(via.get("channel")),
        "via_source_rel": text(source.get("rel")),
        "via_from_address": text(sender.get("address")),
        "via_from_phone": text(sender.get("phone")) or text(sender.get("formatted_phone")),
        "via_from_name": text(sender.get("name")),
        "via_from_username": text(sender.get("username")),
        "via_to_address": text(receiver.get("address")),
        "created_at": created_at,
        "updated_at": or_none(parse_moment, ticket.get("updated_at")),
        "generated_timestamp": or_none(parse_moment, ticket.get("generated_timestamp")),
        "type": text(ticket.get("type")),
        "subject": free_text(ticket.get("subject")),
        "description": free_text(ticket.get("description")),
        "status": text(ticket.get("status")),
        "priority": text(ticket.get("priority")),
        "recipient": text(ticket.get("recipient")),
        "requester_id": identifier(ticket.get("requester_id")),
        "submitter_id": identifier(ticket.get("submitter_id")),
        "assignee_id": identifier(ticket.get("assignee_id")),
        "organization_id": identifier(ticket.get("organization_id")),
        "group_id": identifier(ticket.get("group_id")),
        "brand_id": identifier(ticket.get("brand_id")),
        "ticket_form_id": identifier(ticket.get("ticket_form_id")),
        "tags": tag_list(ticket.get("tags")),
        "custom_fields": None if custom_fields is None else json_text(custom_fields),
        "satisfaction_score": text(rating.get("score")),
        "satisfaction_comment": free_text(rating.get("comment")),
        "satisfaction_reason": free_text(rating.get("reason")),
        "raw_json": original,
    }


def _user(user: dict, row: int, original: str) -> tuple[str, dict] | Reject:
    user_id = identifier(user.get("id"))
    if user_id is None:
        return Reject(USERS, row, _missing_id("user id", user.get("id")), original)
    user_fields = user.get("user_fields")
    return USERS, {
        "_source_row": row,
        "id": user_id,
        "name": text(user.get("name")),
        "email": text(user.get("email")),
        "phone": text(user.get("phone")),
        "shared_phone_number": optional_bool(user.get("shared_phone_number")),
        "external_id": text(user.get("external_id")),
        "role": text(user.get("role")),
        "time_zone": text(user.get("time_zone")),
        "iana_time_zone": text(user.get("iana_time_zone")),
        "locale": text(user.get("locale")),
        "organization_id": identifier(user.get("organization_id")),
        "verified": optional_bool(user.get("verified")),
        "active": optional_bool(user.get("active")),
        "tags": tag_list(user.get("tags")),
        "user_fields": None if user_fields is None else json_text(user_fields),
        "created_at": or_none(parse_moment, user.get("created_at")),
        "updated_at": or_none(parse_moment, user.get("updated_at")),
        "raw_json": original,
    }


def _metric_set(metrics: dict, row: int, original: str) -> tuple[str, dict] | Reject:
    ticket_id = identifier(metrics.get("ticket_id"))
    if ticket_id is None:
        return Reject(METRIC_SETS, row, _missing_id("metric set ticket_id", metrics.get("ticket_id")), original)
    record = {
        "_source_row": row,
        "id": identifier(metrics.get("id")),
        "ticket_id": ticket_id,
        "reopens": or_none(whole_number, metrics.get("reopens")),
        "replies": or_none(whole_number, metrics.get("replies")),
        "assignee_stations": or_none(whole_number, metrics.get("assignee_stations")),
        "group_stations": or_none(whole_number, metrics.get("group_stations")),
    }
    for name in DURATIONS:
        duration = metrics.get(name)
        if isinstance(duration, dict):
            record[f"{name}_calendar"] = or_none(whole_number, duration.get("calendar"))
            record[f"{name}_business"] = or_none(whole_number, duration.get("business"))
        else:  # null, or a bare number from a flattened export: calendar minutes
            record[f"{name}_calendar"] = or_none(whole_number, duration)
            record[f"{name}_business"] = None
    for name in ("solved_at", "assigned_at", "initially_assigned_at", "latest_comment_added_at", "created_at", "updated_at"):
        record[name] = or_none(parse_moment, metrics.get(name))
    record["raw_json"] = original
    return METRIC_SETS, record


_FLATTEN = {TICKETS: _ticket, USERS: _user, METRIC_SETS: _metric_set}


# --- values ---------------------------------------------------------------------------

def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def _shown(value) -> str:
    return "null" if value is None else json_text(value)[:80]


def _missing_id(label: str, value) -> str:
    return f"{label} is missing" if text(value) is None else f"{label} {_shown(value)} is not an id"


# --- the same mappings, column by column (connectors/object_columns.py): must agree with the functions above ---

def _ticket_columns(tickets: list[dict]) -> dict[str, pa.Array]:
    cache: dict = {}

    def value(*path: str) -> list:
        return at(tickets, path, cache)

    ratings = value("satisfaction_rating")
    rated = [rating if type(rating) is dict else {"score": rating} if type(rating) is str else {} for rating in ratings]
    return {
        "url": texts(value("url")),
        "external_id": ids(value("external_id")),
        "via_channel": texts(value("via", "channel")),
        "via_source_rel": texts(value("via", "source", "rel")),
        "via_from_address": texts(value("via", "source", "from", "address")),
        "via_from_phone": pc.coalesce(texts(value("via", "source", "from", "phone")), texts(value("via", "source", "from", "formatted_phone"))),
        "via_from_name": texts(value("via", "source", "from", "name")),
        "via_from_username": texts(value("via", "source", "from", "username")),
        "via_to_address": texts(value("via", "source", "to", "address")),
        "updated_at": moments(value("updated_at")),
        "generated_timestamp": moments(value("generated_timestamp")),
        "type": texts(value("type")),
        "subject": free_texts(value("subject")),
        "description": free_texts(value("description")),
        "status": texts(value("status")),
        "priority": texts(value("priority")),
        "recipient": texts(value("recipient")),
        **{name: ids(value(name)) for name in (
            "requester_id", "submitter_id", "assignee_id", "organization_id", "group_id", "brand_id", "ticket_form_id")},
        "tags": tag_lists(value("tags")),
        "custom_fields": json_texts([ticket.get("custom_fields", ticket.get("fields")) for ticket in tickets]),
        "satisfaction_score": texts([rating.get("score") for rating in rated]),
        "satisfaction_comment": free_texts([rating.get("comment") for rating in rated]),
        "satisfaction_reason": free_texts([rating.get("reason") for rating in rated]),
    }


def _user_columns(users: list[dict]) -> dict[str, pa.Array]:
    cache: dict = {}

    def value(name: str) -> list:
        return at(users, (name,), cache)

    return {
        **{name: texts(value(name)) for name in ("name", "email", "phone")},
        "shared_phone_number": flags(value("shared_phone_number")),
        **{name: texts(value(name)) for name in ("external_id", "role", "time_zone", "iana_time_zone", "locale")},
        "organization_id": ids(value("organization_id")),
        "verified": flags(value("verified")),
        "active": flags(value("active")),
        "tags": tag_lists(value("tags")),
        "user_fields": json_texts(value("user_fields")),
        "created_at": moments(value("created_at")),
        "updated_at": moments(value("updated_at")),
    }


def _metric_set_columns(metric_sets: list[dict]) -> dict[str, pa.Array]:
    cache: dict = {}

    def value(name: str) -> list:
        return at(metric_sets, (name,), cache)

    columns = {
        "id": ids(value("id")),
        **{name: whole_numbers(value(name)) for name in ("reopens", "replies", "assignee_stations", "group_stations")},
    }
    for name in DURATIONS:  # {calendar, business}, or a bare number of calendar minutes
        durations = value(name)
        columns[f"{name}_calendar"] = whole_numbers([d.get("calendar") if type(d) is dict else d for d in durations])
        columns[f"{name}_business"] = whole_numbers([d.get("business") if type(d) is dict else None for d in durations])
    for name in ("solved_at", "assigned_at", "initially_assigned_at", "latest_comment_added_at", "created_at", "updated_at"):
        columns[name] = moments(value(name))
    return columns


_COLUMNS = {TICKETS: _ticket_columns, USERS: _user_columns, METRIC_SETS: _metric_set_columns}


def _required(name: str, column) -> Callable[[list[dict]], pa.Array]:
    return lambda objects: column([item.get(name) for item in objects])


# Columns a record cannot do without (null: missing or unreadable): such a row goes through _record, which rejects it.
_REQUIRED = {
    TICKETS: {"id": _required("id", ids), "created_at": _required("created_at", moments)},
    USERS: {"id": _required("id", ids)},
    METRIC_SETS: {"ticket_id": _required("ticket_id", ids)},
}
_SCHEMAS = {
    entity: arrow_schema(model).append(pa.field("_source_row", pa.int64()))
    for entity, model in ((TICKETS, ZendeskTicket), (USERS, ZendeskUser), (METRIC_SETS, ZendeskMetricSet))
}

CONNECTOR = Connector(
    name="zendesk",
    source="zendesk",
    patterns=("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz", "*.ndjson", "*.ndjson.gz"),
    entities={TICKETS: ZendeskTicket, USERS: ZendeskUser, METRIC_SETS: ZendeskMetricSet},
    read=read,
    description="Zendesk Incremental Ticket Export pages (tickets, sideloaded users and metric sets)",
    record_id_columns={TICKETS: "id", USERS: "id", METRIC_SETS: "ticket_id"},
)
