"""Amazon Connect contact trace records (CTRs), as Kinesis Firehose writes them to S3.

Firehose objects have no extension (or ``.gz``/``.json``) and hold CTR objects back to
back with no separator (``}{``) or one per line, so every file in the folder is read and
decoded in a loop: one corrupt object is quarantined and the rest still load. CTRs are
delivered at least once; every delivery is kept in raw and staging picks the highest
``LastUpdateTimestamp`` per ``ContactId``. Keys are matched by letters and digits only,
so re-cased copies (``contactId``) made by other tools still read.
"""
from __future__ import annotations

import gzip
import io
import itertools
import zlib
from collections.abc import Iterator
from pathlib import Path


from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.decoding import JsonRecord, iter_concatenated_json, open_text, text_stream
from connectors.values import find_property, json_text, or_none, order_number, parse_moment, property_key, text, whole_number
from models.config import CxpConfig
from models.raw.amazon_connect import ConnectContact

ENTITY = "contacts"
# Contact-flow attributes are free-form: the names flows use for an order and a customer.
ORDER_KEYS = ("orderNumber", "orderId", "orderNo", "orderRef", "orderReference", "orderName", "order")
CUSTOMER_KEYS = (
    "customerId", "customerNumber", "customerRef", "customerReference", "shopifyCustomerId", "accountId",
    "accountNumber", "customer", "email", "emailAddress", "customerEmail",
)


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    content, truncated = _read_text(path)
    start = content.lstrip()[:1]
    if start and start not in "{[":
        raise UnreadableFile("unknown layout: expected Amazon Connect contact trace records (JSON objects)")
    yield from chunked(_records(iter_concatenated_json(content), truncated), config.chunk_size)


def _read_text(path: Path) -> tuple[str, str | None]:
    """The whole decoded object (Firehose objects are at most a few hundred MB) and, for a
    gzip that is cut short or corrupt, why: the complete CTRs before the damage still load."""
    try:
        with open_text(path) as stream:
            return stream.read(), None
    except (EOFError, zlib.error, gzip.BadGzipFile):
        pass
    data, problem = _salvage_gzip(path.read_bytes())
    if not data:
        raise UnreadableFile(problem)
    with text_stream(io.BytesIO(data)) as stream:
        return stream.read(), problem


SALVAGE_BLOCK = 1 << 16


def _salvage_gzip(raw: bytes) -> tuple[bytes, str]:
    """Everything a damaged gzip decompresses to before the damage (GzipFile drops its whole last buffer)."""
    out = bytearray()
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    for start in range(0, len(raw), SALVAGE_BLOCK):
        try:
            out += decompressor.decompress(raw[start : start + SALVAGE_BLOCK])
        except zlib.error as exc:
            return bytes(out), f"compressed file is corrupt ({exc})"
        if decompressor.eof:
            rest = decompressor.unused_data + raw[start + SALVAGE_BLOCK :]
            if not rest.strip(b"\0"):
                return bytes(out), "compressed file is corrupt"
            more, problem = _salvage_gzip(rest)  # the damage is in a further gzip member
            return bytes(out) + more, problem
    return bytes(out), "compressed file is truncated (it ends before the gzip end-of-stream marker)"


def _records(segments: Iterator[JsonRecord], truncated: str | None) -> Iterator[tuple[str, dict] | Reject]:
    rows = itertools.count(1)
    broken = None  # the latest unparseable segment, held back: if the file was cut, it is the cut record
    for segment in segments:
        if broken:
            yield broken
            broken = None
        if segment.error:
            broken = Reject(ENTITY, next(rows), segment.error, segment.text)
            continue
        if isinstance(segment.value, list):  # a JSON array of CTRs (an API dump): each element is a record
            for value in segment.value:
                yield _contact(value, next(rows), json_text(value))
        else:
            yield _contact(segment.value, next(rows), segment.text)
    if broken:
        yield Reject(ENTITY, broken.source_row, f"{truncated}; {broken.reason}", broken.record) if truncated else broken
    elif truncated:
        # Cut between two objects (or only the gzip trailer is gone): whatever followed may be lost, and the file says so once.
        yield Reject(ENTITY, next(rows), f"{truncated}: records after the last complete one may be lost", "")


