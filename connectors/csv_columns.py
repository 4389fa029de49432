"""CSV cells converted column by column into typed Arrow arrays, with the same results as the
per-value Python parsers the connectors apply one cell at a time.

Parsing a million cells one ``str`` at a time costs far more than reading the file, so the
CSV connectors take a batch of rows, turn each column into one Arrow string array and
convert it with ``pyarrow.compute``. Only values in the plain form exports almost always
write (``820.00``, ``2``, ``yes``, ``2024-11-02 14:05:29 -0500``) take that vectorised path,
proven by a strict pattern (and, for times, by Arrow's ISO 8601 parser, which refuses
impossible dates as Python does); every other value goes through the connector's own Python function, so odd values
keep exactly the result, ``None`` included, they get one row at a time.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import Chunk
from connectors.decoding import CsvBatch, CsvLayout

# Every character Python's str.strip() removes (Unicode whitespace; all of it lies below U+3001).
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())

STRING = pa.string()
MONEY = pa.decimal128(18, 2)
TIMESTAMP = pa.timestamp("us")

# Plain forms the vectorised path converts; anything else goes through the Python parser.
# Amounts: up to 15 integer digits (parse_decimal refuses 1e16 and more), at most 2 decimals
# (more would need rounding). Whole numbers: up to 18 digits (no int64 overflow).
_PLAIN_AMOUNT = r"^-?[0-9]{1,15}(?:\.[0-9]{1,2})?$"
_PLAIN_INTEGER = r"^-?[0-9]{1,18}$"
_PLAIN_FLOAT = r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$"  # Arrow and Python both round these correctly
_LOCAL_TIME = r"^[1-8][0-9]{3}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
# Characters orjson writes as \u00XX (the other JSON escapes are done below by replacement).
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
# Shopify's ``2024-11-02 14:05:29 -0500`` with a four-digit year far from datetime's limits.
_SHOPIFY_TIME = r"^[1-8][0-9]{3}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$"


class CellColumns:
    """The cells of a batch's well-formed rows (all as wide as the header), column by column.

    Cells are kept row after row in one array; the whole batch is trimmed in one pass and a
    column (of all rows, or of the rows chosen) is one ``take``, so each cell is copied as few
    times as possible: at Shopify's 79 columns that copying is most of the work.
    """

    def __init__(self, cells: pa.ListArray, width: int, rows: numpy.ndarray | None = None):
        """``rows``: which rows of ``cells`` to use (all by default); each must have ``width`` cells."""
        starts = cells.offsets.to_numpy()[:-1]
        self._starts = starts if rows is None else starts[rows]  # where each row's cells begin in ``cells.values``
        self.num_rows = len(self._starts)
        self.width = width
        self._cells = cells.values
        self._trimmed: pa.Array | None = None

    @classmethod
    def from_batch(cls, batch: CsvBatch, width: int) -> tuple[CellColumns, list[int]]:
        """The columns of the rows that are valid CSV and exactly ``width`` wide, and those rows' indexes in the batch."""
        cells = batch.cells
        fits = pc.equal(pc.list_value_length(cells), width)
        if batch.errors:
            fits = pc.and_(fits, pa.array([i not in batch.errors for i in range(len(batch))]))
        if pc.all(fits).as_py():
            return cls(cells, width), list(range(len(batch)))
        rows = pc.indices_nonzero(fits).to_numpy()
        return cls(cells, width, rows), rows.tolist()

    def _positions(self, index: int, rows: pa.Array | None) -> numpy.ndarray:
        starts = self._starts if rows is None else self._starts[rows.to_numpy(zero_copy_only=False)]
        return starts + index

    def raw(self, index: int, rows: pa.Array | None = None) -> pa.Array:
        """The cells of one column as read (untrimmed), of every row or of the rows at the indexes ``rows``."""
        return self._cells.take(self._positions(index, rows))

    def text(self, index: int, rows: pa.Array | None = None) -> pa.Array:
        """Trimmed text, blank as NULL (``CsvLayout.values`` for one column), of every row or of the rows ``rows``."""
        if self._trimmed is None:
            self._trimmed = nonblank(self._cells)
        return self._trimmed.take(self._positions(index, rows))



def width_rejects(batch: CsvBatch, layout: CsvLayout, kept: list[int], entity: str, chunk: Chunk, first_row: int = 0) -> None:
    """Reject the rows left out of ``kept``: not valid CSV, or as many fields as the header has not."""
    if len(kept) == len(batch):
        return
    lengths = pc.list_value_length(batch.cells).to_pylist()
    kept_set = set(kept)
    for index in range(len(batch)):
        if index not in kept_set:
            reason = batch.errors.get(index) or f"row has {lengths[index]} fields, header has {len(layout.header)}"
            chunk.reject(entity, batch.numbers[index] - first_row, reason, batch.texts[index])


