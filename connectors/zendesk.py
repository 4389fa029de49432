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
from collections.abc import Iterator
from pathlib import Path

import orjson
import pyarrow as pa

from connectors.base import Chunk, Connector, Reject, UnreadableFile
from connectors.decoding import iter_json_lines, load_json_document, open_text
from connectors.json_flatten import (
    Query, combine, dump, flatten, free_ok, free_value, json_ok, json_value, text_ok, text_value, whole_ok, whole_value,
)
from connectors.values import free_text, json_text, or_none, parse_bool, parse_moment, tag_list, text, whole_number
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
    """One entity's records as a table: DuckDB flattens the rows it provably reads like ``_FLATTEN``
    does; the rest (and anything that is not an object) go through ``_record``."""
    objects = [i for i, item in enumerate(items) if type(item) is dict]
    others = [i for i, item in enumerate(items) if type(item) is not dict] if len(objects) < len(items) else []
    texts = [dump(items[i]) for i in objects] if others else _dump_all(items)
    fast, slow = flatten(_QUERIES[entity], texts)
    source_rows = pa.array(rows, pa.int64()).take(pa.array(objects, pa.int64()).take(fast["pos"]))
    fallback, rejects = [], []
    for position in sorted([objects[pos] for pos in slow] + others):
        result = _record(entity, items[position], rows[position])
        if isinstance(result, Reject):
            rejects.append(result)
        else:
            fallback.append(result[1])
    table = combine(fast.drop_columns(["pos"]), source_rows, fallback, _SCHEMAS[entity])
    return table, rejects


def _dump_all(items: list) -> list[bytes]:
    try:
        return list(map(orjson.dumps, items))
    except TypeError:
        return [dump(item) for item in items]


def _record(entity: str, item, row: int) -> tuple[str, dict] | Reject:
    original = json_text(item)
    if not isinstance(item, dict):
        return Reject(entity, row, f"{entity} record {row} is not a JSON object", original)
    return _FLATTEN[entity](item, row, original)


# --- flattening, one explicit mapping per entity --------------------------------------

def _ticket(ticket: dict, row: int, original: str) -> tuple[str, dict] | Reject:
    ticket_id = _id(ticket.get("id"))
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
        "external_id": _id(ticket.get("external_id")),
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
        "requester_id": _id(ticket.get("requester_id")),
        "submitter_id": _id(ticket.get("submitter_id")),
        "assignee_id": _id(ticket.get("assignee_id")),
        "organization_id": _id(ticket.get("organization_id")),
        "group_id": _id(ticket.get("group_id")),
        "brand_id": _id(ticket.get("brand_id")),
        "ticket_form_id": _id(ticket.get("ticket_form_id")),
        "tags": tag_list(ticket.get("tags")),
        "custom_fields": None if custom_fields is None else json_text(custom_fields),
        "satisfaction_score": text(rating.get("score")),
        "satisfaction_comment": free_text(rating.get("comment")),
        "satisfaction_reason": free_text(rating.get("reason")),
        "raw_json": original,
    }


def _user(user: dict, row: int, original: str) -> tuple[str, dict] | Reject:
    user_id = _id(user.get("id"))
    if user_id is None:
        return Reject(USERS, row, _missing_id("user id", user.get("id")), original)
    user_fields = user.get("user_fields")
    return USERS, {
        "_source_row": row,
        "id": user_id,
        "name": text(user.get("name")),
        "email": text(user.get("email")),
        "phone": text(user.get("phone")),
        "shared_phone_number": _optional_bool(user.get("shared_phone_number")),
        "external_id": text(user.get("external_id")),
        "role": text(user.get("role")),
        "time_zone": text(user.get("time_zone")),
        "iana_time_zone": text(user.get("iana_time_zone")),
        "locale": text(user.get("locale")),
        "organization_id": _id(user.get("organization_id")),
        "verified": _optional_bool(user.get("verified")),
        "active": _optional_bool(user.get("active")),
        "tags": tag_list(user.get("tags")),
        "user_fields": None if user_fields is None else json_text(user_fields),
        "created_at": or_none(parse_moment, user.get("created_at")),
        "updated_at": or_none(parse_moment, user.get("updated_at")),
        "raw_json": original,
    }


