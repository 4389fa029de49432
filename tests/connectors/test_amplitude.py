"""Amplitude Export API files: the shared sample, and a zip built from tests/fixtures/amplitude
with every pitfall (``#`` in member names, a truncated gzip member, broken and id-less lines,
unreadable times, nulls inside nested objects, macOS junk members)."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import zipfile
import zlib
from pathlib import Path

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile
from models.config import CxpConfig

amplitude = CONNECTORS["amplitude"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amplitude"
HOUR_18 = "412345/412345_2024-11-05_18#0.json.gz"
HOUR_19 = "412345/412345_2024-11-05_19#0.json.gz"


def gzip_bytes(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


def truncated_gzip(text: str, complete_lines: int) -> bytes:
    """A gzip of ``text`` cut off halfway through line ``complete_lines + 1``, as when an export
    download dies; each line is flushed, so the lines before the cut are recoverable."""
    compressor = zlib.compressobj(wbits=31)  # 31: with the gzip header
    data = b""
    lines = text.splitlines(keepends=True)
    for line in lines[:complete_lines]:
        data += compressor.compress(line.encode()) + compressor.flush(zlib.Z_FULL_FLUSH)
    cut_line = compressor.compress(lines[complete_lines].encode()) + compressor.flush(zlib.Z_FULL_FLUSH)
    return data + cut_line[: len(cut_line) // 2]


def export_zip(path: Path) -> Path:
    """The pitfall export: hour 18 (bad lines of every kind), hour 19 (cut off in its third
    event), and the resource forks macOS Finder adds when someone re-zips the export."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(HOUR_18, gzip_bytes((FIXTURES / "412345_2024-11-05_18#0.jsonl").read_text()))
        archive.writestr(HOUR_19, truncated_gzip((FIXTURES / "412345_2024-11-05_19#0.jsonl").read_text(), 2))
        archive.writestr("__MACOSX/412345/._412345_2024-11-05_18#0.json.gz", b"\x00\x05\x16\x07Mac OS X        junk")
        archive.writestr("412345/README.txt", "not an export member")
    return path


@pytest.fixture
def pitfalls(tmp_path, read):
    return read(amplitude, export_zip(tmp_path / "412345.zip"))


def test_sample_export_reads_exactly(read, samples_dir):
    result = read(amplitude, samples_dir / "amplitude_export.zip")
    assert result.rejects == []
    first, second = result.rows("events")
    assert first == {
        "_source_row": 1,
        "insert_id": "6f1d2c7e-4b1a-4e0e-9a51-0c9b2f7a1d01",
        "uuid": "0e5b7a3c-9b3f-11ef-8000-0a58a9feac02",
        "event_type": "checkout_failed",
        "event_time": dt.datetime(2024, 11, 5, 18, 20, 3, 114000),
        "session_id": 1730830790114,
        "user_id": "cust_8123456700011",
        "device_id": "R3b9Kq2c-0b7e-4f3a-a1d2-7c55e1f0aa10",
        "amplitude_id": "501234567890",
        "adid": "8d3f0c1e-2222-4a4a-9b9b-123456789abc",
        "idfa": None,
        "idfv": None,
        "user_properties_email": "priya.raman@example.net",
        "platform": "Android",
        "os_name": "android",
        "version_name": "4.1.2",
        "country": "United States",
        "city": "Austin",
        "server_upload_time": dt.datetime(2024, 11, 5, 18, 20, 9, 823000),
        "revenue": None,  # cart_value of a failed checkout is no revenue
        "order_ref": None,
        "event_properties": '{"screen":"checkout","error_code":"card_declined","cart_value":64.0}',
        "user_properties": '{"email":"priya.raman@example.net","plan":"member"}',
        "export_member": "412345/412345_2024-11-05_18#0.json.gz",
    }
    assert (second["_source_row"], second["user_id"], second["idfv"], second["event_properties"]) == (
        2, None, "6B1E0F3A-8C2D-4E5F-9A0B-1C2D3E4F5A6B", "{}"
    )


def test_every_line_is_an_event_or_a_reject(pitfalls):
    # hour 18: 9 records (its blank line is none), hour 19: 2 whole events + the cut-off tail
    assert pitfalls.total == 12
    assert [r["_source_row"] for r in pitfalls.rows("events")] == [1, 2, 7, 9, 10, 11]
    assert sorted(r.source_row for r in pitfalls.rejects) == [3, 4, 5, 6, 8, 12]


def test_reject_reasons(pitfalls):
    reasons = {r.source_row: r.reason for r in pitfalls.rejects}
    assert reasons[3] == f"{HOUR_18}: event has neither $insert_id nor uuid"
    assert reasons[4].startswith(f"{HOUR_18}: invalid JSON on line 4 (column ")
    assert reasons[5] == f"{HOUR_18}: event_time is missing"
    assert reasons[6] == f"{HOUR_18}: event_time 'yesterday' is not a readable date and time"
    assert reasons[8] == f"{HOUR_18}: record 8 is not a JSON object"
    assert reasons[12].startswith(f"{HOUR_19}: compressed stream is truncated or corrupt after line 2 (")
    records = {r.source_row: r.record for r in pitfalls.rejects}
    assert records[4] == '{"$insert_id": "ins-4", "event_time": "2024-11-05 18:25:00.000000", "event_type": "app_open"'
    assert json.loads(records[3])["event_type"] == "no ids at all"
    assert records[12] == ""  # the cut-off tail cannot be recovered