def nonblank(values: pa.Array) -> pa.Array:
    """``value.strip() or None`` for every value."""
    trimmed = pc.utf8_trim(values, WHITESPACE)
    if trimmed.null_count or trimmed.offset or trimmed.type != STRING:
        return pc.if_else(pc.equal(pc.binary_length(trimmed), 0), pa.scalar(None, STRING), trimmed)
    # The trimmed text as it is, with blank values marked missing (no copy of the text).
    present = pc.greater(pc.binary_length(trimmed), 0)
    return pa.Array.from_buffers(STRING, len(trimmed), [present.buffers()[1], *trimmed.buffers()[1:]])


def unguard(texts: pa.Array) -> pa.Array:
    """Excel's leading ``'`` removed from trimmed text, as ``value[1:].strip() or None``."""
    guarded = pc.starts_with(texts, "'")
    if not pc.any(guarded).as_py():
        return texts
    return pc.if_else(guarded, nonblank(pc.utf8_slice_codeunits(texts, 1)), texts)


def with_fallback(texts: pa.Array, plain: pa.Array, fast: pa.Array, slow: Callable[[str], object], type_: pa.DataType) -> pa.Array:
    """``fast`` where ``plain`` holds, else ``slow(text)`` for each remaining non-null text."""
    odd = pc.and_(pc.invert(plain.fill_null(False)), pc.is_valid(texts))
    if not pc.any(odd).as_py():
        return fast
    replacements = pa.array([slow(value) for value in texts.filter(odd).to_pylist()], type_)
    return pc.replace_with_mask(fast, odd, replacements)


def _only(texts: pa.Array, plain: pa.Array) -> pa.Array:
    return pc.if_else(plain, texts, pa.scalar(None, STRING))


def amounts(texts: pa.Array, slow: Callable[[str], object]) -> pa.Array:
    """Money as DECIMAL(18,2), as ``parse_decimal`` (or the connector's lenient form of it) reads it."""
    plain = pc.match_substring_regex(texts, _PLAIN_AMOUNT)
    return with_fallback(texts, plain, pc.cast(_only(texts, plain), MONEY), slow, MONEY)


def integers(texts: pa.Array, slow: Callable[[str], object]) -> pa.Array:
    plain = pc.match_substring_regex(texts, _PLAIN_INTEGER)
    return with_fallback(texts, plain, pc.cast(_only(texts, plain), pa.int64()), slow, pa.int64())


def flags(texts: pa.Array, true_words: tuple[str, ...], false_words: tuple[str, ...], slow: Callable[[str], object]) -> pa.Array:
    """Booleans from words. ASCII values are compared lower-cased; anything not among the words goes to ``slow``."""
    lowered = pc.utf8_lower(texts)
    is_true = pc.is_in(lowered, pa.array(true_words, STRING))
    is_false = pc.is_in(lowered, pa.array(false_words, STRING))
    plain = pc.and_(pc.or_(is_true, is_false), pc.string_is_ascii(texts))
    fast = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
    return with_fallback(texts, plain, fast, slow, pa.bool_())


def shopify_times(texts: pa.Array, slow: Callable[[str], object]) -> pa.Array:
    """``2024-11-02 14:05:29 -0500`` as naive UTC. A value is converted here only when it has
    exactly that form and a real date and time (no ``02-30``, ``24:00`` or leap second, which
    ``datetime.fromisoformat`` refuses too); every other value goes to ``slow``."""
    shaped = pc.match_substring_regex(texts, _SHOPIFY_TIME)
    local, plain = _real_times(pc.utf8_slice_codeunits(_only(texts, shaped), 0, 19), shaped)
    offset_text = pc.if_else(plain, texts, pa.scalar("0000-00-00 00:00:00 +0000"))
    hours = pc.cast(pc.utf8_slice_codeunits(offset_text, 21, 23), pa.int64())
    minutes = pc.cast(pc.utf8_slice_codeunits(offset_text, 23, 25), pa.int64())
    sign = pc.if_else(pc.equal(pc.utf8_slice_codeunits(offset_text, 20, 21), "-"), -1, 1)
    offset_us = pc.multiply(pc.multiply(sign, pc.add(pc.multiply(hours, 60), minutes)), 60_000_000)
    utc = pc.subtract(local.cast(pa.int64()), offset_us).cast(TIMESTAMP)
    return with_fallback(texts, plain, pc.if_else(plain, utc, pa.scalar(None, TIMESTAMP)), slow, TIMESTAMP)


def floats(texts: pa.Array, slow: Callable[[str], object]) -> pa.Array:
    plain = pc.match_substring_regex(texts, _PLAIN_FLOAT)
    return with_fallback(texts, plain, pc.cast(_only(texts, plain), pa.float64()), slow, pa.float64())


