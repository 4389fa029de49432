"""Parsing of single values as vendors write them. Pure functions, shared by every connector.

Each ``parse_*`` returns the typed value, ``None`` for a blank, and raises ``ValueError``
with a readable message for text that is present but unreadable, so the connector can
decide whether that is a reason to reject the record (event times, ratings) or not.
"""
from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import math
import re
from zoneinfo import ZoneInfo

import orjson

UTC = dt.timezone.utc
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_OFFSET_NO_COLON = re.compile(r"([+-])(\d{2})(\d{2})$")
_CENT = decimal.Decimal("0.01")
_MAX_AMOUNT = decimal.Decimal(10) ** 16


def text(value) -> str | None:
    """Trimmed text; blank and null become None. Numbers are rendered without a trailing '.0'."""
    if type(value) is str:  # the common case first: this runs for every cell of every export
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    value = str(value).strip()
    return value or None


def strip_excel_guard(value: str | None) -> str | None:
    """Excel users prefix ids and zips with ' to keep leading zeros; the quote is not data."""
    value = text(value)
    if value is not None and value.startswith("'"):
        value = value[1:].strip() or None
    return value


def is_excel_mangled(value: str | None) -> bool:
    """A phone or id Excel turned into scientific notation (``5.12555E+09``): its digits are gone."""
    return bool(value) and bool(_SCIENTIFIC.match(value.strip()))


def parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    value = text(value)
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("yes", "true", "1", "y", "t"):
        return True
    if lowered in ("no", "false", "0", "n", "f"):
        return False
    raise ValueError(f"{value!r} is not yes/no")


def parse_int(value) -> int | None:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:  # JSON integers can be any size; BIGINT cannot
            raise ValueError(f"{value!r} is out of range")
        return value
    value = text(value)
    if value is None:
        return None
    try:
        number = float(value.replace(",", "")) if not value.lstrip("+-").isdigit() else int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if isinstance(number, float):
        if not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        number = int(number)
    if not -(2**63) <= number < 2**63:  # would overflow BIGINT
        raise ValueError(f"{value!r} is out of range")
    return number


def parse_float(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        value = text(value)
        if value is None:
            return None
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):  # "NaN" and "inf" parse as floats but are no measurement
        raise ValueError(f"{value!r} is not a number")
    return number


def free_text(value) -> str | None:
    """Free text kept as written (newlines and inner spacing included); only empty text becomes null."""
    if value is None or isinstance(value, (dict, list)):
        return None
    value = str(value)
    return value if value.strip() else None


def tag_list(value) -> str | None:
    """Tags as one comma-joined text, from a JSON list or already-joined text."""
    if isinstance(value, list):
        return ",".join(tag for tag in (text(v) for v in value if not isinstance(v, (dict, list))) if tag) or None
    return free_text(value)


def whole_number(value) -> int | None:
    """Counts and durations as JSON APIs write them (``312``, ``312.0``, ``"41"``); fractions are rounded."""
    if isinstance(value, (bool, dict, list)):
        raise ValueError(f"{value!r} is not a number")
    number = parse_float(value)
    if number is None:
        return None
    if not -(2**63) <= number < 2**63:  # beyond BIGINT: a broken value, not a count to fail the file on
        raise ValueError(f"{value!r} is out of range for a count")
    return round(number)


def or_none(parse, value):
    """``parse(value)``, or None when the value is unreadable: for fields that inform but are
    no reason to reject a record (only event times, ids and ratings are)."""
    try:
        return parse(value)
    except ValueError:
        return None


def parse_decimal(value) -> decimal.Decimal | None:
    """Money as an exact decimal; thousands separators tolerated."""
    value = text(value)
    if value is None:
        return None
    try:
        amount = decimal.Decimal(value.replace(",", ""))
    except decimal.InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    # NaN, Infinity and absurd magnitudes are not amounts, and would not fit DECIMAL(18,2).
    if not amount.is_finite() or abs(amount) >= _MAX_AMOUNT:
        raise ValueError(f"{value!r} is not an amount")
    return amount.quantize(_CENT)