def _contact(value, row: int, original: str) -> tuple[str, dict] | Reject:
    if not isinstance(value, dict):
        return Reject(ENTITY, row, f"record {row} is not a JSON object", original)
    ctr = _keyed(value)
    contact_id = _id(ctr.get("contactid"))
    if contact_id is None:
        return Reject(ENTITY, row, "ContactId is missing", original)
    initiated = ctr.get("initiationtimestamp")
    if text(initiated) is None:
        return Reject(ENTITY, row, "InitiationTimestamp is missing", original)
    try:
        initiated_at = parse_moment(initiated)
    except ValueError as exc:
        return Reject(ENTITY, row, f"InitiationTimestamp {exc}", original)
    customer = _keyed(ctr.get("customerendpoint"))
    system = _keyed(ctr.get("systemendpoint"))
    queue = _keyed(ctr.get("queue"))
    agent = _keyed(ctr.get("agent"))
    attributes = ctr.get("attributes")
    attributes = attributes if isinstance(attributes, dict) else {}
    return ENTITY, {
        "_source_row": row,
        "contact_id": contact_id,
        "initial_contact_id": _id(ctr.get("initialcontactid")),
        "previous_contact_id": _id(ctr.get("previouscontactid")),
        "next_contact_id": _id(ctr.get("nextcontactid")),
        "related_contact_id": _id(ctr.get("relatedcontactid")),
        "channel": _upper(ctr.get("channel")),
        "initiation_method": _upper(ctr.get("initiationmethod")),
        "disconnect_reason": text(ctr.get("disconnectreason")),
        "initiation_timestamp": initiated_at,
        "connected_to_system_timestamp": or_none(parse_moment, ctr.get("connectedtosystemtimestamp")),
        "disconnect_timestamp": or_none(parse_moment, ctr.get("disconnecttimestamp")),
        "last_update_timestamp": or_none(parse_moment, ctr.get("lastupdatetimestamp")),
        "customer_endpoint_address": text(customer.get("address")),
        "customer_endpoint_type": _upper(customer.get("type")),
        "system_endpoint_address": text(system.get("address")),
        "system_endpoint_type": _upper(system.get("type")),
        "queue_name": text(queue.get("name")),
        "queue_arn": text(queue.get("arn")),
        "queue_enqueue_timestamp": or_none(parse_moment, queue.get("enqueuetimestamp")),
        "queue_dequeue_timestamp": or_none(parse_moment, queue.get("dequeuetimestamp")),
        "queue_duration": or_none(whole_number, queue.get("duration")),
        "has_agent": bool(agent),
        "agent_username": text(agent.get("username")),
        "agent_routing_profile_name": text(_keyed(agent.get("routingprofile")).get("name")),
        "agent_connected_to_agent_timestamp": or_none(parse_moment, agent.get("connectedtoagenttimestamp")),
        "agent_agent_interaction_duration": or_none(whole_number, agent.get("agentinteractionduration")),
        "agent_customer_hold_duration": or_none(whole_number, agent.get("customerholdduration")),
        "agent_after_contact_work_duration": or_none(whole_number, agent.get("aftercontactworkduration")),
        "agent_number_of_holds": or_none(whole_number, agent.get("numberofholds")),
        "agent_longest_hold_duration": or_none(whole_number, agent.get("longestholdduration")),
        "agent_connection_attempts": or_none(whole_number, ctr.get("agentconnectionattempts")),
        "attributes": json_text(ctr.get("attributes")) if ctr.get("attributes") is not None else None,
        "order_ref": order_number(find_property(attributes, ORDER_KEYS)),
        "customer_ref": find_property(attributes, CUSTOMER_KEYS),
        "aws_account_id": _id(ctr.get("awsaccountid")),
        "instance_arn": text(ctr.get("instancearn")),
        "raw_json": original,
    }


def _keyed(value) -> dict:
    """An object's keys by letters and digits only (``ContactId`` -> ``contactid``); null or non-objects -> {}."""
    if not isinstance(value, dict):
        return {}
    return {property_key(key): item for key, item in value.items()}


def _id(value) -> str | None:
    if isinstance(value, (dict, list, bool)):
        return None
    return text(value)


def _upper(value) -> str | None:
    value = _id(value)
    return value.upper() if value else None


CONNECTOR = Connector(
    name="amazon_connect",
    source="amazon_connect",
    patterns=("*",),  # Firehose object names carry no extension
    entities={ENTITY: ConnectContact},
    read=read,
    description="Amazon Connect contact trace records (Kinesis Firehose objects, `}{`-concatenated, optional gzip)",
    record_id_columns={ENTITY: "contact_id"},
)