def _real_times(local_text: pa.Array, shaped: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``YYYY-MM-DD HH:MM:SS`` texts as timestamps, and which of them are real dates and times."""
    try:
        return pc.cast(local_text, TIMESTAMP), shaped.fill_null(False)  # Arrow's ISO 8601 parser refuses 02-30, 24:00, :60
    except pa.ArrowInvalid:  # some value is not a real date or time: find which, by reading each back
        local = pc.strptime(local_text, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
        read_back = pc.utf8_slice_codeunits(pc.strftime(local, format="%Y-%m-%d %H:%M:%S"), 0, 19)  # %S adds .000000
        return local, pc.equal(read_back, local_text).fill_null(False)


def local_times(texts: pa.Array, zone: dt.tzinfo, slow: Callable[[str], object]) -> pa.Array:
    """Wall-clock ``2024-08-15 05:30:02`` in ``zone`` as naive UTC, as ``parse_timestamp(text, zone)``
    reads it (an ambiguous time is the earlier instant, as Python's fold=0). A time that does
    not exist in the zone (skipped by a DST change) sends the column to ``slow``."""
    shaped = pc.match_substring_regex(texts, _LOCAL_TIME)
    local, plain = _real_times(_only(texts, shaped), shaped)
    local = pc.if_else(plain, local, pa.scalar(None, TIMESTAMP))
    if zone is dt.timezone.utc or (isinstance(zone, dt.timezone) and zone.utcoffset(None) == dt.timedelta(0)):
        utc = local
    elif isinstance(zone, dt.timezone):
        offset = zone.utcoffset(None)
        utc = pc.subtract(local.cast(pa.int64()), (offset.days * 86_400 + offset.seconds) * 1_000_000 + offset.microseconds).cast(TIMESTAMP)
    elif isinstance(zone, ZoneInfo):
        try:
            zoned = pc.assume_timezone(local, timezone=zone.key, ambiguous="earliest", nonexistent="raise")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, KeyError, ValueError):
            plain = pa.array([False] * len(texts))
            zoned = local
        utc = zoned.cast(pa.int64()).cast(TIMESTAMP)
    else:
        plain, utc = pa.array([False] * len(texts)), local
    return with_fallback(texts, plain, pc.if_else(plain, utc, pa.scalar(None, TIMESTAMP)), slow, TIMESTAMP)


def joined_text(columns: list[pa.Array], separator: str) -> pa.Array:
    """Per row, the non-NULL values of ``columns`` joined by ``separator``; NULL when there are none."""
    if not columns:
        return pa.nulls(0, STRING)
    joined = _join_present(columns, separator)
    return pc.if_else(pc.equal(pc.binary_length(joined), 0), pa.scalar(None, STRING), joined)


def _join_present(columns: list[pa.Array], separator: str) -> pa.Array:
    """Per row, the non-NULL values joined by ``separator`` ("" when none).

    Each value is prefixed with the separator and the first separator cut off again:
    binary_join_element_wise's own null_handling="skip" drops trailing all-NULL rows (pyarrow 26).
    """
    prefixed = [pc.binary_join_element_wise(separator, column, "").fill_null("") for column in columns]
    joined = prefixed[0] if len(prefixed) == 1 else pc.binary_join_element_wise(*prefixed, "")
    return pc.utf8_slice_codeunits(joined, len(separator))


def json_objects(names: list[str], raws: list[pa.Array], count: int) -> pa.Array:
    """Per row, ``orjson.dumps({name: value for name, value in zip(names, values) if value.strip()})``
    as text, NULL for an empty object. ``raws`` are the untrimmed cells of each name's column."""
    if not raws:
        return pa.nulls(count, STRING)
    pieces, odd = [], None
    for name, raw in zip(names, raws):
        present = pc.is_valid(nonblank(raw))
        value = pc.if_else(present, raw, pa.scalar(None, STRING))
        control = pc.match_substring_regex(value, _CONTROL).fill_null(False)
        odd = control if odd is None else pc.or_(odd, control)
        for plain, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
            value = pc.replace_substring(value, plain, escaped)
        pieces.append(pc.binary_join_element_wise(orjson.dumps(name).decode() + ':"', value, '"', ""))
    if len(set(names)) < len(names):  # a name twice: the later value wins, as in a dict (rare: done in Python)
        odd = pa.array([True] * count)
    body = _join_present(pieces, ",")
    objects = pc.if_else(pc.equal(pc.binary_length(body), 0), pa.scalar(None, STRING), pc.binary_join_element_wise("{", body, "}", ""))
    if pc.any(odd).as_py():
        rows = [list(values) for values in zip(*(raw.filter(odd).to_pylist() for raw in raws))]
        slow = []
        for values in rows:
            found = {name: value for name, value in zip(names, values) if value.strip()}
            slow.append(orjson.dumps(found).decode() if found else None)
        objects = pc.replace_with_mask(objects, odd, pa.array(slow, STRING))
    return objects


def extras(layout: CsvLayout, cells: CellColumns, rows: pa.Array | None = None) -> pa.Array:
    """``CsvLayout.extras`` of each row (or of the rows at the indexes ``rows``), as a string array:
    the non-blank cells of the columns no field claims, as a JSON object by header name."""
    count = cells.num_rows if rows is None else len(rows)
    names = [layout.header[index] for index in layout.unknown]
    return json_objects(names, [cells.raw(index, rows) for index in layout.unknown], count)