def _metric_set(metrics: dict, row: int, original: str) -> tuple[str, dict] | Reject:
    ticket_id = _id(metrics.get("ticket_id"))
    if ticket_id is None:
        return Reject(METRIC_SETS, row, _missing_id("metric set ticket_id", metrics.get("ticket_id")), original)
    record = {
        "_source_row": row,
        "id": _id(metrics.get("id")),
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


def _id(value) -> str | None:
    """Zendesk ids are integers (beyond 2**53 for some): kept exactly, as text. Objects and booleans are no id."""
    if isinstance(value, (dict, list, bool)):
        return None
    return text(value)


def _shown(value) -> str:
    return "null" if value is None else json_text(value)[:80]


def _missing_id(label: str, value) -> str:
    return f"{label} is missing" if text(value) is None else f"{label} {_shown(value)} is not an id"


def _optional_bool(value) -> bool | None:
    try:
        return parse_bool(value)
    except ValueError:
        return None


# --- the same mappings column by column (connectors/json_flatten.py): must agree with the functions above ---

def _ticket_query() -> str:
    q = Query()
    q.column("id", "id", "$.id")
    q.require('"id" is not null')  # a missing id: Python writes the reject
    q.column("url", "text", "$.url")
    q.column("external_id", "id", "$.external_id")
    q.column("via_channel", "text", "$.via.channel")
    q.column("via_source_rel", "text", "$.via.source.rel")
    q.column("via_from_address", "text", "$.via.source.from.address")
    phone, formatted = "$.via.source.from.phone", "$.via.source.from.formatted_phone"
    q.custom(
        "via_from_phone",
        f"coalesce({text_value(q.t(phone), q.s(phone))}, {text_value(q.t(formatted), q.s(formatted))})",
        f"{text_ok(q.t(phone), q.s(phone))} and {text_ok(q.t(formatted), q.s(formatted))}",
    )
    q.column("via_from_name", "text", "$.via.source.from.name")
    q.column("via_from_username", "text", "$.via.source.from.username")
    q.column("via_to_address", "text", "$.via.source.to.address")
    q.column("created_at", "moment", "$.created_at")
    q.require('"created_at" is not null')  # missing or unreadable: Python writes the reject
    q.column("updated_at", "moment", "$.updated_at")
    q.column("generated_timestamp", "moment", "$.generated_timestamp")
    q.column("type", "text", "$.type")
    q.column("subject", "free", "$.subject")
    q.column("description", "free", "$.description")
    for name in ("status", "priority", "recipient"):
        q.column(name, "text", f"$.{name}")
    for name in ("requester_id", "submitter_id", "assignee_id", "organization_id", "group_id", "brand_id", "ticket_form_id"):
        q.column(name, "id", f"$.{name}")
    q.column("tags", "tags", "$.tags")
    # custom_fields, else (when the key is absent) fields
    custom, fields = "$.custom_fields", "$.fields"
    q.custom(
        "custom_fields",
        f"case when {q.t(custom)} is null then {json_value(q.t(fields), q.s(fields))} else {json_value(q.t(custom), q.s(custom))} end",
        f"case when {q.t(custom)} is null then {json_ok(q.t(fields), q.s(fields))} else {json_ok(q.t(custom), q.s(custom))} end",
    )
    rating = "$.satisfaction_rating"
    rated = f"{q.t(rating)} = 'OBJECT'"
    score, comment, reason = (f"$.satisfaction_rating.{key}" for key in ("score", "comment", "reason"))
    q.custom(
        "satisfaction_score",
        f"case when {rated} then {text_value(q.t(score), q.s(score))}"
        f" when {q.t(rating)} = 'VARCHAR' then {text_value(q.t(rating), q.s(rating))} end",
        f"(not {rated} or ({text_ok(q.t(score), q.s(score))} and {free_ok(q.t(comment), q.s(comment))}"
        f" and {free_ok(q.t(reason), q.s(reason))}))",
    )
    q.custom("satisfaction_comment", f"case when {rated} then {free_value(q.t(comment), q.s(comment))} end", "true")
    q.custom("satisfaction_reason", f"case when {rated} then {free_value(q.t(reason), q.s(reason))} end", "true")
    return q.sql()


def _user_query() -> str:
    q = Query()
    q.column("id", "id", "$.id")
    q.require('"id" is not null')
    for name in ("name", "email", "phone"):
        q.column(name, "text", f"$.{name}")
    q.column("shared_phone_number", "bool", "$.shared_phone_number")
    for name in ("external_id", "role", "time_zone", "iana_time_zone", "locale"):
        q.column(name, "text", f"$.{name}")
    q.column("organization_id", "id", "$.organization_id")
    q.column("verified", "bool", "$.verified")
    q.column("active", "bool", "$.active")
    q.column("tags", "tags", "$.tags")
    q.column("user_fields", "json", "$.user_fields")
    q.column("created_at", "moment", "$.created_at")
    q.column("updated_at", "moment", "$.updated_at")
    return q.sql()


def _metric_set_query() -> str:
    q = Query()
    q.column("id", "id", "$.id")
    q.column("ticket_id", "id", "$.ticket_id")
    q.require('"ticket_id" is not null')
    for name in ("reopens", "replies", "assignee_stations", "group_stations"):
        q.column(name, "whole", f"$.{name}")
    for name in DURATIONS:
        duration, calendar, business = f"$.{name}", f"$.{name}.calendar", f"$.{name}.business"
        nested = f"{q.t(duration)} = 'OBJECT'"  # {calendar, business}; else a bare number of calendar minutes
        q.custom(
            f"{name}_calendar",
            f"case when {nested} then {whole_value(q.t(calendar), q.s(calendar))} else {whole_value(q.t(duration), q.s(duration))} end",
            f"case when {nested} then {whole_ok(q.t(calendar), q.s(calendar), '{v}')} else {whole_ok(q.t(duration), q.s(duration), '{v}')} end",
        )
        q.custom(
            f"{name}_business",
            f"case when {nested} then {whole_value(q.t(business), q.s(business))} end",
            f"(not {nested} or {whole_ok(q.t(business), q.s(business), '{v}')})",
        )
    for name in ("solved_at", "assigned_at", "initially_assigned_at", "latest_comment_added_at", "created_at", "updated_at"):
        q.column(name, "moment", f"$.{name}")
    return q.sql()


_QUERIES = {TICKETS: _ticket_query(), USERS: _user_query(), METRIC_SETS: _metric_set_query()}
_SCHEMAS = {TICKETS: arrow_schema(ZendeskTicket), USERS: arrow_schema(ZendeskUser), METRIC_SETS: arrow_schema(ZendeskMetricSet)}


CONNECTOR = Connector(
    name="zendesk",
    source="zendesk",
    patterns=("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz", "*.ndjson", "*.ndjson.gz"),
    entities={TICKETS: ZendeskTicket, USERS: ZendeskUser, METRIC_SETS: ZendeskMetricSet},
    read=read,
    description="Zendesk Incremental Ticket Export pages (tickets, sideloaded users and metric sets)",
    record_id_columns={TICKETS: "id", USERS: "id", METRIC_SETS: "ticket_id"},
)
