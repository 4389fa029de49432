"""Flatten JSON objects column by column in DuckDB, with a per-row proof that the result is
what the connector's per-record Python would give.

A connector parses its file as before (orjson), serialises each record with orjson (that
text is the record's ``raw_json`` either way), and hands the texts to DuckDB, which pulls
every field out of all records at once. Each value is read the way ``connectors.values``
reads it (``text``, ``free_text``, ``tag_list``, ``whole_number``, ``parse_moment``,
``parse_bool``, ``json_text``) only for the plain JSON shapes where the SQL provably agrees
(strings, integers within exact range, strict ISO 8601 times, epoch seconds, booleans). A
row holding anything else (a float id, a time in another layout, a huge count, a nested
object where text is expected) is marked, and the connector runs its existing per-record
function on it, so every edge case keeps its exact value and reject reason.

Each value kind below is a pair of SQL templates: the value, and the condition under which
it is exactly what the Python function gives.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from connectors.values import json_text

# Python's str.strip() removes exactly these (str.isspace; none lies above U+3000).
PYTHON_WHITESPACE = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
_WS = " || ".join(f"chr({ord(char)})" for char in PYTHON_WHITESPACE)
_EXACT = 2**53  # whole_number goes through float: integers beyond this would be rounded
_EPOCH_SECONDS = 10**11  # parse_epoch reads magnitudes below this as seconds
# ISO 8601 as Python's fromisoformat reads it and DuckDB casts it the same way: full
# seconds, at most microseconds, optional Z or +hh:mm; day validity is left to try_cast.
_ISO = r"[12]\d{3}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?"
# Where DuckDB writes JSON differently from orjson: \u escapes (control characters) and
# floating-point numbers. A nested value with either is left to Python.
_NOT_ORJSON_TEXT = r"\\u|(^|[:,\[])-?\d+[.eE]"

_WS_SQL = "'" + PYTHON_WHITESPACE + "'"  # a SQL literal of raw characters (no quote among them)


def _trimmed(s: str) -> str:
    return f"trim({s}, {_WS_SQL})"


# Each kind: the value from a cell's JSON type t and text s (``json_extract_string``: a
# string unescaped, anything else as JSON text), and the condition (over t, s and the value
# column v) under which that value is the Python function's result.
def text_value(t: str, s: str) -> str:
    """values.text"""
    return f"case {t} when 'VARCHAR' then nullif({_trimmed(s)}, '') when 'UBIGINT' then {s} when 'BIGINT' then {s} when 'BOOLEAN' then {s} end"


def text_ok(t: str, s: str, v: str = "") -> str:
    return f"({t} is null or {t} in ('NULL', 'VARCHAR', 'UBIGINT', 'BIGINT', 'BOOLEAN'))"


def id_value(t: str, s: str) -> str:
    """text, except that objects, lists and booleans are no id (the connectors' ``_id``)"""
    return f"case {t} when 'VARCHAR' then nullif({_trimmed(s)}, '') when 'UBIGINT' then {s} when 'BIGINT' then {s} end"


def id_ok(t: str, s: str, v: str = "") -> str:
    return f"({t} is null or {t} <> 'DOUBLE')"


def free_value(t: str, s: str) -> str:
    """values.free_text"""
    return f"case {t} when 'VARCHAR' then case when {_trimmed(s)} <> '' then {s} end when 'UBIGINT' then {s} when 'BIGINT' then {s} end"


def free_ok(t: str, s: str, v: str = "") -> str:
    return f"({t} is null or {t} in ('NULL', 'VARCHAR', 'UBIGINT', 'BIGINT', 'OBJECT', 'ARRAY'))"


def tags_value(t: str, s: str) -> str:
    """values.tag_list (lists of strings; a list holding anything else is left to Python)"""
    tags = f"list_filter(list_transform(json_extract_string({s}, '$[*]'), lambda tag: {_trimmed('tag')}), lambda tag: tag <> '')"
    return f"case when {t} = 'ARRAY' then nullif(array_to_string({tags}, ','), '') else {free_value(t, s)} end"


def tags_ok(t: str, s: str, v: str = "") -> str:
    return f"(case when {t} = 'ARRAY' then list_filter(json_type({s}, '$[*]'), lambda kind: kind <> 'VARCHAR') = [] else {free_ok(t, s)} end)"


def moment_value(t: str, s: str) -> str:
    """values.parse_moment: epoch seconds, or strict ISO 8601 (offsets converted to UTC)"""
    return (
        f"case {t} when 'UBIGINT' then case when {s}::ubigint < {_EPOCH_SECONDS} then timestamp '1970-01-01' + to_seconds({s}::bigint) end"
        f" when 'BIGINT' then case when {s}::bigint > -{_EPOCH_SECONDS} then timestamp '1970-01-01' + to_seconds({s}::bigint) end"
        f" when 'VARCHAR' then case when regexp_full_match({s}, '{_ISO}') then timezone('UTC', try_cast({s} as timestamptz)) end end"
    )


def moment_ok(t: str, s: str, v: str) -> str:
    return f"({t} is null or {t} = 'NULL' or {v} is not null)"


def whole_value(t: str, s: str) -> str:
    """values.whole_number, where it is exact"""
    return (
        f"case {t} when 'UBIGINT' then case when {s}::ubigint <= {_EXACT} then {s}::bigint end"
        f" when 'BIGINT' then case when {s}::bigint >= -{_EXACT} then {s}::bigint end"
        f" when 'DOUBLE' then case when {s}::double = floor({s}::double) and abs({s}::double) <= {_EXACT} then {s}::double::bigint end"
        f" when 'VARCHAR' then case when regexp_full_match({_trimmed(s)}, '[+-]?[0-9]{{1,15}}') then {_trimmed(s)}::bigint end end"
    )


def whole_ok(t: str, s: str, v: str) -> str:
    return (
        f"({t} is null or {t} in ('NULL', 'BOOLEAN', 'OBJECT', 'ARRAY') or {v} is not null"
        f" or ({t} = 'VARCHAR' and {_trimmed(s)} = ''))"
    )


def bool_value(t: str, s: str) -> str:
    """the connectors' lenient parse_bool, for JSON booleans"""
    return f"case {t} when 'BOOLEAN' then {s}::boolean end"


def bool_ok(t: str, s: str, v: str = "") -> str:
    return f"({t} is null or {t} in ('NULL', 'BOOLEAN'))"


def json_value(t: str, s: str) -> str:
    """values.json_text of a nested value (null stays NULL)"""
    return f"case when {t} in ('OBJECT', 'ARRAY', 'UBIGINT', 'BIGINT', 'BOOLEAN') then {s} end"


def json_ok(t: str, s: str, v: str = "") -> str:
    return (
        f"({t} is null or {t} in ('NULL', 'UBIGINT', 'BIGINT', 'BOOLEAN')"
        f" or ({t} in ('OBJECT', 'ARRAY') and not regexp_matches({s}, '{_NOT_ORJSON_TEXT}')))"
    )


KINDS = {
    "text": (text_value, text_ok), "id": (id_value, id_ok), "free": (free_value, free_ok), "tags": (tags_value, tags_ok),
    "moment": (moment_value, moment_ok), "whole": (whole_value, whole_ok), "bool": (bool_value, bool_ok),
    "json": (json_value, json_ok),
}

_local = threading.local()


def connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB reading naive times as UTC, one per thread (a connection is not shared across threads)."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("set TimeZone = 'UTC'")
        _local.con = con
    return con


def dump(item) -> bytes:
    """A record as compact JSON text: the same text ``values.json_text`` gives, as UTF-8 bytes."""
    try:
        return orjson.dumps(item)
    except TypeError:  # integers beyond 64 bits from the stdlib decoder
        return json_text(item).encode()


class Query:
    """One entity's column-wise flattening: JSON paths in, one SQL value and one proof per column.

    ``column(name, kind, path)`` maps a path with one of ``KINDS``; ``custom(name, value, ok)``
    takes SQL over ``t(path)``/``s(path)`` cells for fields with their own rules (``ok`` may
    name the column's value as ``{v}``); ``require(sql)`` adds a condition a row needs to
    take the fast path (e.g. its id is present).
    """

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.values: list[tuple[str, str]] = []
        self.proofs: list[str] = []

    def _cell(self, path: str) -> int:
        if path not in self.paths:
            self.paths.append(path)
        return self.paths.index(path) + 1

    def t(self, path: str) -> str:
        return f"t{self._cell(path)}"

    def s(self, path: str) -> str:
        return f"s{self._cell(path)}"

    def column(self, name: str, kind: str, path: str) -> None:
        value, ok = KINDS[kind]
        t, s = self.t(path), self.s(path)
        self.custom(name, value(t, s), ok(t, s, "{v}"))

    def custom(self, name: str, value: str, ok: str) -> None:
        self.values.append((name, value))
        self.proofs.append(ok.replace("{v}", f'"{name}"'))

    def require(self, condition: str) -> None:
        self.proofs.append(condition)

    def sql(self) -> str:
        paths = "[" + ", ".join("'" + path.replace("'", "''") + "'" for path in self.paths) + "]"
        cells = ", ".join(f"t[{i}] as t{i}, s[{i}] as s{i}" for i in range(1, len(self.paths) + 1))
        values = ",\n    ".join(f'{value} as "{name}"' for name, value in self.values)
        proof = "\n    and ".join(f"coalesce({ok}, false)" for ok in self.proofs)
        return (
            f"with src as (select pos, raw, json_type(raw, {paths}) as t, json_extract_string(raw, {paths}) as s from cxp_batch),\n"
            f"cells as (select pos, raw, {cells} from src),\n"
            f"typed as (select *,\n    {values}\nfrom cells)\n"
            f"select pos, {', '.join(f'{chr(34)}{name}{chr(34)}' for name, _ in self.values)}, raw as raw_json,\n"
            # orjson writes NUL as \u0000; such text is left to Python rather than trusted to every layer
            f"    not contains(raw, '\\u0000')\n    and {proof} as _fast\nfrom typed order by pos"
        )


def flatten(query_sql: str, texts: Sequence[bytes]) -> tuple[pa.Table, list[int]]:
    """Run a ``Query``'s SQL over record texts. Returns the rows proven equal (with ``pos``,
    the index into ``texts``) and the positions left for the per-record Python."""
    batch = pa.table({"pos": pa.array(range(len(texts)), pa.int64()), "raw": pa.array(texts, pa.large_string())})
    con = connection()
    con.register("cxp_batch", batch)
    try:
        out = con.sql(query_sql).to_arrow_table()
    finally:
        con.unregister("cxp_batch")
    fast = out["_fast"]
    slow = out.filter(pc.invert(fast))["pos"].to_pylist()
    return out.filter(fast).drop_columns(["_fast"]), slow


def combine(fast: pa.Table, rows: pa.Array, fallback: list[dict], schema: pa.Schema) -> pa.Table:
    """The fast rows and the per-record dicts as one table in ``schema`` plus ``_source_row``, in row order."""
    fast = fast.append_column("_source_row", rows)
    full = schema.append(pa.field("_source_row", pa.int64()))
    columns = [
        fast[f.name].cast(f.type) if f.name in fast.column_names else pa.nulls(fast.num_rows, f.type) for f in full
    ]
    table = pa.Table.from_arrays(columns, schema=full)
    if fallback:
        table = pa.concat_tables([table, pa.Table.from_pylist(fallback, schema=full)])
        table = table.sort_by("_source_row")
    return table
