"""Shared decoding of export files: compression, encodings, CSV, JSON lines, page documents,
zip archives and Firehose-concatenated JSON. Written once; every connector uses it.

All iterators stream: memory is bounded by one record (by one batch for ``iter_csv_batches``), never by the file.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import json
import operator
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from connectors.base import UnreadableFile

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
MAX_RECORD_TEXT = 1_000_000  # quarantine keeps at most this many characters of one record

csv.field_size_limit(sys.maxsize)  # review texts and notes can be long; the default 128 KiB limit would reject them


def open_bytes(path: Path) -> IO[bytes]:
    """Open a file, transparently gunzipping it when it starts with the gzip magic."""
    raw = open(path, "rb")
    head = raw.read(2)
    raw.seek(0)
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def sniff_encoding(head: bytes) -> str:
    """The encoding by byte-order mark or NUL pattern: UTF-16 (Google Play), UTF-8 with BOM (Excel, Qualtrics)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # UTF-16 without a BOM: every other byte of ASCII text is NUL.
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    return "utf-8"


class _PeekableBytes(io.RawIOBase):
    """Lets us sniff the first bytes of a (possibly gzip) stream without seeking."""

    def __init__(self, stream: IO[bytes], head: bytes):
        self._stream, self._head = stream, head
        self._read = getattr(stream, "read1", stream.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        # read1: one read of the source. A gzip cut short raises EOFError on the read after its
        # last good bytes; read() would gather several and lose them all with the error.
        data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def text_stream(stream: IO[bytes]) -> IO[str]:
    """Decode a byte stream as text, with the encoding sniffed from its first bytes.

    Undecodable bytes become U+FFFD rather than failing the whole file: the record that
    holds them still loads, visibly marked.
    """
    head = stream.read(4)
    encoding = sniff_encoding(head)
    buffered = io.BufferedReader(_PeekableBytes(stream, head), buffer_size=1 << 20)
    return io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")


def open_text(path: Path) -> IO[str]:
    return text_stream(open_bytes(path))


def normalise_header(name: str) -> str:
    """Header names compared loosely: case, BOM, spacing, underscores and punctuation at the ends don't matter."""
    name = name.replace("\ufeff", "").strip().lower()
    name = re.sub(r"[\s_]+", " ", name)
    return name


class _LineTap:
    """Feeds lines to csv.reader while remembering them, so a rejected row keeps its original text."""

    def __init__(self, lines: IO[str]):
        self._lines = lines
        self.taken: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line

    def pop_text(self) -> str:
        text = "".join(self.taken)
        self.taken.clear()
        return text.rstrip("\r\n")


@dataclass
class CsvRow:
    row: int  # 1-based data row number (header rows not counted)
    fields: list[str]
    text: str  # the row's original text, multi-line fields included
    error: str | None = None  # set when the row is not valid CSV


def _read_header(stream: IO[str], header_rows: int, delimiter: str | None, tap_class):
    """The header rows, read through a line tap (``_LineTap`` or ``_BlockLines``) by the
    csv.reader that then reads the data rows, and the delimiter (``None`` takes it from the first line).
    Raises UnreadableFile when the header rows are missing or not valid CSV."""
    lines: Iterator[str] = iter(stream)
    if delimiter is None:
        first_line = stream.readline()
        delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
        lines = itertools.chain([first_line], stream) if first_line else iter(stream)
    tap = tap_class(lines)
    reader = csv.reader(tap, strict=False, delimiter=delimiter)
    headers = []
    try:
        for _ in range(header_rows):
            headers.append(next(reader))
            tap.pop_text()
    except StopIteration:
        raise UnreadableFile(f"file ends before its {header_rows} header row(s)") from None
    except csv.Error as exc:
        raise UnreadableFile(f"header is not valid CSV: {exc}") from None
    return tap, reader, headers, delimiter


def iter_csv(stream: IO[str], header_rows: int = 1, delimiter: str | None = ",") -> tuple[list[list[str]], Iterator[CsvRow]]:
    """RFC 4180 CSV: returns the header rows and an iterator of data rows.

    Quoted fields may span lines. Rows are never split on newlines by hand.
    ``delimiter=None`` takes it from the first line: Excel re-saves exports with ``;`` in
    many locales, and as tab-separated "Unicode Text".
    Raises UnreadableFile when the header rows are missing.
    """
    tap, reader, headers, _ = _read_header(stream, header_rows, delimiter, _LineTap)

    def rows() -> Iterator[CsvRow]:
        number = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield CsvRow(number, [], tap.pop_text(), f"row {number} is not valid CSV: {exc}")
                continue
            text = tap.pop_text()
            if not fields or (len(fields) == 1 and fields[0] == "" and not text.strip()):
                continue  # blank line: not a record
            number += 1
            yield CsvRow(number, fields, text)

    return headers, rows()


class _BlockLines(_LineTap):
    """Lines for csv.reader drawn from the block being split, then from the stream (a quoted
    field may run past the block's end), remembered so a rejected row keeps its text."""

    def __init__(self, stream: IO[str]):
        super().__init__(stream)
        self.block: list[str] = []
        self.position = 0

    def __next__(self) -> str:
        if self.position < len(self.block):
            line = self.block[self.position]
            self.position += 1
        else:
            line = next(self._lines)
        self.taken.append(line)
        return line


@dataclass
class CsvBatch:
    """Consecutive data rows of a CSV file, their cells as one Arrow ``list<string>`` array.

    ``numbers``, ``texts`` and ``cells`` run in file order; a row that is not valid CSV has
    an ``errors`` entry and no cells.
    """

    numbers: list[int]  # 1-based data row numbers (header rows and blank lines not counted)
    texts: list[str]  # each row's original text, multi-line fields included
    cells: Any  # pyarrow ListArray: each row's fields
    errors: dict[int, str]  # index in this batch -> why the row is not valid CSV

    def __len__(self) -> int:
        return len(self.numbers)

    def skip(self, count: int) -> CsvBatch:
        """The batch without its first ``count`` rows (header rows found among the data, as in Qualtrics exports)."""
        errors = {index - count: reason for index, reason in self.errors.items() if index >= count}
        return CsvBatch(self.numbers[count:], self.texts[count:], self.cells.slice(count), errors)


_LINE_ENDS = ("\n", "\r\n", "\r", "")


def iter_csv_batches(
    stream: IO[str], header_rows: int = 1, delimiter: str | None = ",", batch_rows: int = 50_000
) -> tuple[list[list[str]], Iterator[CsvBatch]]:
    """``iter_csv`` in batches of about ``batch_rows`` rows, with the cells split by Arrow.

    The rows, their numbers, texts, fields and errors are exactly ``iter_csv``'s: a line
    without a quote (or NUL) is one row whose fields are its text split at the delimiter,
    which is all csv.reader does with such a line, so Arrow splits those lines in bulk;
    every line with a quote starts a record that csv.reader reads, however many lines it spans.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lines, reader, headers, delimiter = _read_header(stream, header_rows, delimiter, _BlockLines)
    source = lines._lines

    def batches() -> Iterator[CsvBatch]:
        number = 0
        while True:
            block = list(itertools.islice(source, batch_rows))
            if not block:
                return
            lines.block, lines.position = block, 0
            numbers: list[int] = []
            texts: list[str] = []
            quoted: list[int] = []  # indexes of rows csv.reader read
            quoted_fields: list[list[str]] = []
            errors: dict[int, str] = {}
            # Lines with a quote (or NUL) start records csv.reader reads; the runs of lines between them are plain rows.
            special = [index for index, line in enumerate(block) if '"' in line or "\0" in line]
            start = 0
            for index in itertools.chain(special, [len(block)]):
                if index < start:
                    continue  # taken by the quoted record before it
                plain = [line.rstrip("\r\n") for line in block[start:index]]
                if "" in plain:
                    plain = [text for text in plain if text]  # blank lines are not records
                numbers.extend(range(number + 1, number + 1 + len(plain)))
                number += len(plain)
                texts.extend(plain)
                if index == len(block):
                    break
                lines.position = index
                try:
                    fields = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    number += 1
                    errors[len(numbers)] = f"row {number} is not valid CSV: {exc}"
                    quoted.append(len(numbers))
                    quoted_fields.append([])
                    numbers.append(number)
                    texts.append(lines.pop_text())
                    start = min(lines.position, len(block))
                    continue
                start = min(lines.position, len(block))
                text = lines.pop_text()
                if not fields or (len(fields) == 1 and fields[0] == "" and not text.strip()):
                    continue
                number += 1
                quoted.append(len(numbers))
                quoted_fields.append(fields)
                numbers.append(number)
                texts.append(text)
            lines.block = block = []  # the texts hold what is needed of the lines
            if numbers:
                yield CsvBatch(numbers, texts, _cells(pa, pc, texts, quoted, quoted_fields, delimiter), errors)

    return headers, batches()


def _cells(pa, pc, texts: list[str], quoted: list[int], quoted_fields: list[list[str]], delimiter: str):
    """Every row's fields as one list array: plain lines split by Arrow, quoted records as csv.reader read them."""
    list_type = pa.list_(pa.string())
    if not quoted:
        return _split_lines(pa, pc, texts, delimiter)
    # Usually: every row's cells joined by a control character no cell holds, rows in file
    # order, split once by Arrow (no reordering copy of the cells).
    quoted_text = "".join(itertools.chain.from_iterable(quoted_fields))
    if not any(mark in text for text in (quoted_text, "".join(texts)) for mark in (_CELL, _ROW)):
        pieces = [text.replace(delimiter, _CELL) for text in texts]  # a plain line's fields are its text split at the delimiter
        for index, fields in zip(quoted, quoted_fields):
            pieces[index] = _CELL.join(fields)
        rows = pc.split_pattern(pa.array([_ROW.join(pieces)], pa.large_string()), _ROW).flatten().cast(pa.string())
        return pc.split_pattern(rows, _CELL)
    quoted_set = set(quoted)
    plain_rows = [i for i in range(len(texts)) if i not in quoted_set]
    plain = _split_lines(pa, pc, [texts[i] for i in plain_rows], delimiter)
    parsed = pa.array(quoted_fields, list_type)
    # Put the two groups back in file order: plain rows first in the concatenation, then quoted ones.
    order = [0] * len(texts)
    for position, index in enumerate(plain_rows):
        order[index] = position
    for position, index in enumerate(quoted, start=len(plain_rows)):
        order[index] = position
    return pa.concat_arrays([plain, parsed]).take(pa.array(order, pa.int64()))


_CELL, _ROW = "\x1f", "\x1e"  # ASCII unit and record separators


def _split_lines(pa, pc, texts: list[str], delimiter: str):
    if not texts:
        return pa.array([], pa.list_(pa.string()))
    joined = pa.array(["\n".join(texts)], pa.large_string())
    rows = pc.split_pattern(joined, "\n").flatten().cast(pa.string())
    return pc.split_pattern(rows, delimiter)


@dataclass
class JsonRecord:
    row: int  # 1-based physical record number
    text: str  # original text (truncated to MAX_RECORD_TEXT)
    value: Any  # parsed value, or None when error is set
    error: str | None = None


# Reading a compressed stream fails with these when it is cut short or corrupt (BadZipFile:
# a zip member's CRC does not match).
_STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile, OSError)