def test_member_names_with_hash_and_rows_numbered_across_members(pitfalls):
    members = {r["_source_row"]: r["export_member"] for r in pitfalls.rows("events")}
    assert members == {1: HOUR_18, 2: HOUR_18, 7: HOUR_18, 9: HOUR_18, 10: HOUR_19, 11: HOUR_19}
    assert [r["insert_id"] for r in pitfalls.rows("events") if r["export_member"] == HOUR_19] == ["ins-10", "ins-11"]


def test_identity_properties_and_revenue(pitfalls):
    events = {r["_source_row"]: r for r in pitfalls.rows("events")}
    order = events[1]
    assert (order["insert_id"], order["user_id"], order["device_id"], order["amplitude_id"]) == (
        "ins-1", "cust_8123456700011", "dev-A", "501234567890"
    )
    assert order["user_properties_email"] == "Priya.Raman@Example.net"  # trimmed; canonical form is staging's job
    assert order["idfa"] == "00000000-0000-0000-0000-000000000000"  # kept as exported; staging drops it
    assert (order["order_ref"], order["revenue"]) == ("2041", 65.0)  # '#2041'; $price 32.5 x $quantity 2
    purchase = events[2]
    assert (purchase["insert_id"], purchase["uuid"]) == ("uuid-2", "uuid-2")  # no $insert_id: uuid stands in
    assert (purchase["order_ref"], purchase["revenue"]) == ("2042", 19.99)
    assert purchase["amplitude_id"] == "501234567890"


def test_nulls_inside_nested_objects(pitfalls):
    event = next(r for r in pitfalls.rows("events") if r["insert_id"] == "ins-7")
    assert event["event_properties"] is None
    assert event["user_properties"] == '{"email":null}'
    assert event["user_properties_email"] is None
    assert event["user_id"] is None  # "" is no account id
    assert event["session_id"] == -1
    assert (event["order_ref"], event["revenue"]) == (None, None)


def test_emoji_cut_in_half_keeps_the_event(pitfalls):
    event = next(r for r in pitfalls.rows("events") if r["insert_id"] == "ins-9")
    assert json.loads(event["event_properties"]) == {"comment": "great \ufffd"}


def test_bare_json_lines_with_other_time_forms(read):
    result = read(amplitude, FIXTURES / "events_2024-11-06.jsonl")
    assert result.rejects == []
    events = {r["insert_id"]: r for r in result.rows("events")}
    assert events["ins-30"]["event_time"] == dt.datetime(2024, 11, 6, 9, 0)  # ISO with Z
    assert events["ins-30"]["user_id"] == "8123456700022"  # a numeric account id keeps every digit
    assert events["ins-31"]["event_time"] == dt.datetime(2024, 11, 6, 9, 0)  # epoch ms
    assert events["ins-31"]["export_member"] is None
    # a property bag double-encoded as a JSON string is read once, and kept as written
    assert events["ins-31"]["order_ref"] == "2043"
    assert events["ins-31"]["event_properties"] == '{"order": {"id": 5123456789012, "number": 2043}}'


def test_bare_gzip_and_truncated_bare_gzip(tmp_path, read):
    text = (FIXTURES / "412345_2024-11-05_19#0.jsonl").read_text()
    whole = tmp_path / "events.json.gz"
    whole.write_bytes(gzip_bytes(text))
    assert [r["insert_id"] for r in read(amplitude, whole).rows("events")] == ["ins-10", "ins-11", "ins-12"]
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(truncated_gzip(text, 2))
    result = read(amplitude, cut)
    assert [r["insert_id"] for r in result.rows("events")] == ["ins-10", "ins-11"]
    assert [(r.source_row, r.reason.split(" (")[0]) for r in result.rejects] == [
        (3, "compressed stream is truncated or corrupt after line 2")
    ]


def test_numbers_too_big_for_their_columns_do_not_fail_the_file(tmp_path, read):
    path = tmp_path / "big.jsonl"
    path.write_text(
        '{"$insert_id": "big", "event_time": "2024-11-05 18:20:03.114000", "session_id": 18446744073709551615,'
        ' "amplitude_id": 18446744073709551615, "user_id": 1.8446744073709552e19}\n'
    )
    (event,) = read(amplitude, path).rows("events")  # read_all converts to Arrow: an overflow would raise
    assert (event["session_id"], event["amplitude_id"], event["user_id"]) == (None, "18446744073709551615", None)


