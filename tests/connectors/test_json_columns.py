"""Column-wise JSON lines (connectors/json_columns.py): the line reader numbers records and
reports broken streams exactly as decoding.iter_json_lines does, and for every row the SQL
of the Amplitude and Mixpanel connectors takes, its values equal those of the per-record
Python (``_event``) on the same line. Rows the SQL leaves are the ones Python must judge."""
from __future__ import annotations

import codecs
import gzip
import io
import json
import zlib

import orjson
import pytest

from connectors import amplitude, json_columns, mixpanel
from connectors.base import Reject
from connectors.decoding import iter_json_lines, text_stream
from models.config import CxpConfig

T = "2024-11-05 18:20:03.114000"


def _stream(data: bytes):
    return text_stream(io.BufferedReader(io.BytesIO(data)))


def _cut_gzip(lines: list[bytes], complete: int) -> bytes:
    """A gzip of ``lines`` cut off halfway through line ``complete + 1``."""
    compressor = zlib.compressobj(wbits=31)
    data = b"".join(compressor.compress(line) + compressor.flush(zlib.Z_FULL_FLUSH) for line in lines[:complete])
    tail = compressor.compress(lines[complete]) + compressor.flush(zlib.Z_FULL_FLUSH)
    return data + tail[: len(tail) // 2]


def _records_by_line_reader(data: bytes, gzipped: bool = False) -> list[tuple]:
    stream = _stream(data) if not gzipped else text_stream(gzip.GzipFile(fileobj=io.BytesIO(data)))
    found = []
    for item in json_columns.read_lines(stream):
        if isinstance(item, json_columns.LineBlock):
            for line, row, number in zip(item.lines.to_pylist(), item.rows.tolist(), item.line_numbers.tolist()):
                record = json_columns.json_record(line, row, number)
                found.append((record.row, record.text, record.value, record.error))
        else:
            found.append((item.row, item.text, item.value, item.error))
    return found


def _records_by_iter_json_lines(data: bytes, gzipped: bool = False) -> list[tuple]:
    stream = _stream(data) if not gzipped else text_stream(gzip.GzipFile(fileobj=io.BytesIO(data)))
    return [(r.row, r.text, r.value, r.error) for r in iter_json_lines(stream)]


LINES = [
    b'{"a": 1}', b"", b"   ", b"\t", b'{"b": 2}  ', b"  {\"c\": 3}", b"[1, 2]", b'"text"', b"42", b"{broken",
    "{\"d\": \"caf\u00e9 \u2028 \u00a0\"}".encode(), "\u00a0".encode(), b'{"e": "\xff\xfe"}', b'{"f": "\\ud83d"}',
    "\ufeff{\"g\": 1}".encode(), b'{"h": NaN}', b'{"i": [1,]}',
]


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("last_ending", [True, False])
def test_lines_are_numbered_like_iter_json_lines(ending, last_ending):
    data = ending.join(LINES) + (ending if last_ending else b"")
    assert _records_by_line_reader(data) == _records_by_iter_json_lines(data)


def test_mixed_line_endings_and_encodings():
    text = '{"a": 1}\r\n\r{"b": 2}\n\n{"c": 3}\r'
    for data in (
        text.encode(),
        codecs.BOM_UTF8 + text.encode(),
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        text.encode("utf-16-le"),  # no BOM: sniffed from the NULs
    ):
        found = _records_by_line_reader(data)
        assert found == _records_by_iter_json_lines(data)
        assert [row for row, *_ in found] == [1, 2, 3]


def test_lines_across_read_blocks(monkeypatch):
    monkeypatch.setattr(json_columns, "BLOCK_BYTES", 7)  # every line spans several reads, \r\n split between them
    data = b"\r\n".join([b'{"a": 1}', b"", b'{"bb": "22222222"}', b"x", "{\"\u00e9\": 3}".encode()]) + b"\r\n"
    assert _records_by_line_reader(data) == _records_by_iter_json_lines(data)


@pytest.mark.parametrize("complete", [1, 2, 3])
def test_truncated_stream_ends_like_iter_json_lines(complete):
    lines = [b'{"a": 1}\n', b"\n", b'{"b": 2}\r\n', b'{"c": 3}\n', b'{"d": 4}\n']
    data = _cut_gzip(lines, complete)
    found = _records_by_line_reader(data, gzipped=True)
    assert found == _records_by_iter_json_lines(data, gzipped=True)
    assert found[-1][3].startswith("compressed stream is truncated or corrupt after line")


# --- the SQL and the per-record Python agree -------------------------------------------

def _amplitude_event(i: int, **changes) -> str:
    event = {
        "$insert_id": f"ins-{i}", "uuid": f"uuid-{i}", "event_type": "app_open", "event_time": T, "server_upload_time": T,
        "session_id": 1730830790114, "user_id": f"cust_{i}", "device_id": f"dev-{i}", "amplitude_id": 500000 + i,
        "event_properties": {"screen": "home"}, "user_properties": {"email": f"u{i}@example.com"}, "platform": "iOS",
    }
    event.update(changes)
    return json.dumps(event, ensure_ascii=False)


AMPLITUDE_LINES = [
    _amplitude_event(1),
    _amplitude_event(2, user_id=123456, amplitude_id=2**60, device_id=1.5, adid=True, idfa=None),
    _amplitude_event(3, user_id=1e20, session_id=2**70, idfv=-7),
    _amplitude_event(4, event_properties={"price": 1e300, "quantity": 2}),
    _amplitude_event(5, event_properties='{"order_id": 5123, "revenue": "$12.50"}'),
    _amplitude_event(6, event_time="2024-11-05T18:20:03+02:00"),
    _amplitude_event(7, event_time=1730830790),
    _amplitude_event(8, event_time="yesterday", server_upload_time="bad"),
    _amplitude_event(9, event_time=None),
    _amplitude_event(10, **{"$insert_id": None, "uuid": None}),
    _amplitude_event(11, **{"$insert_id": "  spaced  "}, city=" "),
    _amplitude_event(12, user_id="\u00a0nbsp", country="x\u3000"),
    _amplitude_event(13, user_id='quo"te', os_name="back\\slash"),
    _amplitude_event(14, user_properties={"Email": "X@Y.com", "email": None}),
    _amplitude_event(15, user_properties={"email": "", "$email": "  ", "user_email": "third@x.com"}),
    _amplitude_event(16, session_id="1730830790114"),
    _amplitude_event(17, session_id=12.0),
    _amplitude_event(18, event_properties={"order": {"number": 2041, "id": 5}}),
    _amplitude_event(19, event_properties={"$revenue": 9.99, "orderNumber": "#2041"}),
    _amplitude_event(20, event_properties=[1, 2], user_properties="plain"),
    _amplitude_event(21, event_properties={"big": 12345678901234567890123, "v": 1e16, "w": 123e5, "z": -2.5e-10}),
    _amplitude_event(22, event_properties={"f": 1.5e-7, "g": 0.1, "h": 64.0, "ctl": "a\u0001b", "uni": "\u2028 \u00e9 \U0001f600"}),
    _amplitude_event(23, city="Z\u00fcrich \u2615", version_name=""),
    _amplitude_event(24, event_time="2024-02-30 10:00:00.000000"),
    _amplitude_event(25, event_time="2024-11-05 18:20:03"),
    _amplitude_event(26, event_time="2024-11-05 18:20:60.000000"),
    _amplitude_event(27, event_time="0000-01-01 00:00:00.000000"),
    _amplitude_event(28, event_time="2024-11-05 18:20:03.1234567", user_properties={}),
    _amplitude_event(29, insert_id="alt-29", **{"$insert_id": None}),
    _amplitude_event(30, uuid=None, event_properties=None, user_properties=None),
    _amplitude_event(31, **{"$insert_id": ""}),
    _amplitude_event(32, event_properties={"Price": "12", "Qty": "3", "order": "asc"}),
    _amplitude_event(33, event_properties={"revenue": None, "order_id": None, "price": True}),
    '{"$insert_id":"ins-34","$insert_id":"dup-34","event_time":"' + T + '","uuid":"u34"}',
    '{"$insert_id":"ins-35","event_time":"' + T + '","event_properties":{"revenue":1,"revenue":2}}',
    '{"$insert_id":"ins-36","event_time":"' + T + '","x":NaN}',
    '{"$insert_id":"ins-37","event_time":"' + T + '","x":[1,2,],"y":1}',
    '{"$insert_id":"ins-38","event_time":"' + T + '","x":1e400}',
    '{"$insert_id":"ins\\u002d39","event_time":"' + T + '"}',
    '{"$insert_id":"ins-40","event_time":"' + T + '","event_\\u0074ime":"2020-01-01 00:00:00.000000"}',
    '{"$insert_id": "ins-41", "event_time": "' + T + '", "event_properties": {"order_id": 77, "price": 3.5}}',
    '{"$insert_id":"ins-42","event_time":"' + T + '","amplitude_id":-0,"session_id":-1,"user_id":"a\\nb"}',
    '{"$insert_id":"ins-43","event_time":"' + T + '","event_properties":{"s":"x,Infinity","t":"{not nested}"}}',
    '{"$insert_id":"ins-44","event_time":"' + T + '","user_properties":{"email":"a@b.c","email":"last@b.c"}}',
    '{"$insert_id":"ins-45","event_time":"' + T + '","event_properties":{"e":1E+2,"n":-0.0,"m":1.7976931348623157e308}}',
    '{"$insert_id":"ins-46","event_time":"' + T + '","deep":' + "[" * 1100 + "]" * 1100 + "}",
    _amplitude_event(47, version_name="17.5", os_name="1e5", user_id="{not json}", device_id="[x]", city="x\u2028"),
    _amplitude_event(48, user_id="12345678901234567890", amplitude_id=-12, session_id="0012", adid=False),
    _amplitude_event(49, event_time="2024-11-05T18:20:03.114000", user_id="true", device_id="null"),
]

MIXPANEL_BASE = {"time": 1724655278, "distinct_id": "d", "$device_id": "dev", "$user_id": "u", "$insert_id": "mp", "$os": "iOS",
                 "mp_processing_time_ms": 1724655285074}


def _mixpanel_event(i: int, **changes) -> str:
    properties = dict(MIXPANEL_BASE, **{"$insert_id": f"mp-{i}"})
    properties.update(changes)
    return json.dumps({"event": "App Open", "properties": properties}, ensure_ascii=False)


MIXPANEL_LINES = [
    _mixpanel_event(1), _mixpanel_event(2, time=1724655278636), _mixpanel_event(3, time=1724655278636123),
    _mixpanel_event(4, time="1724655278"), _mixpanel_event(5, time=0), _mixpanel_event(6, time=-5),
    _mixpanel_event(7, time=1724655278.5), _mixpanel_event(8, time="2024-11-05T18:20:03Z"), _mixpanel_event(9, time=None),
    _mixpanel_event(10, **{"$insert_id": None}), _mixpanel_event(11, **{"$insert_id": 12345}), _mixpanel_event(12, distinct_id=1e20),
    _mixpanel_event(13, **{"$email": " a@b.com ", "email": "x@y.com"}), _mixpanel_event(14, **{"$app_version": "3.0", "$os": True}),
    _mixpanel_event(15, mp_processing_time_ms="17246"), _mixpanel_event(16, mp_processing_time_ms=1.5),
    _mixpanel_event(17, order_id="#2041", revenue=12.5), _mixpanel_event(18, price="9.99", quantity=2),
    _mixpanel_event(19, nested={"a": 1}), _mixpanel_event(20, f=1e17, g=0.25), _mixpanel_event(21, time=99999999999),
    _mixpanel_event(22, time=100000000000), _mixpanel_event(23, time=99999999999999), _mixpanel_event(24, **{"$city": "Z\u00fcrich", "$region": ""}),
    json.dumps({"event_name": "Flat", "time": 1724655278, "$insert_id": "flat-1", "distinct_id": "fd"}),
    json.dumps({"event": "Props text", "properties": "oops"}),
    json.dumps({"event": "Top insert", "$insert_id": "top-1", "time": 1724655278, "properties": {"distinct_id": "x"}}),
    '{"event":"Dup","properties":{"time":1724655278,"$insert_id":"dup-1","$insert_id":"dup-2"}}',
    '{"event":"DupTop","properties":{"time":1,"$insert_id":"t-1"},"properties":{"time":1724655279,"$insert_id":"t-2"}}',
    '{"event":"NaN","properties":{"time":1724655278,"$insert_id":"nan-1","x":NaN}}',
    '{"event":"Trailing","properties":{"time":1724655278,"$insert_id":"tr-1",}}',
    '{"event":"Esc","properties":{"time":1724655278,"$insert_id":"esc\\"1","x":"\\u00e9"}}',
    '{"event":"Esc2","properties":{"time":1724655278,"$insert_id":"esc-2","x":"\\u001f"}}',
    '{"event":123,"properties":{"time":1724655278,"$insert_id":"num-event"}}',
    _mixpanel_event(27, time="20241105"), _mixpanel_event(28, time=20241105), _mixpanel_event(29, time="1724655278636"),
    _mixpanel_event(30, **{"$os_version": "17.5", "$model": "iPhone15,2", "$city": " lead", "$region": "trail\u3000"}),
    _mixpanel_event(31, mp_processing_time_ms="0017"), _mixpanel_event(32, **{"$insert_id": "x", "$user_id": ""}),
]


def _sql_rows(module, lines: list[str], member: str | None) -> dict[int, dict]:
    """The rows the connector's SQL takes from ``lines`` (one stream), by row, as the connector finishes them."""
    batch = json_columns.LineBatch()
    batch.members.append(member)
    for block in json_columns.read_lines(_stream("\n".join(lines).encode() + b"\n")):
        batch.add(block, 0, 0)
    parser = json_columns.JsonColumns()
    try:
        fast, _ = parser.split(batch.table(), module._QUERY, module._ALSO_PYTHON)
    finally:
        parser.close()
    table = module._finish(fast, batch.members)
    return {row["_source_row"]: row for row in table.to_pylist()}


@pytest.mark.parametrize(("module", "lines", "member"), [
    (amplitude, AMPLITUDE_LINES, "412345/412345_2024-11-05_18#0.json.gz"),
    (mixpanel, MIXPANEL_LINES, None),
])
def test_every_row_the_sql_takes_reads_as_python_reads_it(module, lines, member):
    taken = _sql_rows(module, lines, member)
    assert len(taken) >= 10, "the SQL takes the ordinary rows"
    for row, line in enumerate(lines, start=1):
        if row not in taken:
            continue
        expected = module._event(orjson.loads(line), row, member) if module is amplitude else module._event(orjson.loads(line), row)
        assert taken[row] == expected, line


@pytest.mark.parametrize(("module", "line"), [
    (amplitude, AMPLITUDE_LINES[2]), (amplitude, AMPLITUDE_LINES[33]), (amplitude, AMPLITUDE_LINES[35]),
    (amplitude, AMPLITUDE_LINES[39]), (amplitude, AMPLITUDE_LINES[43]), (amplitude, AMPLITUDE_LINES[45]),
    (mixpanel, MIXPANEL_LINES[27]), (mixpanel, MIXPANEL_LINES[28]),
])
def test_rows_the_sql_would_read_differently_are_left_to_python(module, line):
    # Duplicate keys, NaN, escaped keys, numbers DuckDB writes differently: not taken.
    assert _sql_rows(module, [line], None) == {}


@pytest.mark.parametrize(("module", "lines", "suffix"), [(amplitude, AMPLITUDE_LINES, ".jsonl"), (mixpanel, MIXPANEL_LINES, ".jsonl")])
def test_connector_output_equals_python_alone(tmp_path, read, module, lines, suffix):
    """The whole file through the connector equals each line through iter_json_lines and ``_event``."""
    path = tmp_path / f"events{suffix}"
    data = "\r\n".join(lines[:5] + ["", "{broken", "[1]"] + lines[5:]) + "\r\n"
    path.write_text(data, newline="")
    expected_rows, expected_rejects = [], []
    for record in iter_json_lines(_stream(data.encode())):
        if record.error is not None:
            expected_rejects.append((record.row, record.error, record.text))
            continue
        item = amplitude._item(record, record.row, None) if module is amplitude else _mixpanel_item(record)
        if isinstance(item, Reject):
            expected_rejects.append((item.source_row, item.reason, item.record))
        else:
            expected_rows.append(item)
    result = read(module.CONNECTOR, path, CxpConfig(chunk_size=100))
    assert result.rows("events") == expected_rows
    assert [(r.source_row, r.reason, r.record) for r in result.rejects] == expected_rejects


def _mixpanel_item(record):
    try:
        return mixpanel._event(record.value, record.row)
    except ValueError as exc:
        return Reject("events", record.row, str(exc), record.text)


def test_chunks_stay_bounded_and_rows_in_order(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(_mixpanel_event(i) if i % 7 else "{bad" for i in range(1, 1001)) + "\n")
    chunks = list(mixpanel.CONNECTOR.read(path, CxpConfig(chunk_size=100)))
    assert all(len(chunk) <= 100 for chunk in chunks)
    rows = [r["_source_row"] for chunk in chunks for r in chunk.as_dicts().get("events", [])]
    assert rows == sorted(rows) and len(rows) + sum(len(c.rejects) for c in chunks) == 1000


def test_numbers_in_property_bags_keep_orjsons_text():
    """DuckDB writes some floats differently from orjson (1e+16 as 10000000000000000.0): every
    bag the SQL takes must read exactly as Python writes it, over floats of every magnitude."""
    import random
    import struct

    generator = random.Random(7)
    values = [generator.uniform(-1, 1) * 10 ** generator.randint(-30, 30) for _ in range(1500)]
    values += [struct.unpack("d", struct.pack("Q", generator.getrandbits(64)))[0] for _ in range(500)]
    values += [round(generator.uniform(0, 500), 2) for _ in range(300)] + [2**63, 2**64 - 1, -(2**63), 10**16, 1e16]
    lines = [_mixpanel_event(i, value=v) for i, v in enumerate(values) if v == v and abs(v) != float("inf")]
    taken = _sql_rows(mixpanel, lines, None)
    assert len(taken) > 500  # those with an exponent or 17 digits go to Python
    for row, line in enumerate(lines, start=1):
        if row in taken:
            assert taken[row] == mixpanel._event(orjson.loads(line), row), line


def test_numbers_in_text_fields_read_as_python_writes_them():
    """A number where text is expected (an os version written as 18.1) reads as Python's text of it."""
    import random
    import struct

    generator = random.Random(11)
    values = [generator.uniform(-1, 1) * 10 ** generator.randint(-8, 20) for _ in range(1500)]
    values += [struct.unpack("d", struct.pack("Q", generator.getrandbits(64)))[0] for _ in range(300)]
    values += [round(generator.uniform(0, 30), 1) for _ in range(300)] + [18.0, 18.1, -0.0, 0.0001, 0.00001, 1e15 + 0.5, 2**53 + 1.0]
    values = [v for v in values if v == v and abs(v) != float("inf")]
    lines = [_mixpanel_event(i, **{"$os_version": v, "$app_version_string": str(v)}) for i, v in enumerate(values)]
    taken = _sql_rows(mixpanel, lines, None)
    assert len(taken) > 1000
    for row, line in enumerate(lines, start=1):
        if row in taken:
            assert taken[row] == mixpanel._event(orjson.loads(line), row), line


# --- parts of a large file -------------------------------------------------------------

def _records_by_parts(path, part_bytes: int) -> list[tuple]:
    found = []
    for part in json_columns.plan_parts(path, part_bytes):
        with json_columns.open_part(path, part) as stream:
            for item in json_columns.read_lines(stream, part):
                for line, row, number in zip(item.lines.to_pylist(), item.rows.tolist(), item.line_numbers.tolist()):
                    record = json_columns.json_record(line, row, number)
                    found.append((record.row, record.text, record.value, record.error))
    return found


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
@pytest.mark.parametrize("part_bytes", [1, 7, 30, 64])
def test_parts_of_a_file_are_numbered_as_the_whole_file(tmp_path, ending, bom, part_bytes):
    """Blank lines, lines for Python to judge, a BOM and broken UTF-8 on either side of a cut:
    the parts' records, rows and line numbers, together, are the whole file's."""
    path = tmp_path / "export.jsonl"
    path.write_bytes(bom + ending.join(LINES + LINES[:5]))
    parts = json_columns.plan_parts(path, part_bytes)
    assert len(parts) >= 2 and parts[0].start == 0 and parts[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    assert _records_by_parts(path, part_bytes) == _records_by_iter_json_lines(path.read_bytes())


@pytest.mark.parametrize("data", [
    gzip.compress(b'{"a": 1}\n' * 50),  # compressed: no byte offset is a line start
    ('{"a": 1}\n' * 50).encode("utf-16"),  # another encoding
    b'{"a": 1}\r' * 50,  # lines ended by a lone \r: counted apart from \n
    b'{"a": 1}\n',  # one part only
])
def test_files_that_are_not_cut(tmp_path, data):
    path = tmp_path / "export.jsonl"
    path.write_bytes(data)
    assert json_columns.plan_parts(path, 64) is None


def test_repeated_keys_marks_the_lists_that_name_a_key_twice():
    import pyarrow as pa

    lists = pa.array(
        [["a", "b"], ["a", "b", "a"], None, [], [""], ["", ""], ["a", "b"], ["x", "y", "z", "y"], ["ab", "a", "b"]],
        pa.list_(pa.string()),
    )
    assert json_columns.repeated_keys(lists).tolist() == [False, True, False, False, False, True, False, True, False]
    assert json_columns.repeated_keys(pa.array([], pa.list_(pa.string()))).tolist() == []