def iter_json_lines(stream: IO[str]) -> Iterator[JsonRecord]:
    """One JSON value per line; a line that does not parse becomes a JsonRecord with an error.

    A gzip stream that ends early yields one last error record for the partial tail.
    Records are numbered without blank lines; reasons name the physical line.
    """
    number = 0
    line_number = 0
    while True:
        try:
            line = stream.readline()
        except _STREAM_ERRORS as exc:
            number += 1
            yield JsonRecord(number, "", None, f"compressed stream is truncated or corrupt after line {line_number} ({exc})")
            return
        if not line:
            return
        line_number += 1
        stripped = line.strip()
        if not stripped:
            continue
        number += 1
        yield json_line(stripped, number, line_number)


def json_line(stripped: str, number: int, line_number: int) -> JsonRecord:
    """One stripped, non-blank line of JSON lines: the parsed value, or the reason it does not parse."""
    try:
        return JsonRecord(number, stripped[:MAX_RECORD_TEXT], loads(stripped))
    except orjson.JSONDecodeError as exc:
        return JsonRecord(number, stripped[:MAX_RECORD_TEXT], None, f"invalid JSON on line {line_number} (column {_error_pos(exc) + 1}): {exc.msg}")


def _error_pos(exc: json.JSONDecodeError) -> int:
    return getattr(exc, "pos", 0) or 0