def test_json_array_file(read):
    result = read(amplitude, FIXTURES / "events_array.json")
    assert [(r["_source_row"], r["insert_id"]) for r in result.rows("events")] == [(1, "arr-1")]
    assert [(r.source_row, r.reason) for r in result.rejects] == [(2, "event has neither $insert_id nor uuid")]
    assert json.loads(result.rejects[0].record)["event_type"] == "no ids"


def test_member_that_is_not_gzip_at_all(tmp_path, read):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("412345/412345_2024-11-05_18#0.json.gz", b"\x1f\x8b\x08garbage that is no deflate stream")
        archive.writestr("412345/412345_2024-11-05_19#0.json.gz", gzip_bytes((FIXTURES / "412345_2024-11-05_19#0.jsonl").read_text()))
    result = read(amplitude, path)
    assert [r["_source_row"] for r in result.rows("events")] == [2, 3, 4]  # the good member still loads
    assert [r.source_row for r in result.rejects] == [1]
    assert result.rejects[0].reason.startswith("412345/412345_2024-11-05_18#0.json.gz: ")


def test_member_with_corrupt_zip_data(tmp_path, read):
    path = tmp_path / "export.zip"
    hour_19 = gzip_bytes((FIXTURES / "412345_2024-11-05_19#0.jsonl").read_text())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HOUR_18, hour_19)
        archive.writestr(HOUR_19, hour_19)
    data = bytearray(path.read_bytes())
    start = data.index(HOUR_18.encode()) + len(HOUR_18)  # the member's deflated bytes follow its name
    data[start : start + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    result = read(amplitude, path)
    assert [(r.source_row, r.reason.split(" (")[0]) for r in result.rejects] == [(1, f"{HOUR_18}: cannot be decompressed")]
    assert [(r["_source_row"], r["insert_id"]) for r in result.rows("events")] == [(2, "ins-10"), (3, "ins-11"), (4, "ins-12")]


def test_zip_that_is_not_a_zip(tmp_path):
    path = tmp_path / "412345.zip"
    path.write_text('{"$insert_id": "x"}\n')
    with pytest.raises(UnreadableFile, match="not a readable zip"):
        list(amplitude.read(path, CxpConfig()))


def test_file_patterns(tmp_path):
    for name in ("412345.zip", "a.json.gz", "b.jsonl", "c.json", "d.JSONL", "notes.txt"):
        (tmp_path / name).write_text("")
    assert [p.name for p in amplitude.files(tmp_path)] == ["412345.zip", "a.json.gz", "b.jsonl", "c.json", "d.JSONL"]


def _python_alone(path: Path) -> tuple[list[dict], list[tuple]]:
    """The export read line by line with decoding.iter_json_lines and ``_item`` (the per-record
    Python the column-wise reader falls back to), rows numbered across members."""
    from connectors.amplitude import MEMBER_SUFFIXES, _first_char, _item
    from connectors.decoding import iter_json_lines, iter_zip_members, text_stream

    rows, rejects, rows_before = [], [], 0
    for member, stream in iter_zip_members(path, MEMBER_SUFFIXES):
        with stream:
            try:
                lines = text_stream(stream)
                first = _first_char(lines)
            except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
                rejects.append((rows_before + 1, f"{member}: cannot be decompressed ({exc})", ""))
                rows_before += 1
                continue
            assert first != "["
            for record in iter_json_lines(lines):
                item = _item(record, rows_before + record.row, member)
                if isinstance(item, dict):
                    rows.append(item)
                else:
                    rejects.append((item.source_row, item.reason, item.record))
            rows_before = max([rows_before] + [r["_source_row"] for r in rows] + [r[0] for r in rejects])
    return rows, rejects


def test_zip_of_awkward_members_reads_as_line_by_line_python(tmp_path, read):
    """Members in UTF-16, with CRLF or lone CR endings, blank and broken lines, one cut off,
    one not gzip at all: the column-wise reader gives what reading line by line gives."""
    hour_18 = (FIXTURES / "412345_2024-11-05_18#0.jsonl").read_text()
    hour_19 = (FIXTURES / "412345_2024-11-05_19#0.jsonl").read_text()
    path = tmp_path / "412345.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("412345/412345_2024-11-05_1#0.json.gz", gzip.compress(b"\xff\xfe" + hour_18.replace("\n", "\r\n").encode("utf-16-le"), mtime=0))
        archive.writestr("412345/412345_2024-11-05_2#0.json.gz", truncated_gzip(hour_19, 1))
        archive.writestr("412345/412345_2024-11-05_3#0.json.gz", b"\x1f\x8b\x08 no deflate stream")
        archive.writestr("412345/412345_2024-11-05_4#0.json", "\r".join(hour_19.splitlines()) + "\r\n\n \n")
        archive.writestr("412345/412345_2024-11-05_5#0.json.gz", gzip_bytes(hour_18 + "\n\u00a0\n" + hour_19))
    expected_rows, expected_rejects = _python_alone(path)
    result = read(amplitude, path, CxpConfig(chunk_size=100))
    assert result.rows("events") == expected_rows
    assert [(r.source_row, r.reason, r.record) for r in result.rejects] == expected_rejects
    assert len(expected_rows) > 10
