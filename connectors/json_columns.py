"""Column-wise parsing of JSON-lines exports: DuckDB's JSON functions over blocks of raw lines.

Event exports (Amplitude, Mixpanel) run to millions of lines, and per-line Python (parsing,
a dict per record, Arrow conversion) costs ten times DuckDB's own scan. Here the lines of a
stream are cut from its bytes without a Python string per line, handed to an in-memory
DuckDB connection as an Arrow string column, and every field is extracted by SQL.

The SQL takes only rows it can prove it reads exactly as the per-record Python does: a
line DuckDB's parser accepts but orjson would not (NaN, trailing commas, numbers beyond a
double), duplicate keys (orjson keeps the last, DuckDB the first), values whose text
would differ (floats, objects, text with escapes or edge spaces) and anything else odd go
back to the connector's Python function with their original text, row and line number,
so every edge case keeps its exact result and reject reason.

Numbering follows ``decoding.iter_json_lines``: records are the non-blank lines, a line
ends at ``\\n``, ``\\r\\n`` or ``\\r``, and a stream that breaks off yields one last error record
after the complete lines that arrived before the break.
"""
from __future__ import annotations

import codecs
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import FilePart
from connectors.decoding import GZIP_MAGIC, JsonRecord, json_line, sniff_encoding
from connectors.event_properties import keys_with_roles, order_and_revenue

BLOCK_BYTES = 1 << 20  # one read of the stream; the text stream's buffer is as large
SCAN_ROWS = 8192  # lines per Arrow chunk handed to DuckDB
_STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile, OSError)
_LINE_END = re.compile(rb"\r\n|\r|\n")
_OPEN_BRACE = ord("{")

# --- SQL building blocks --------------------------------------------------------------
# json_transform(line, {field: "VARCHAR"}) gives each field's value as text: a string
# unescaped, a number or true/false as written by DuckDB, an object as JSON, NULL when absent
# or null. That is Python's text of the value (values.text after strip) except for objects
# and lists, integers that may not fit 64 bits, text with whitespace at either end (Python
# strips it), and floats Python writes differently: 18.0 as "18", exponents as "1e-07",
# 1e16 and beyond and below 1e-4 with an exponent. Other floats DuckDB writes as Python does
# (shortest digits that read back), and then text like "18.1" reads the same whether the
# export wrote a string or a number. A value that might be one of the exceptions sends the
# row to Python: one regex search over the values joined by \x1f (itself whitespace to
# Python), blank and missing values standing in as "x".
_SPACE = r"\s\x0b\x1c-\x1f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"  # str.isspace
_NOT_PLAIN_TEXT = (
    r"\x1f[S]|[S]\x1f"  # whitespace at either end
    r"|\x1f[{\[]"  # an object or a list (or text that looks like one)
    r"|\x1f-?[0-9]{19}"  # an integer that may not fit 64 bits
).replace("S", _SPACE)
# Floats Python writes otherwise (18.0, exponents, 16 integer digits, below 1e-4), or text like them.
_FLOAT_LIKE = (
    r"\x1f-?[0-9]*\.[0-9]*0\x1f|\x1f-?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+\x1f"
    r"|\x1f-?[0-9]{16,}\.[0-9]*\x1f|\x1f-?0?\.0000[0-9]*\x1f"
)
# For rows with float-like text ("18.0" is an os version, 18.0 a float Python writes "18"),
# the values' JSON text tells: only strings without escapes or edge spaces, whole numbers
# that fit 64 bits, true/false and null pass.
_NOT_PLAIN_JSON = (
    r"\\"  # an escape
    r'|\x1f"[S]|[S]"\x1f'  # whitespace at either end of a string
    r"|\x1f[{\[]"  # an object or a list
    r"|\x1f-?[0-9]+[.eE]|\x1f-?[0-9]{19}"  # a float, or an integer that may not fit 64 bits
).replace("S", _SPACE)
_INT = r"-?[0-9]{1,18}"
# Lines DuckDB's reader accepts but orjson refuses (NaN/Infinity, trailing commas, numbers
# beyond a double), \u00xx escapes (an escaped key could hide a duplicate; DuckDB writes
# control characters in upper case) and numbers DuckDB writes differently from orjson when
# it re-writes a property bag: only floats of 1e16 and beyond do (checked against Python on
# random floats of every magnitude), and in the line those have 17 digits or an exponent.
#
# Each is searched for on its own (``any_match``): a search that starts with a literal runs
# at memchr speed, while one regex of alternatives that start differently scans every byte
# (RE2 ~10 ns a byte: on Mixpanel's lines twice as slow as the five searches together).
_RISKY_NUMBER = r"\s*-?(?:(?i:nan|inf)|[0-9]{17}|[0-9.]+[eE])"
RISKY_LINE = (":" + _RISKY_NUMBER, "," + _RISKY_NUMBER, r"\[" + _RISKY_NUMBER, r",\s*[}\]]", r"\\u00")


