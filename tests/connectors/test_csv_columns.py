"""The column-wise CSV readers give exactly what the row-by-row readers give, edge cases included.

Each vectorised conversion is checked value by value against the Python function it stands
in for, and each connector's ``read`` against its ``read_by_rows`` on files full of damage
(``csv_nasties``), read in small chunks so orders and quoted records cross chunk boundaries.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pyarrow as pa
import pytest

from connectors import csv_columns, decoding, google_play, qualtrics, shopify_customers, shopify_orders
from connectors.values import parse_bool, parse_decimal, parse_float, parse_int, parse_timestamp
from models.config import CxpConfig
from tests.connectors import csv_nasties

READERS = {
    "shopify_orders": shopify_orders,
    "shopify_customers": shopify_customers,
    "qualtrics": qualtrics,
    "google_play": google_play,
}


@pytest.fixture(scope="module")
def nasty_exports(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nasty")
    csv_nasties.write_all(folder)
    return folder


def _lenient(parse):
    def read(value):
        try:
            return parse(value)
        except ValueError:
            return None
    return read


def _strings(values) -> pa.Array:
    """Values as the connectors hand them over: trimmed, blank as NULL."""
    return csv_columns.nonblank(pa.array(values, pa.string()))


def _expected(values, slow):
    return [None if v is None or not v.strip() else slow(v.strip()) for v in values]


ODD = csv_nasties.ODD_AMOUNTS + csv_nasties.ODD_INTS + csv_nasties.ODD_FLAGS + csv_nasties.ODD_TEXT + csv_nasties.ODD_TIMES


def test_whitespace_is_what_str_strip_removes():
    assert csv_columns.WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def test_nonblank_and_unguard_match_python():
    values = ODD + ["", "  ", "\u3000", "'", "' x '", "''", "x'"]
    assert _strings(values).to_pylist() == [v.strip() or None for v in values]
    unguarded = csv_columns.unguard(_strings(values)).to_pylist()
    assert unguarded == [shopify_orders._unguard(v.strip() or None) for v in values]


@pytest.mark.parametrize(
    ("convert", "slow"),
    [
        (lambda texts, slow: csv_columns.amounts(texts, slow), shopify_orders._amount),
        (lambda texts, slow: csv_columns.amounts(texts, slow), _lenient(parse_decimal)),
        (lambda texts, slow: csv_columns.integers(texts, slow), _lenient(parse_int)),
        (lambda texts, slow: csv_columns.flags(texts, ("true", "yes", "1"), ("false", "no", "0"), slow), shopify_orders._flag),
        (lambda texts, slow: csv_columns.flags(texts, ("yes", "true", "1", "y", "t"), ("no", "false", "0", "n", "f"), slow), _lenient(parse_bool)),
        (lambda texts, slow: csv_columns.shopify_times(texts, slow), lambda v: shopify_orders._shopify_time(v, "America/Chicago")),
    ],
)
def test_conversions_match_the_per_value_parsers(convert, slow):
    values = ODD + ["12.34", "0.99", "-7", "10", "2024-01-31 23:59:59 +0530", "2024-06-30 00:00:00 -1200", None]
    got = convert(_strings(values), slow).to_pylist()
    assert got == _expected(values, slow)


@pytest.mark.parametrize(
    "zone",
    [ZoneInfo("America/Chicago"), ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe"), dt.timezone(dt.timedelta(hours=-7)),
     dt.timezone(dt.timedelta(hours=5, minutes=45)), dt.timezone.utc],
)
def test_wall_clock_times_match_parse_timestamp(zone):
    values = csv_nasties.WALL_TIMES + ["2024-10-06 02:15:00", "2024-04-07 01:45:00", "2024-03-31 01:30:00", "2024-10-27 01:30:00",
                                       "2024-11-03 00:59:59", "2024-11-03 02:00:00", None]
    slow = _lenient(lambda value: parse_timestamp(value, zone))
    assert csv_columns.local_times(_strings(values), zone, slow).to_pylist() == _expected(values, slow)
    plain = [v for v in values if v and v[:4] == "2024" and len(v) == 19 and v[10] == " " and v != "2024-02-30 10:00:00"]
    assert csv_columns.local_times(_strings(plain), zone, slow).to_pylist() == [slow(v) for v in plain]


def test_floats_match_parse_float():
    values = ["30.2672", "-97.7431", "0.1", "1e-3", "nan", "inf", "1,5", "90", "0.30000000000000004", "123456789012345.123456789012345", "x", None]
    slow = _lenient(parse_float)
    assert csv_columns.floats(_strings(values), slow).to_pylist() == _expected(values, slow)


def test_json_objects_and_joined_text_match_python():
    values = [chr(c) for c in range(0x80)] + csv_nasties.ODD_TEXT + ["", " ", "a\\b", 'say "hi"', "\u2028", "x"]
    columns = [values, values[::-1], values[1:] + values[:1]]
    for names in (["a", 'b"', "c\n"], ["a", "b", "a"]):
        got = csv_columns.json_objects(names, [pa.array(c, pa.string()) for c in columns], len(values)).to_pylist()
        expected = []
        for row in zip(*columns):
            found = {name: value for name, value in zip(names, row) if value.strip()}
            expected.append(orjson.dumps(found).decode() if found else None)
        assert got == expected
    joined = csv_columns.joined_text([_strings(c) for c in columns], "\n").to_pylist()
    assert joined == ["\n".join(v.strip() for v in row if v.strip()) or None for row in zip(*columns)]


def test_plain_values_take_the_vectorised_path():
    """Plain values never reach the Python function (the fast path is really used)."""
    def refuse(value):
        raise AssertionError(f"{value!r} went the slow way")

    assert csv_columns.amounts(_strings(["1.50", "0", "-3.2"]), refuse).to_pylist()[0] == parse_decimal("1.50")
    assert csv_columns.shopify_times(_strings(["2024-11-03 01:30:00 -0500"]), refuse).to_pylist() == [dt.datetime(2024, 11, 3, 6, 30)]
    assert csv_columns.flags(_strings(["YES", "no"]), ("yes",), ("no",), refuse).to_pylist() == [True, False]


@pytest.mark.parametrize("batch_rows", [7, 50_000])
def test_batches_hold_the_rows_iter_csv_reads(nasty_exports, batch_rows):
    for path in sorted(nasty_exports.rglob("*.csv")):
        with decoding.open_text(path) as stream:
            header_by_rows, rows = decoding.iter_csv(stream, delimiter=None)
            expected = [(r.row, r.fields, r.text, r.error) for r in rows]
        with decoding.open_text(path) as stream:
            header, batches = decoding.iter_csv_batches(stream, delimiter=None, batch_rows=batch_rows)
            got = []
            for batch in batches:
                cells = batch.cells.to_pylist()
                for i in range(len(batch)):
                    error = batch.errors.get(i)
                    got.append((batch.numbers[i], [] if error else cells[i], batch.texts[i], error))
        assert header == header_by_rows, path.name
        assert got == expected, path.name


def test_batches_of_text_with_every_line_ending():
    text = 'a,b\r\n1,"x\ny"\r2,\n\n  \r\n"3",z\r\n4,"open'
    with io.StringIO(text, newline="") as stream:
        expected = [(r.row, r.fields, r.text, r.error) for r in decoding.iter_csv(stream)[1]]
    with io.StringIO(text, newline="") as stream:
        (batch,) = list(decoding.iter_csv_batches(stream, batch_rows=100)[1])
    cells = batch.cells.to_pylist()
    got = [(batch.numbers[i], [] if i in batch.errors else cells[i], batch.texts[i], batch.errors.get(i)) for i in range(len(batch))]
    assert got == expected
    assert [row[1] for row in got][:3] == [["1", "x\ny"], ["2", ""], ["  "]]


def _normalised(chunks, model) -> tuple[list[dict], list[tuple]]:
    records, rejects = [], []
    for chunk in chunks:
        for rows in chunk.as_dicts().values():
            records.extend({name: row.get(name) for name in model.model_fields} | {"_source_row": row["_source_row"]} for row in rows)
        rejects.extend((r.entity, r.source_row, r.reason, r.record) for r in chunk.rejects)
    return sorted(records, key=lambda r: r["_source_row"]), rejects


@pytest.mark.parametrize("chunk_size", [100, 50_000])
@pytest.mark.parametrize("connector", sorted(READERS))
def test_column_wise_read_equals_row_by_row_read(nasty_exports, connector, chunk_size):
    module = READERS[connector]
    model = next(iter(module.CONNECTOR.entities.values()))
    config = CxpConfig(chunk_size=chunk_size, store_timezone="America/Chicago")
    paths = sorted((nasty_exports / connector).glob("*.csv"))
    assert paths
    for path in paths:
        fast = _normalised(module.read(path, config), model)
        slow = _normalised(module.read_by_rows(path, config), model)
        assert fast[1] == slow[1], f"{path.name}: rejects differ"
        assert len(fast[0]) == len(slow[0]), path.name
        for got, expected in zip(fast[0], slow[0]):
            assert got == expected, f"{path.name} row {expected['_source_row']}"
        assert fast[0] and fast[1], f"{path.name} should have both records and rejects"


TINY_FILES = {
    "shopify_orders": ["Name,Id,Created at\r\n", "Name,Id,Created at\r\n\r\n\r\n", "Name,Id,Created at\n#1,5,2024-01-01 00:00:00 +0000",
                       "Name,Id,Created at\n#1,,\n#1,5\n", 'Name,Id,Created at\n"#1\n",5,x'],
    "shopify_customers": ["Customer ID,First Name\n", "Customer ID,First Name\n'7,Ann", "First Name,Last Name,Email\n,,\n"],
    "qualtrics": ["ResponseId,RecordedDate\n", "ResponseId,RecordedDate\nResponse ID,Recorded Date\n",
                  'ResponseId,RecordedDate\nResponse ID,Recorded Date\n"{""ImportId"":""_recordId""}","{""ImportId"":""recordedDate"",""timeZone"":""Europe/Paris""}"\nR_1,2024-03-31 02:30:00',
                  "ResponseId,RecordedDate\nR_1,2024-10-27 02:30:00"],
    "google_play": ["Star Rating,Review Submit Date and Time\n", "Star Rating,Review Submit Date and Time\n5,2024-01-01T00:00:00Z\n6,\n"],
}


@pytest.mark.parametrize(("connector", "text"), [(c, t) for c, texts in TINY_FILES.items() for t in texts])
def test_tiny_files_read_the_same_both_ways(tmp_path, connector, text):
    module = READERS[connector]
    model = next(iter(module.CONNECTOR.entities.values()))
    path = tmp_path / {"shopify_orders": "orders_export.csv", "shopify_customers": "customers_export.csv",
                       "qualtrics": "survey.csv", "google_play": "reviews_x.csv"}[connector]
    path.write_text(text, encoding="utf-8")
    config = CxpConfig(store_timezone="Europe/Paris")
    assert _normalised(module.read(path, config), model) == _normalised(module.read_by_rows(path, config), model)