def to_utc_naive(moment: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """Timestamps are stored as naive UTC: zone-aware values are converted, naive ones are read in ``zone`` (UTC by default)."""
    if moment.tzinfo is None:
        if zone is None or zone is UTC:
            return moment
        moment = moment.replace(tzinfo=zone)
    moment = moment.astimezone(UTC)
    return dt.datetime.combine(moment.date(), moment.time())  # drops the zone; faster than replace(tzinfo=None)


def parse_timestamp(value, zone: str | dt.tzinfo | None = None) -> dt.datetime | None:
    """ISO 8601 and vendor variants, returned as naive UTC.

    Handles ``Z``, ``+00:00``, ``+0000`` (Facebook), `` -0500`` after a space (Shopify, with
    DST changing the offset inside one file), fractional seconds of any length (Amplitude's
    zone-less ``2024-11-05 18:20:03.114000``), and date-only values. Text without a zone is
    read in ``zone`` (default UTC).
    """
    if isinstance(value, dt.datetime):
        return to_utc_naive(value, _zone(zone))
    value = text(value)
    if value is None:
        return None
    try:  # fast path: most vendor times are already ISO 8601 that Python reads as is (7x faster than below)
        return to_utc_naive(dt.datetime.fromisoformat(value), _zone(zone))
    except ValueError:
        pass
    raw = value
    value = value.replace("T", " ", 1) if "T" in value[:11] else value
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = value.replace(" UTC", "+00:00").replace(" GMT", "+00:00")
    # " -0500" / "+0000" -> "-05:00"
    value = re.sub(r"\s*([+-])(\d{2}):?(\d{2})$", r"\1\2:\3", value)
    # Fractions longer than microseconds (nanoseconds) are cut, as Python keeps 6 digits.
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
        for fmt in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S"):
            try:
                moment = dt.datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            raise ValueError(f"{raw!r} is not a readable date and time") from None
    return to_utc_naive(moment, _zone(zone))


def _zone(zone: str | dt.tzinfo | None) -> dt.tzinfo | None:
    if zone is None or isinstance(zone, dt.tzinfo):
        return zone
    if zone.upper() in ("Z", "UTC", "GMT"):
        return UTC
    return ZoneInfo(zone)


# Epoch magnitudes: seconds are ~1e9 until the year 2286, ms ~1e12, us ~1e15, ns ~1e18.
def parse_epoch(value, unit: str | None = None) -> dt.datetime | None:
    """Unix time as naive UTC. Without ``unit`` the unit is inferred from the magnitude
    (s, ms, us or ns), so a vendor switching units does not put events in 1970 or 50000 AD."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a Unix time") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise ValueError(f"{value!r} is not a Unix time")
    if unit is None:
        magnitude = abs(number)
        unit = "s" if magnitude < 1e11 else "ms" if magnitude < 1e14 else "us" if magnitude < 1e17 else "ns"
    seconds = number / {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}[unit]
    try:
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"{value!r} is out of range as a Unix time") from None


def rating(value, low: int, high: int, label: str) -> int | None:
    """A score on a fixed integer scale; outside it raises ``ValueError("<label> 7 outside 1..5")``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = parse_float(value)
    except ValueError:
        raise ValueError(f"{label} {value!r} is not a number on the {low}..{high} scale") from None
    if number is None:
        return None
    if not number.is_integer() or not low <= number <= high:
        shown = int(number) if number.is_integer() else number
        raise ValueError(f"{label} {shown} outside {low}..{high}")
    return int(number)


def content_hash(*parts) -> str:
    """A stable id for a record that has none (``hash:`` + 32 hex digits of the parts' SHA-256), so re-exports still deduplicate."""
    import hashlib

    return "hash:" + hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


# Free-form property bags (Connect contact attributes, Delighted person_properties, app event
# properties) name the same thing many ways: `orderNumber`, `order_id`, `Order ID`.
_ORDER_REFERENCE = re.compile(r"#?\s*(?:order|ord)?\s*(?:no\.?|nr\.?|number)?[\s#:._-]*(\d+)", re.IGNORECASE)


_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=65_536)  # property names repeat in every record: normalise each once
def property_key(name) -> str:
    """A property name compared by letters and digits only: ``Customer ID`` = ``customer_id`` = ``customerId``."""
    return _NOT_LETTER_OR_DIGIT.sub("", str(name)).lower()


def find_property(properties, names: tuple[str, ...]) -> str | None:
    """The value of the first of ``names`` present in ``properties`` (as text), matched by ``property_key``.

    Nested objects, lists and booleans are not identifiers and are skipped.
    """
    if not isinstance(properties, dict) or not properties:
        return None
    found: dict[str, str] = {}
    for key, value in properties.items():
        if value is None or isinstance(value, (dict, list, bool)):
            continue
        value = text(value)
        if value is not None:
            found.setdefault(property_key(key), value)
    for name in names:
        value = found.get(property_key(name))
        if value is not None:
            return value
    return None


def order_number(value) -> str | None:
    """An order reference as the shop's order number: ``#2041``, ``Order 2041``, ``ORD-2041`` -> ``2041``.

    Anything else (a custom prefix the shop uses, letters inside) is kept as written.
    """
    value = text(value)
    if value is None:
        return None
    match = _ORDER_REFERENCE.fullmatch(value)
    return match.group(1) if match else value


def parse_moment(value) -> dt.datetime | None:
    """A JSON time value as naive UTC: Unix time as a number or as digits (unit by magnitude),
    else ISO 8601 text. Objects, lists and booleans are unreadable (ValueError), like bad text."""
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1].isdigit() and stripped.replace(".", "", 1).isdigit():
            if len(stripped) == 8:  # "20241105" is a compact date, not a Unix time in August 1970
                try:
                    return parse_timestamp(stripped)
                except ValueError:
                    pass
            return parse_epoch(stripped)
        return parse_timestamp(stripped)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return parse_epoch(value)
    raise ValueError(f"{json_text(value)[:80]} is not a date and time")


def json_text(value) -> str:
    """A parsed JSON value written back as compact JSON text (for raw_json and nested objects kept whole)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits, which the stdlib decoder keeps exactly
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