def any_match(expr: str, patterns) -> str:
    """A SQL condition: ``expr`` holds a match of one of the regexes ``patterns`` (the same
    rows as one search for their alternation)."""
    return "(" + " or ".join(f"regexp_matches({expr}, {sql_text(pattern)})" for pattern in patterns) + ")"


def sql_text(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def transform_spec(fields, leaf: str = "JSON") -> str:
    """The json_transform structure that reads each field as its given type, else ``leaf``:
    JSON (minified JSON text) or VARCHAR (text unescaped). Nested dicts: nested objects."""
    def spec(node):
        if isinstance(node, dict):
            return {key: spec(sub) for key, sub in node.items()}
        return node if isinstance(node, str) else leaf
    return sql_text(orjson.dumps(spec(fields if isinstance(fields, dict) else dict.fromkeys(fields))).decode())


def simple_values(texts, ints=(), json_texts=()) -> str:
    """A SQL condition: the VARCHAR values ``texts`` read as Python reads them as text, and
    ``ints`` are NULL or whole numbers that fit 64 bits (as Python's parse_int reads them).

    ``json_texts``: SQL lists of the same values as JSON text (json_extract of their paths),
    consulted only for rows whose text looks like a float."""
    joined = ", ".join(f"coalesce(nullif({expr}, ''), 'x')" for expr in texts)
    text = f"concat(chr(31), concat_ws(chr(31), {joined}), chr(31))"
    as_json = f"concat(chr(31), array_to_string(list_concat({', '.join(json_texts)}), chr(31)), chr(31))"
    condition = (
        f"not regexp_matches({text}, {sql_text(_NOT_PLAIN_TEXT)})"
        f" and (not regexp_matches({text}, {sql_text(_FLOAT_LIKE)}) or not regexp_matches({as_json}, {sql_text(_NOT_PLAIN_JSON)}))"
    )
    for expr in ints:
        condition += f" and ({expr} is null or regexp_full_match({expr}, {sql_text(_INT)}))"
    return condition


def json_paths(names) -> str:
    """A SQL list of JSON paths to the top-level keys ``names``."""
    return "[" + ", ".join(sql_text(f'$."{name}"') for name in names) + "]"


def text_column(column: str, exprs) -> str:
    """A SQL select item: the first of the VARCHAR values ``exprs`` with text (Python's
    ``_s(a) or _s(b)``), for values simple_values accepted (so there is nothing to strip)."""
    values = ", ".join(f"nullif({expr}, '')" for expr in exprs)
    return f"coalesce({values}) as {column}"


def plain_bag(expr: str) -> str:
    """A SQL condition: ``expr`` (JSON text) is NULL or an object without nested objects (whose
    keys could repeat); its numbers are checked on the line (RISKY_LINE)."""
    return f"({expr} is null or (starts_with({expr}, '{{') and {expr} not like '_%{{%'))"


def distinct_keys(expr: str) -> str:
    """A SQL condition: the object's keys are unique (orjson keeps the last of duplicates, DuckDB
    the first). For short key lists; long ones are checked with ``repeated_keys``."""
    return f"(list_unique({expr}) = len({expr}))"


def repeated_keys(key_lists: pa.Array) -> np.ndarray:
    """A mask of the rows whose key list names a key twice. Events of one kind share their
    key list, so each distinct list is checked once (in Python) and the answer spread back.
    The lists are told apart joined by NUL, which no key read by SQL holds: a raw one makes
    the line invalid JSON, an escaped one is one of RISKY_LINE's ``\\u00``."""
    if not len(key_lists):
        return np.zeros(0, dtype=bool)
    lists = pc.dictionary_encode(pc.binary_join(key_lists, "\x00"), null_encoding="encode")
    repeats = np.array(
        [joined is not None and len(set(joined.split("\x00"))) <= joined.count("\x00") for joined in lists.dictionary.to_pylist()],
        dtype=bool,
    )
    return repeats[lists.indices.to_numpy(zero_copy_only=False)]


def object_lines(table: str, single_keys: tuple[str, ...] = ()) -> str:
    """The rows of ``table`` whose line is one JSON object by DuckDB's reader (checked before any
    extraction); lines with leading spaces or anything else unusual are left to Python.

    ``single_keys`` (plain names): lines naming one of them twice anywhere are left to Python
    too, a cheap superset of a repeated top-level key (an escaped name needs \\u00, also left).
    """
    repeats = tuple(f'"{re.escape(key)}"[^\\x00]*"{re.escape(key)}"' for key in single_keys)
    # A search for a repeated key scans the whole line whatever it starts with: then one
    # regex of every alternative checks all in that one pass.
    risky = f"regexp_matches(line, {sql_text('|'.join(RISKY_LINE + repeats))})" if repeats else any_match("line", RISKY_LINE)
    # orjson refuses nesting deeper than 1024; DuckDB does not: long lines with as many brackets go to Python.
    nesting = "(strlen(line) < 2048 or strlen(line) - strlen(replace(replace(line, '[', ''), '{', '')) < 1024)"
    return (
        f"select * from {table} where starts_with(line, '{{') and json_valid(line) "
        f"and not {risky} and {nesting}"
    )


# --- lines ---------------------------------------------------------------------------

@dataclass
class LineBlock:
    """Non-blank lines of one stream as one buffer of UTF-8 bytes and offsets into it. Each
    line keeps its terminator, and blank lines stay attached to the line before them (or the
    first after them): whitespace, which JSON and str.strip ignore."""

    data: bytes
    offsets: np.ndarray  # int64, one more than lines: line i is data[offsets[i]:offsets[i + 1]]
    rows: np.ndarray  # record numbers within the stream, 1-based, blank lines not counted
    line_numbers: np.ndarray  # physical line numbers within the stream, for reasons

    @property
    def lines(self) -> pa.LargeStringArray:
        return pa.LargeStringArray.from_buffers(len(self.rows), pa.py_buffer(self.offsets), pa.py_buffer(self.data))

    def split(self, count: int) -> tuple[LineBlock, LineBlock | None]:
        """The first ``count`` lines, and the rest (None when there is none)."""
        if count >= len(self.rows):
            return self, None
        cut = int(self.offsets[count])
        head = LineBlock(self.data[:cut], self.offsets[: count + 1], self.rows[:count], self.line_numbers[:count])
        tail = LineBlock(self.data[cut:], self.offsets[count:] - cut, self.rows[count:], self.line_numbers[count:])
        return head, tail


def read_lines(stream: IO[str], part: FilePart | None = None) -> Iterator[LineBlock | JsonRecord]:
    """The lines of a text stream from ``decoding.text_stream`` (or ``open_part``) in blocks,
    read from its byte buffer; a break in the stream ends it with the error record
    iter_json_lines yields. A part's lines are numbered after the lines before it."""
    buffer = stream.buffer
    encoding = codecs.lookup(stream.encoding).name
    decoder = None if encoding in ("utf-8", "utf-8-sig") else codecs.getincrementaldecoder(encoding)(errors="replace")
    skip_bom = encoding == "utf-8-sig"
    pending = b""
    lines_seen, records_seen = (part.lines_before, part.records_before) if part is not None else (0, 0)
    while True:
        try:
            block = buffer.read1(BLOCK_BYTES)
        except _STREAM_ERRORS as exc:
            # Lines ended by a lone \r before the break were complete (a last \r could still be \r\n).
            end = len(pending) - 1 if pending.endswith(b"\r") else len(pending)
            head = pending[: pending.rfind(b"\r", 0, end) + 1]
            if head:
                found = _block(head, lines_seen, records_seen)
                lines_seen += _count_lines(head)
                if found is not None:
                    records_seen = int(found.rows[-1])
                    yield found
            yield JsonRecord(records_seen + 1, "", None, f"compressed stream is truncated or corrupt after line {lines_seen} ({exc})")
            return
        at_end = not block
        if decoder is not None:
            block = decoder.decode(block, final=at_end).encode("utf-8")
        data = pending + block
        if skip_bom:  # utf-8-sig: a BOM at the very start is no text
            if len(data) < 3 and not at_end:
                pending = data
                continue
            data = data[3:] if data.startswith(codecs.BOM_UTF8) else data
            skip_bom = False
        cut = len(data) if at_end else data.rfind(b"\n") + 1
        complete, pending = data[:cut], data[cut:]
        if complete:
            found = _block(complete, lines_seen, records_seen)
            lines_seen += _count_lines(complete)
            if found is not None:
                records_seen = int(found.rows[-1])
                yield found
        if at_end:
            return


# --- parts of a large file ----------------------------------------------------------------

def plan_parts(path: Path, part_bytes: int) -> list[FilePart] | None:
    """A plain UTF-8 file of JSON lines cut into parts of about ``part_bytes``, each at the
    start of a line, with the lines and records (non-blank lines) before it, counted as
    ``read_lines`` counts them; None when the file is smaller than two parts or cannot be
    cut: compressed, another encoding (sniffed from its first bytes, as ``open_text``
    does), or with a lone ``\r`` ending a line (``\r\n`` is fine)."""
    parts: list[FilePart] = []
    with open(path, "rb") as raw:
        head = raw.read(4)
        if head[:2] == GZIP_MAGIC or sniff_encoding(head) not in ("utf-8", "utf-8-sig"):
            return None
        raw.seek(0)
        start = lines_before = records_before = 0
        while True:
            data = raw.read(part_bytes)
            if not data:
                break
            if len(data) == part_bytes:  # the part ends with the line it cuts into
                data += raw.readline()
            if data.count(b"\r") != data.count(b"\r\n"):
                return None
            parts.append(FilePart(start, start + len(data), lines_before, records_before))
            text = data[3:] if start == 0 and data.startswith(codecs.BOM_UTF8) else data  # as read_lines skips it
            lines = _count_lines(text)
            lines_before += lines
            records_before += _records_in(text, lines)
            start += len(data)
    return parts if len(parts) >= 2 else None


def _records_in(data: bytes, lines: int) -> int:
    """Non-blank lines of the ``lines`` whole lines ``data`` (without lone ``\r``): lines
    starting with ``{``, and the few others that hold more than whitespace."""
    if data.startswith(b"{") + data.count(b"\n{") == lines:
        return lines
    found = _block(data, 0, 0)
    return 0 if found is None else len(found.rows)


class _Stretch(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file, as a stream of their own."""

    def __init__(self, path: Path, start: int, end: int):
        self._file = open(path, "rb")
        self._file.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._file.read(min(len(buffer), self._left))
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


def open_part(path: Path, part: FilePart) -> IO[str]:
    """One part of a file planned by ``plan_parts`` (UTF-8), as a text stream for ``read_lines``;
    in the first part a byte-order mark is skipped, as in the whole file ("utf-8-sig" reads
    a file without one exactly as "utf-8" does)."""
    encoding = "utf-8-sig" if part.start == 0 else "utf-8"
    buffered = io.BufferedReader(_Stretch(path, part.start, part.end), buffer_size=BLOCK_BYTES)
    return io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")


def _count_lines(data: bytes) -> int:
    if b"\r" not in data:
        return data.count(b"\n") + (not data.endswith(b"\n"))
    return len(_LINE_END.findall(data)) + (not data.endswith((b"\n", b"\r")))


def _block(data: bytes, lines_before: int, records_before: int) -> LineBlock | None:
    """The non-blank lines of ``data`` (whole lines only), numbered after the ones before."""
    if not _is_utf8(data):  # the text stream shows undecodable bytes as U+FFFD
        data = data.decode("utf-8", errors="replace").encode("utf-8")
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        # A lone \r ends a line too: rebuild the block with \n endings (rare: old Mac files).
        pieces = _LINE_END.split(data)
        if pieces and pieces[-1] == b"":
            pieces.pop()
        data = b"".join(piece + b"\n" for piece in pieces)
    view = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(view == 10) + 1
    if not data.endswith(b"\n"):
        ends = np.append(ends, len(data))
    starts = np.concatenate(([0], ends[:-1]))
    nonblank = view[starts] == _OPEN_BRACE
    for index in np.flatnonzero(~nonblank):  # not starting with "{": blank, or a line for Python to judge
        nonblank[index] = bool(data[starts[index]:ends[index]].decode("utf-8").strip())
    kept = np.flatnonzero(nonblank)
    if not len(kept):
        return None
    offsets = np.empty(len(kept) + 1, dtype=np.int64)  # blank lines join their neighbours
    offsets[0] = 0
    offsets[1:-1] = ends[kept[:-1]]
    offsets[-1] = len(data)
    rows = np.arange(records_before + 1, records_before + 1 + len(kept), dtype=np.int64)
    return LineBlock(data, offsets, rows, kept + (lines_before + 1))


def _is_utf8(data: bytes) -> bool:
    if len(data) < 1 << 16:  # small: Python's decoder is quicker to start
        try:
            data.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False
    try:  # large: Arrow's check is vectorised
        pa.LargeStringArray.from_buffers(1, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), pa.py_buffer(data)).validate(full=True)
        return True
    except pa.ArrowInvalid:
        return False


def json_record(line: str, row: int, line_number: int) -> JsonRecord:
    """One line as iter_json_lines reads it: the parsed value, or the reason it does not parse."""
    return json_line(line.strip(), row, line_number)


# --- batches -------------------------------------------------------------------------

class LineBatch:
    """Lines of one or more streams (zip members), parsed together by one SQL query.

    Columns: ``line``, ``_source_row`` (record number in the file), ``member_row`` (in its
    stream), ``line_number`` (physical, in its stream), ``member`` (index into ``members``).
    """

    def __init__(self) -> None:
        self._parts: list[tuple[LineBlock, int, int]] = []
        self.members: list[str | None] = []
        self.size = 0

    def add(self, block: LineBlock, member: int, rows_before: int) -> None:
        self._parts.append((block, member, rows_before))
        self.size += len(block.rows)

    def table(self) -> pa.Table:
        """The lines as one table, built once (a zip's members are hundreds of blocks of a few
        lines), in even chunks: DuckDB scans Arrow chunk by chunk, one thread each."""
        blocks = [block for block, _, _ in self._parts]
        shifts = np.cumsum([0] + [len(block.data) for block in blocks])
        offsets = np.concatenate([block.offsets[:-1] + shift for block, shift in zip(blocks, shifts)] + [shifts[-1:]])
        lines = pa.LargeStringArray.from_buffers(self.size, pa.py_buffer(offsets.astype(np.int64)), pa.py_buffer(b"".join(block.data for block in blocks)))
        whole = pa.table({
            "line": lines,
            "_source_row": np.concatenate([block.rows + rows_before for block, _, rows_before in self._parts]),
            "member_row": np.concatenate([block.rows for block in blocks]),
            "line_number": np.concatenate([block.line_numbers for block in blocks]),
            "member": np.concatenate([np.full(len(block.rows), member, dtype=np.int32) for block, member, _ in self._parts]),
        })
        return pa.Table.from_batches(whole.to_batches(max_chunksize=SCAN_ROWS), schema=whole.schema)

    def clear(self) -> None:
        """Drop the lines (member names stay: later lines of an open member still refer to them)."""
        self._parts, self.size = [], 0


# DuckDB threads of each JsonColumns connection; None: DuckDB's default, one per core. A
# process reading files beside others (pipelines.file_reader's workers, one per core) sets
# 1: more threads would only compete for the same cores, and each holds its own buffers.
THREADS: int | None = None


class JsonColumns:
    """One in-memory DuckDB connection (per read call) that runs a connector's query over batches."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        if THREADS is not None:
            self.con.execute(f"set threads = {int(THREADS)}")
        # Pushing filters below the projections that compute their inputs would compute
        # the JSON functions again for every condition that reads them.
        self.con.execute("set disabled_optimizers = 'filter_pushdown'")

    def split(self, batch: pa.Table, query: str, also_python=None) -> tuple[pa.Table, list[tuple[JsonRecord, int, int]]]:
        """(the rows ``query`` reads, selected from table ``batch``; the others as
        (JsonRecord, member index, source row) for the connector's Python). ``also_python(rows)``
        gives a mask of further rows of the query's result to leave to Python."""
        self.con.register("batch", batch)
        try:
            fast = self.con.sql(query).to_arrow_table().combine_chunks()  # one chunk per column: later takes and filters are cheaper
        finally:
            self.con.unregister("batch")
        if also_python is not None and fast.num_rows:
            mask = also_python(fast)
            if mask.any():
                fast = fast.filter(pa.array(~mask))
        if fast.num_rows == batch.num_rows:
            return fast, []
        rest = batch.filter(pc.invert(pc.is_in(batch["_source_row"], value_set=fast["_source_row"])))
        others = [
            (json_record(line, member_row, line_number), member, row)
            for line, member_row, line_number, member, row in zip(
                rest["line"].to_pylist(), rest["member_row"].to_pylist(), rest["line_number"].to_pylist(),
                rest["member"].to_pylist(), rest["_source_row"].to_pylist(),
            )
        ]
        return fast, others

    def close(self) -> None:
        self.con.close()


def rows_with_keys(key_lists: pa.Array, keys: list[str]) -> np.ndarray:
    """Indexes of the rows whose key list holds any of ``keys``."""
    if not keys or not len(key_lists):
        return np.empty(0, dtype=np.int64)
    flat = pc.list_flatten(key_lists)
    parents = pc.list_parent_indices(key_lists)
    hits = pc.filter(parents, pc.is_in(flat, value_set=pa.array(keys, pa.string()))).to_numpy()
    # parent indices ascend, so a row's repeats are adjacent (np.unique would hash them)
    return hits[np.concatenate(([True], hits[1:] != hits[:-1]))] if len(hits) else hits


def unique_keys(key_lists: pa.Array) -> list[str]:
    return pc.unique(pc.list_flatten(key_lists)).to_pylist()


def in_file_order(fast: pa.Table, records: list[dict], schema: pa.Schema) -> pa.Table:
    """The SQL's rows and the ones Python read as one table in the raw model's schema (plus
    ``_source_row``), in file order."""
    schema = schema.append(pa.field("_source_row", pa.int64()))
    parts = [pa.Table.from_arrays([fast[f.name].cast(f.type) for f in schema], schema=schema)] if fast.num_rows else []
    if records:
        parts.append(pa.Table.from_pylist(records, schema=schema))
    if not parts:
        return schema.empty_table()
    table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
    return table.sort_by("_source_row") if records and fast.num_rows else table


def with_order_and_revenue(table: pa.Table, keys_column: str, bag_column: str) -> pa.Table:
    """``order_ref`` and ``revenue`` (event_properties.order_and_revenue) appended, from the
    property bags whose key list (``keys_column``) holds an order or revenue key: only those
    bags are parsed again in Python."""
    key_lists = table[keys_column].combine_chunks()
    role_keys = keys_with_roles(unique_keys(key_lists))
    rows = rows_with_keys(key_lists, role_keys)
    role_keys = set(role_keys)
    order_refs: list = [None] * table.num_rows
    revenues: list = [None] * table.num_rows
    if len(rows):
        bags = table[bag_column].chunk(0).take(pa.array(rows)).to_pylist()
        for index, bag in zip(rows.tolist(), bags):
            # Only keys with a role count, in their order: the same answer from a few keys, not dozens.
            roles = {key: value for key, value in orjson.loads(bag).items() if key in role_keys}
            order_refs[index], revenues[index] = order_and_revenue(roles)
    table = table.append_column("order_ref", pa.array(order_refs, pa.string()))
    return table.append_column("revenue", pa.array(revenues, pa.float64()))
