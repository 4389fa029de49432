"""Mixpanel raw exports: the shared sample, and tests/fixtures/mixpanel with seconds and
milliseconds, `$device:` ids, missing insert ids and times, broken lines and flat records."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from pathlib import Path

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile
from models.config import CxpConfig

mixpanel = CONNECTORS["mixpanel"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mixpanel"


@pytest.fixture
def export(read):
    return read(mixpanel, FIXTURES / "export_2024-11-05.jsonl")


def test_sample_reads_exactly(read, samples_dir):
    result = read(mixpanel, samples_dir / "mixpanel_export.jsonl")
    assert result.rejects == []
    checkout, session = result.rows("events")
    properties = json.loads(checkout.pop("properties"))
    assert checkout == {
        "_source_row": 1,
        "insert_id": "a9c4e1f0b2d34e6f",
        "event": "Checkout Failed",
        "time": dt.datetime(2024, 11, 5, 18, 20, 3),
        "time_text": "1730830803",
        "distinct_id": "cust_8123456700011",
        "device_id": "18f2a9c1d0e-0a1b2c3d4e5f6-1d2e3f4a-5b6c7d-18f2a9c1d0e",
        "user_id": "cust_8123456700011",
        "email": None,
        "os": "Android",
        "os_version": "14",
        "app_version": "4.1.2",
        "model": "Pixel 6",
        "city": "Austin",
        "region": "Texas",
        "mp_country_code": "US",
        "mp_processing_time_ms": 1730830810102,
        "revenue": None,  # cart_value of a failed checkout is no revenue
        "order_ref": None,
    }
    assert properties["error_code"] == "card_declined" and properties["$insert_id"] == "a9c4e1f0b2d34e6f"
    assert (session["distinct_id"], session["device_id"], session["user_id"]) == (
        "$device:6B1E0F3A-8C2D-4E5F-9A0B-1C2D3E4F5A6B", "6B1E0F3A-8C2D-4E5F-9A0B-1C2D3E4F5A6B", None
    )
    assert session["time"] == dt.datetime(2024, 11, 5, 18, 44, 10)


def test_every_line_is_an_event_or_a_reject(export):
    assert export.total == 12
    assert [r["insert_id"] for r in export.rows("events")] == ["mp-1", "mp-2", "mp-3", "mp-8", "mp-9", "mp-10", "mp-11"]
    assert [(r.source_row, r.reason.split(" (")[0]) for r in export.rejects] == [
        (4, "$insert_id is missing: the event cannot be deduplicated"),
        (5, "invalid JSON on line 5"),
        (6, "properties.time is missing"),
        (7, "properties.time 'soon' is not a readable date and time"),
        (12, "properties is text, not an object"),
    ]
    assert export.rejects[1].record == '{"event": "Broken", "properties": {"time": 1730830803, "$insert_id": "mp-5"'
    assert json.loads(export.rejects[0].record)["event"] == "No Insert Id"


def test_seconds_and_milliseconds(export):
    times = {r["insert_id"]: (r["time"], r["time_text"]) for r in export.rows("events")}
    assert times["mp-1"] == (dt.datetime(2024, 11, 5, 18, 20, 3), "1730830803")
    assert times["mp-3"] == (dt.datetime(2024, 11, 5, 18, 20, 3, 114000), "1730830803114")  # ms, by magnitude
    assert times["mp-10"] == (dt.datetime(2024, 11, 5, 19, 0, 0, 500000), "1730833200500")  # time_in_ms export


def test_identity_fields_as_exported(export):
    events = {r["insert_id"]: r for r in export.rows("events")}
    assert (events["mp-1"]["user_id"], events["mp-1"]["email"], events["mp-1"]["mp_country_code"]) == (
        "cust_8123456700011", "Dana.K@Example.com", "us"
    )
    # `$device:` ids and device-id distinct_ids are kept as exported; staging derives device and user
    assert (events["mp-2"]["distinct_id"], events["mp-2"]["device_id"]) == ("$device:6B1E0F3A-8C2D", None)
    assert (events["mp-8"]["distinct_id"], events["mp-8"]["device_id"]) == ("DEV-9", "DEV-9")
    assert events["mp-9"]["email"] == "not-an-email"  # a bad email never rejects the event


def test_order_and_revenue_from_properties(export):
    events = {r["insert_id"]: r for r in export.rows("events")}
    assert (events["mp-1"]["order_ref"], events["mp-1"]["revenue"]) == ("2041", 64.5)  # order_number '#2041', revenue
    assert (events["mp-10"]["order_ref"], events["mp-10"]["revenue"]) == (None, None)  # orderId: null
    assert (events["mp-11"]["order_ref"], events["mp-11"]["revenue"]) == (None, 37.5)  # price '12.50' x quantity 3


def test_nulls_inside_nested_objects(export):
    checkout = next(r for r in export.rows("events") if r["insert_id"] == "mp-10")
    assert json.loads(checkout["properties"])["cart"] == {"items": None, "coupon": None}
    assert checkout["email"] is None


def test_flat_record_layout(export):
    flat = next(r for r in export.rows("events") if r["insert_id"] == "mp-11")
    assert (flat["event"], flat["distinct_id"], flat["time"]) == ("Flat Export", "cust_3", dt.datetime(2024, 11, 5, 19, 1, 40))
    assert "event_name" not in json.loads(flat["properties"])


def test_gzip_and_truncated_gzip(tmp_path, read):
    text = (FIXTURES / "export_2024-11-05.jsonl").read_text()
    whole = tmp_path / "export.jsonl.gz"
    whole.write_bytes(gzip.compress(text.encode(), mtime=0))
    assert read(mixpanel, whole).total == 12
    compressor = zlib.compressobj(wbits=31)
    lines = text.splitlines(keepends=True)
    data = b"".join(compressor.compress(line.encode()) + compressor.flush(zlib.Z_FULL_FLUSH) for line in lines[:3])
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data + compressor.compress(lines[3].encode())[:10])
    result = read(mixpanel, cut)
    assert [r["insert_id"] for r in result.rows("events")] == ["mp-1", "mp-2", "mp-3"]
    assert [(r.source_row, r.reason.split(" (")[0]) for r in result.rejects] == [
        (4, "compressed stream is truncated or corrupt after line 3")
    ]


def test_ids_written_as_numbers(tmp_path, read):
    path = tmp_path / "numbers.jsonl"
    path.write_text(
        '{"event": "a", "properties": {"time": 1730830803, "$insert_id": 1853901234567890123, "distinct_id": 9007199254740993}}\n'
        '{"event": "b", "properties": {"time": 1730830803.5, "$insert_id": "b", "distinct_id": 9.007199254740993e15}}\n'
    )
    first, second = read(mixpanel, path).rows("events")
    assert (first["insert_id"], first["distinct_id"]) == ("1853901234567890123", "9007199254740993")  # every digit
    assert second["distinct_id"] is None  # a float past 2**53 has lost its digits: no id
    assert second["time"] == dt.datetime(2024, 11, 5, 18, 20, 3, 500000)


def test_zero_time_is_not_a_time(tmp_path, read):
    path = tmp_path / "zero.jsonl"
    path.write_text('{"event": "a", "properties": {"time": 0, "$insert_id": "z"}}\n')
    assert [r.reason for r in read(mixpanel, path).rejects] == ["properties.time is 0 (not set)"]


def test_broken_gzip_header_fails_the_file(tmp_path):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(UnreadableFile):
        list(mixpanel.read(path, CxpConfig()))


def _python_alone(path: Path) -> tuple[list[dict], list[tuple]]:
    """The file read line by line with decoding.iter_json_lines and ``_event``: what the
    column-wise reader must give."""
    from connectors.decoding import iter_json_lines, open_text
    from connectors.mixpanel import _event

    rows, rejects = [], []
    with open_text(path) as lines:
        for record in iter_json_lines(lines):
            if record.error is not None:
                rejects.append((record.row, record.error, record.text))
                continue
            try:
                rows.append(_event(record.value, record.row))
            except ValueError as exc:
                rejects.append((record.row, str(exc), record.text))
    return rows, rejects


@pytest.mark.parametrize("layout", ["utf-16 crlf", "lone cr", "cut gzip"])
def test_awkward_files_read_as_line_by_line_python(tmp_path, read, layout):
    lines = (FIXTURES / "export_2024-11-05.jsonl").read_text().splitlines() + ["", " ", "\u00a0"]
    path = tmp_path / "export.jsonl"
    if layout == "utf-16 crlf":
        path.write_bytes(b"\xfe\xff" + "\r\n".join(lines * 3).encode("utf-16-be"))
    elif layout == "lone cr":
        path.write_bytes(("\r".join(lines * 3) + "\r").encode())
    else:
        path = tmp_path / "export.jsonl.gz"
        compressor = zlib.compressobj(wbits=31)
        data = b"".join(compressor.compress((line + "\n").encode()) + compressor.flush(zlib.Z_FULL_FLUSH) for line in lines * 3)
        path.write_bytes(data[: len(data) - 40])
    expected_rows, expected_rejects = _python_alone(path)
    result = read(mixpanel, path, CxpConfig(chunk_size=100))
    assert result.rows("events") == expected_rows
    assert [(r.source_row, r.reason, r.record) for r in result.rejects] == expected_rejects
    assert len(expected_rows) > 10


@pytest.mark.parametrize("part_bytes", [500, 9000])
def test_parts_of_a_file_read_as_the_whole_file(tmp_path, part_bytes):
    """The loader's workers read a large export in parts (json_columns.plan_parts): together
    they give the whole file's events and rejects, rows and reasons included."""
    from connectors import json_columns

    lines = (FIXTURES / "export_2024-11-05.jsonl").read_text().splitlines() + ["", " ", "{broken", '{"event": "x"}']
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines * 20) + "\n")
    config = CxpConfig(chunk_size=100)
    whole = [(c.tables.get("events"), c.rejects) for c in mixpanel.read(path, config)]
    parts = json_columns.plan_parts(path, part_bytes)
    assert len(parts) >= 3
    split = [(c.tables.get("events"), c.rejects) for part in parts for c in mixpanel.read_part(path, config, part)]
    rows = lambda chunks: [row for table, _ in chunks if table is not None for row in table.to_pylist()]  # noqa: E731
    assert rows(split) == rows(whole) and len(rows(whole)) > 100
    assert [r for _, rejects in split for r in rejects] == [r for _, rejects in whole for r in rejects]
