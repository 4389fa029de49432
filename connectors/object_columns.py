"""Columns of parsed JSON objects, read the way ``connectors.values`` reads single values,
a whole column at a time.

A JSON connector's records are Python dicts (orjson). Instead of building a dict per record
with a function call per value, it takes each field as one list (``at``) and turns it into
an Arrow array here. Each function applies exactly the per-value function it is named after:
vectorised (pyarrow.compute) when every value in the column has a plain JSON type for which
the vectorised form provably gives the same result (all strings, all integers within exact
range, strict ISO 8601 times, booleans), and otherwise that very Python function on every
value of the column. So edge cases keep their exact results, and only their column pays.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from connectors.values import free_text, json_text, or_none, parse_bool, parse_moment, tag_list, text, whole_number

# Python's str.strip() removes exactly these (str.isspace; none lies above U+3000).
PYTHON_WHITESPACE = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
_NONE = type(None)
_EXACT = 2**53  # whole_number goes through float: integers beyond this would be rounded
_EPOCH_SECONDS = 10**11  # parse_epoch reads magnitudes below this as seconds
# ISO 8601 that Python's fromisoformat and Arrow's cast read alike: full seconds, at most
# microseconds, then Z or +hh:mm or nothing (UTC); day validity is checked by the cast.
_ISO = r"^[12]\d{3}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$"
_HAS_ZONE = r"(Z|[+-]\d\d:\d\d)$"
_NULL_TEXT = pa.scalar(None, pa.string())
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, UnicodeError)


def at(objects: Sequence[dict], path: tuple[str, ...], cache: dict) -> list:
    """The value at ``path`` in each object; a missing key, or a parent that is no object, gives None."""
    level: Sequence = objects
    for depth in range(1, len(path) + 1):
        prefix = path[:depth]
        found = cache.get(prefix)
        if found is None:
            key = path[depth - 1]
            if depth == 1:
                found = [item.get(key) for item in level]
            else:
                found = [value.get(key) if type(value) is dict else None for value in level]
            cache[prefix] = found
        level = found
    return list(level)


def _kinds(values: list) -> set:
    return set(map(type, values))


def _per_value(function: Callable, values: list, arrow_type: pa.DataType) -> pa.Array:
    return pa.array([function(value) for value in values], arrow_type)


def _trimmed(values: list) -> pa.Array:
    return pc.utf8_trim(pa.array(values, pa.string()), characters=PYTHON_WHITESPACE)


def _blank_to_null(strings: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(strings, ""), _NULL_TEXT, strings)


def texts(values: list) -> pa.Array:
    """values.text"""
    kinds = _kinds(values)
    try:
        if kinds <= {str, _NONE}:
            return _blank_to_null(_trimmed(values))
        if kinds <= {int, _NONE}:
            return pa.array([None if value is None else str(value) for value in values], pa.string())
    except _ARROW_ERRORS:
        pass
    return _per_value(text, values, pa.string())


def identifier(value) -> str | None:
    """Ids are integers (beyond 2**53 for some): kept exactly, as text. Objects and booleans are no id."""
    if isinstance(value, (dict, list, bool)):
        return None
    return text(value)


def ids(values: list) -> pa.Array:
    """``identifier`` per value"""
    if _kinds(values) <= {str, int, _NONE} and bool not in _kinds(values):
        return texts(values)
    return _per_value(identifier, values, pa.string())


def free_texts(values: list) -> pa.Array:
    """values.free_text"""
    if _kinds(values) <= {str, _NONE}:
        try:
            strings = pa.array(values, pa.string())
            blank = pc.equal(pc.utf8_trim(strings, characters=PYTHON_WHITESPACE), "")
            return pc.if_else(blank, _NULL_TEXT, strings)
        except _ARROW_ERRORS:
            pass
    return _per_value(free_text, values, pa.string())


def tag_lists(values: list) -> pa.Array:
    """values.tag_list"""
    if _kinds(values) <= {list, _NONE}:
        try:
            lists = pa.array(values, pa.list_(pa.string()))  # raises unless every tag is a string
            tags = lists.flatten()
            trimmed = pc.utf8_trim(tags, characters=PYTHON_WHITESPACE)
            if tags.null_count == 0 and not pc.any(pc.equal(trimmed, "")).as_py():
                joined = pc.binary_join(pa.ListArray.from_arrays(lists.offsets, trimmed), ",")
                return _blank_to_null(pc.if_else(lists.is_null(), _NULL_TEXT, joined))
        except _ARROW_ERRORS:
            pass
    return _per_value(tag_list, values, pa.string())


def _lenient_moment(value):
    return or_none(parse_moment, value)


def moments(values: list) -> pa.Array:
    """``or_none(parse_moment, value)``: naive UTC, None where unreadable"""
    kinds = _kinds(values)
    try:
        if kinds <= {str, _NONE}:
            strings = pa.array(values, pa.string())
            if pc.all(pc.match_substring_regex(strings, _ISO)).as_py() is not False:
                zoned = pc.if_else(
                    pc.match_substring_regex(strings, _HAS_ZONE), strings, pc.binary_join_element_wise(strings, "Z", "")
                )
                return zoned.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
        elif kinds <= {int, _NONE}:
            numbers = pa.array(values, pa.int64())
            if pc.all(pc.less(pc.abs(numbers), _EPOCH_SECONDS)).as_py() is not False:
                return numbers.cast(pa.timestamp("s")).cast(pa.timestamp("us"))
    except _ARROW_ERRORS:  # e.g. 30 February: the Python below says what it is
        pass
    return _per_value(_lenient_moment, values, pa.timestamp("us"))


def _lenient_whole(value):
    return or_none(whole_number, value)


def whole_numbers(values: list) -> pa.Array:
    """``or_none(whole_number, value)``"""
    if _kinds(values) <= {int, _NONE}:
        try:
            numbers = pa.array(values, pa.int64())
            if pc.all(pc.less_equal(pc.abs(numbers), _EXACT)).as_py() is not False:
                return numbers
        except _ARROW_ERRORS:
            pass
    return _per_value(_lenient_whole, values, pa.int64())


def optional_bool(value) -> bool | None:
    try:
        return parse_bool(value)
    except ValueError:
        return None


def flags(values: list) -> pa.Array:
    """``optional_bool`` per value"""
    if _kinds(values) <= {bool, _NONE}:
        return pa.array(values, pa.bool_())
    return _per_value(optional_bool, values, pa.bool_())


def json_texts(values: list) -> pa.Array:
    """values.json_text of each nested value; null stays null"""
    return pa.array([None if value is None else json_text(value) for value in values], pa.string())


def dumps(objects: list) -> pa.Array:
    """Each object as compact JSON text, as values.json_text writes it (the raw_json column)."""
    try:
        return pa.array(list(map(orjson.dumps, objects)), pa.large_string()).cast(pa.string())
    except TypeError:  # integers beyond 64 bits from the stdlib decoder
        return pa.array([json_text(item) for item in objects], pa.string())