# A JSON string escape, with an escaped backslash matched as a unit so ``\\ud800`` (a
# literal backslash, then text) is never read as an escape.
_ESCAPE = re.compile(r"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _replace_lone_surrogate(match: re.Match) -> str:
    escape = match.group()
    return escape if escape == "\\\\" or len(escape) == 12 else "\\ufffd"


def loads(text: str):
    """orjson.loads, except that a lone UTF-16 surrogate escape (an emoji cut in half by a
    client: valid JSON that orjson refuses) becomes U+FFFD instead of losing the record."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        repaired = _ESCAPE.sub(_replace_lone_surrogate, text) if "\\u" in text else text
        if repaired != text:
            try:
                return orjson.loads(repaired)
            except orjson.JSONDecodeError:
                pass
        raise error


def load_json_document(stream: IO[str]) -> tuple[Any, str, str | None]:
    """A whole-file JSON document (an API page or a list). Returns (value, text, error)."""
    try:
        text = stream.read()
    except _STREAM_ERRORS as exc:
        raise UnreadableFile(f"compressed file is truncated or corrupt ({exc})") from None
    try:
        return loads(text), text, None
    except orjson.JSONDecodeError as exc:
        return None, text, f"invalid JSON at byte {_error_pos(exc)}: {exc.msg}"


_NEXT_OBJECT = re.compile(r"\}\s*\{")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value):
    """The stdlib decoder keeps a lone surrogate escape as an unpaired code point, which no
    UTF-8 writer (Arrow, orjson) accepts: it becomes U+FFFD, as in ``loads``."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(key): _without_lone_surrogates(item) for key, item in value.items()}
    return value


def iter_concatenated_json(text: str) -> Iterator[JsonRecord]:
    """Objects written back to back with no separator (Kinesis Firehose: ``}{``), or one per line.

    A segment that does not parse is yielded with an error, and decoding resumes at the
    next ``}{`` boundary so one bad object does not lose the rest of the file.
    """
    decoder = json.JSONDecoder()
    pos, number, length = 0, 0, len(text)
    while True:
        while pos < length and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= length:
            return
        number += 1
        try:
            value, end = decoder.raw_decode(text, pos)
            if _SURROGATE_ESCAPE.search(text, pos, end):
                value = _without_lone_surrogates(value)
            yield JsonRecord(number, text[pos:end][:MAX_RECORD_TEXT], value)
            pos = end
        except json.JSONDecodeError as exc:
            boundary = _NEXT_OBJECT.search(text, max(exc.pos, pos + 1) - 1 if exc.pos > pos else pos + 1)
            end = boundary.start() + 1 if boundary else length
            yield JsonRecord(number, text[pos:end][:MAX_RECORD_TEXT], None, f"invalid JSON at byte {exc.pos}: {exc.msg}")
            pos = end


def iter_zip_members(path: Path, suffixes: tuple[str, ...]) -> Iterator[tuple[str, IO[bytes]]]:
    """Members of a zip whose names end with one of ``suffixes`` (names may contain ``#``), decompressed."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"not a readable zip archive ({exc})") from None
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not info.filename.lower().endswith(suffixes) or _is_macos_metadata(info.filename):
                continue
            try:
                member = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                raise UnreadableFile(f"zip member {info.filename} cannot be opened ({exc})") from None
            try:
                head = member.read(2)
            except (EOFError, OSError, zlib.error, zipfile.BadZipFile):
                head = b""  # a corrupt member: reading it fails again where the consumer can quarantine it
            member.close()
            member = archive.open(info)
            yield info.filename, (gzip.GzipFile(fileobj=member) if head == GZIP_MAGIC else member)  # type: ignore[misc]


def _is_macos_metadata(name: str) -> bool:
    """Archives made by macOS Finder carry ``__MACOSX/`` and ``._name`` resource forks beside each file: not data."""
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1].startswith("._")


def is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == ZIP_MAGIC


@dataclass(frozen=True)
class CsvLayout:
    """Where each known field sits in one file's CSV header, found by normalised name.

    Vendors reorder, rename and add columns between export versions, so connectors never
    address columns by position: they declare each field's header names (aliases) and read
    rows through this map. Columns no field claims are ``unknown`` and can be kept as JSON.
    """

    header: tuple[str, ...]
    positions: dict[str, int]  # field -> column index
    unknown: tuple[int, ...]  # indexes of columns no field claimed

    def has(self, field_name: str) -> bool:
        return field_name in self.positions

    def width_error(self, fields: list[str]) -> str | None:
        """The reject reason for a row whose field count differs from the header's, else None."""
        if len(fields) != len(self.header):
            return f"row has {len(fields)} fields, header has {len(self.header)}"
        return None

    def __post_init__(self) -> None:
        # One C-level call picks every mapped cell of a row (hot loop: millions of rows).
        indexes = tuple(self.positions.values())
        getter = operator.itemgetter(*indexes) if len(indexes) > 1 else (lambda row: tuple(row[i] for i in indexes))
        object.__setattr__(self, "_names", tuple(self.positions))
        object.__setattr__(self, "_getter", getter)

    def values(self, fields: list[str]) -> dict[str, str]:
        """Field -> trimmed text for the mapped fields that are not blank; blank ones are left out, so read with ``.get``.

        Sparse on purpose: rows such as Shopify's line-item continuations are mostly blank,
        and a record dict without a key loads as NULL.
        """
        return {name: trimmed for name, value in zip(self._names, self._getter(fields)) if value and (trimmed := value.strip())}

    def extras(self, fields: list[str]) -> str | None:
        """The non-blank values of unknown columns as a JSON object (None when there are none)."""
        found = {self.header[i]: fields[i] for i in self.unknown if fields[i].strip()}
        return orjson.dumps(found).decode() if found else None


def _header_key(name: str) -> str:
    """Only letters and digits count: ``Billing Address 1`` = ``Billing Address1``, ``Line item SKU`` = ``Lineitem sku``."""
    return re.sub(r"[\W_]+", "", name.replace("\ufeff", "")).lower()


def map_header(header: list[str], aliases: dict[str, str | tuple[str, ...]]) -> CsvLayout:
    """Map fields to columns by header name; each field lists the names vendors have used for it.

    Names are compared by their letters and digits only (case, spaces, punctuation and a BOM
    don't matter). The first alias present wins; a column claimed by one field is not offered to another.
    """
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault(_header_key(name), index)
    positions: dict[str, int] = {}
    claimed: set[int] = set()
    for field_name, names in aliases.items():
        for name in (names,) if isinstance(names, str) else names:
            index = columns.get(_header_key(name))
            if index is not None and index not in claimed:
                positions[field_name] = index
                claimed.add(index)
                break
    unknown = tuple(i for i in range(len(header)) if i not in claimed)
    return CsvLayout(tuple(h.replace("\ufeff", "").strip() for h in header), positions, unknown)
