"""Delighted survey responses: a JSON list as ``GET /v1/survey_responses.json`` returns it.

Also read: ``{"responses": [...]}`` wrappers, JSON lines (one response or one webhook
event ``{event_type, event_data}`` per line), and gzip.

Scales (DESIGN.md): NPS 0-10, CSAT 1-5, CES 1-7; a score outside its survey's scale is
rejected as ``score 11 outside 0..10 (nps)``. Lenient where Delighted's history demands:
- no ``survey_type`` (exports from before Delighted offered several survey types) -> NPS,
  Delighted's default; ``survey_type`` stays null in raw so this stays visible;
- older CES surveys were 5-point: their scores lie inside 1..7 and are kept as answered,
  not rescaled (a response alone cannot tell which scale was asked);
- ``five_star`` and ``smileys`` are 1-5 satisfaction questions -> csat; ``enps`` 0-10 is
  kept as enps; other types (thumbs, pmf, ...) keep their name and any whole-number score.
A response without a score is kept with a null score: nothing in it is untrustworthy.
"""
from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import orjson

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.decoding import iter_json_lines, load_json_document, open_text
from connectors.values import find_property, free_text, json_text, or_none, order_number, parse_moment, property_key, tag_list, text
from models.config import CxpConfig
from models.raw.delighted import DelightedResponse

ENTITY = "responses"
DEFAULT_KIND = "nps"  # Delighted's survey type when none is given
# survey_type (letters and digits only) -> (kind, lowest score, highest score)
SCALES = {
    "nps": ("nps", 0, 10),
    "csat": ("csat", 1, 5),
    "ces": ("ces", 1, 7),
    "ces7": ("ces", 1, 7),
    "ces5": ("ces", 1, 7),
    "fivestar": ("csat", 1, 5),
    "5star": ("csat", 1, 5),
    "smileys": ("csat", 1, 5),
    "enps": ("enps", 0, 10),
}
CUSTOMER_KEYS = ("customer_id", "customer_number", "shopify_customer_id", "customer_ref", "customer_reference", "customer")
ORDER_KEYS = ("order_number", "order_id", "order_no", "order_ref", "order_reference", "order_name", "order")
UNKNOWN_LAYOUT = "unknown layout: expected a JSON list of Delighted survey responses (or {\"responses\": [...]})"


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    with open_text(path) as stream:
        document, document_text, error = load_json_document(stream)
    if error and not document_text.strip():
        return  # an empty file holds no records
    if error:
        if _is_json_lines(document_text):
            yield from chunked(_json_lines_records(document_text), config.chunk_size)
        else:  # a list cut off mid-write: its responses cannot be told apart
            yield Chunk(rejects=[Reject(ENTITY, 1, error, document_text)])
        return
    if isinstance(document, list):
        responses = document
    elif isinstance(document, dict) and isinstance(document.get("responses"), list):
        responses = document["responses"]
    elif isinstance(document, dict) and _looks_like_response(_unwrapped(document)):
        responses = [document]
    else:
        raise UnreadableFile(UNKNOWN_LAYOUT)
    rows = itertools.count(1)
    yield from chunked((_response(item, next(rows)) for item in responses), config.chunk_size)


def _unwrapped(value):
    """A webhook event ``{event_type, event_data: response}`` carries the response in event_data."""
    if isinstance(value, dict) and isinstance(value.get("event_data"), dict):
        return value["event_data"]
    return value


def _looks_like_response(value) -> bool:
    return isinstance(value, dict) and "score" in value and ("person" in value or "survey_type" in value)


def _is_json_lines(document_text: str) -> bool:
    first = next((line for line in io.StringIO(document_text) if line.strip()), "")
    try:
        return _looks_like_response(_unwrapped(orjson.loads(first)))
    except orjson.JSONDecodeError:
        return False


def _json_lines_records(document_text: str) -> Iterator[tuple[str, dict] | Reject]:
    for line in iter_json_lines(io.StringIO(document_text)):
        if line.error:
            yield Reject(ENTITY, line.row, line.error, line.text)
        else:
            yield _response(line.value, line.row, line.text)


def _response(item, row: int, original: str | None = None) -> tuple[str, dict] | Reject:
    original = original if original is not None else json_text(item)
    response = _unwrapped(item)
    if not isinstance(response, dict):
        return Reject(ENTITY, row, f"response {row} is not a JSON object", original)
    response_id = _id(response.get("id"))
    if response_id is None:
        return Reject(ENTITY, row, "id is missing", original)
    created = response.get("created_at")
    if text(created) is None:
        return Reject(ENTITY, row, "created_at is missing", original)
    try:
        created_at = parse_moment(created)
    except ValueError as exc:
        return Reject(ENTITY, row, f"created_at {exc}", original)
    survey_type = text(response.get("survey_type"))
    kind, low, high = SCALES.get(property_key(survey_type), (survey_type.lower(), None, None)) if survey_type else SCALES[DEFAULT_KIND]
    try:
        score = _whole_score(response.get("score"))
    except ValueError as exc:
        scale = f" on the {low}..{high} scale" if low is not None else ""
        return Reject(ENTITY, row, f"{exc}{scale} ({kind})", original)
    if low is not None and score is not None and not low <= score <= high:
        return Reject(ENTITY, row, f"score {score} outside {low}..{high} ({kind})", original)
    person = response.get("person")
    if isinstance(person, dict):
        person_id, name, email, phone = _id(person.get("id")), text(person.get("name")), text(person.get("email")), text(person.get("phone_number"))
    else:
        person_id, name, email, phone = _id(person), None, None, None
    properties = response.get("person_properties")
    return ENTITY, {
        "_source_row": row,
        "id": response_id,
        "person_id": person_id,
        "person_name": name,
        "person_email": email,
        "person_phone_number": phone,
        "survey_type": survey_type,
        "survey_kind": kind,
        "score": score,
        "comment": free_text(response.get("comment")),
        "permalink": text(response.get("permalink")),
        "tags": tag_list(response.get("tags")),
        "person_properties": None if properties is None else json_text(properties),
        "customer_ref": find_property(properties, CUSTOMER_KEYS),
        "order_ref": order_number(find_property(properties, ORDER_KEYS)),
        "additional_answers": _json_or_none(response.get("additional_answers")),
        "notes": _json_or_none(response.get("notes")),
        "created_at": created_at,
        "updated_at": or_none(parse_moment, response.get("updated_at")),
        "raw_json": original,
    }


def _whole_score(value) -> int | None:
    """A score must be a whole number (``"9"`` and ``9.0`` are 9); the scale is checked separately."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (bool, dict, list)):
        raise ValueError(f"score {json_text(value)[:40]} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"score {value!r} is not a number") from None
    if not number.is_integer():
        raise ValueError(f"score {value!r} is not a whole number")
    return int(number)


def _id(value) -> str | None:
    if isinstance(value, (dict, list, bool)):
        return None
    return text(value)


def _json_or_none(value) -> str | None:
    return None if value is None or value == [] else json_text(value)


CONNECTOR = Connector(
    name="delighted",
    source="delighted",
    patterns=("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz", "*.ndjson", "*.ndjson.gz"),
    entities={ENTITY: DelightedResponse},
    read=read,
    description="Delighted survey responses (NPS, CSAT, CES)",
    record_id_columns={ENTITY: "id"},
)
