"""Unit tests of the shared decoding (connectors/decoding.py) and value parsing (connectors/values.py)."""
from __future__ import annotations

import codecs
import datetime as dt
import decimal
import gzip
import io
import zipfile
import zlib
from pathlib import Path

import pytest

from connectors.base import UnreadableFile
from connectors.decoding import (
    iter_concatenated_json,
    iter_csv,
    iter_json_lines,
    iter_zip_members,
    is_zip,
    load_json_document,
    loads,
    map_header,
    normalise_header,
    open_bytes,
    open_text,
    sniff_encoding,
    text_stream,
)
from connectors.values import (
    content_hash,
    find_property,
    is_excel_mangled,
    json_text,
    order_number,
    parse_bool,
    parse_decimal,
    parse_epoch,
    parse_float,
    parse_int,
    parse_moment,
    parse_timestamp,
    property_key,
    rating,
    strip_excel_guard,
    text,
    to_utc_naive,
)


def cut_gzip(lines: list[str], complete: int) -> bytes:
    """A gzip of ``lines`` that stops halfway through line ``complete + 1`` (a download that died)."""
    compressor = zlib.compressobj(wbits=31)
    data = b"".join(compressor.compress(line.encode()) + compressor.flush(zlib.Z_FULL_FLUSH) for line in lines[:complete])
    tail = compressor.compress(lines[complete].encode()) + compressor.flush(zlib.Z_FULL_FLUSH)
    return data + tail[: len(tail) // 2]


# ---------------------------------------------------------------- bytes and text


def test_open_bytes_gunzips_by_magic_not_by_name(tmp_path):
    zipped = tmp_path / "plain_name.json"
    zipped.write_bytes(gzip.compress(b'{"a": 1}\n'))
    plain = tmp_path / "named.gz"
    plain.write_bytes(b'{"a": 1}\n')
    with open_bytes(zipped) as fh:
        assert fh.read() == b'{"a": 1}\n'
    with open_bytes(plain) as fh:
        assert fh.read() == b'{"a": 1}\n'


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        (codecs.BOM_UTF8 + b"ab", "utf-8-sig"),
        (codecs.BOM_UTF16_LE + b"a\x00", "utf-16"),
        (codecs.BOM_UTF16_BE + b"\x00a", "utf-16"),
        (b"a\x00b\x00", "utf-16-le"),
        (b"\x00a\x00b", "utf-16-be"),
        (b"abcd", "utf-8"),
        (b"", "utf-8"),
    ],
)
def test_sniff_encoding(head, encoding):
    assert sniff_encoding(head) == encoding


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le"])
def test_text_stream_decodes_every_encoding_exports_use(encoding):
    data = "Package Name,Review Text\ncom.northtrail,Très bien 🧦\n".encode(encoding)
    assert text_stream(io.BytesIO(data)).read() == "Package Name,Review Text\ncom.northtrail,Très bien 🧦\n"


def test_undecodable_bytes_become_replacement_characters():
    assert text_stream(io.BytesIO(b"caf\xe9 ok\n")).read() == "caf\ufffd ok\n"


def test_text_stream_keeps_line_endings():
    assert text_stream(io.BytesIO(b"a\r\nb\n")).readlines() == ["a\r\n", "b\n"]


# ---------------------------------------------------------------- CSV


def test_csv_multiline_fields_blank_lines_and_original_text():
    stream = io.StringIO('Name,Note\r\n"Ann","line one\r\nline two"\r\n\r\nBob,"says ""hi"""\r\n')
    headers, rows = iter_csv(stream)
    assert headers == [["Name", "Note"]]
    rows = list(rows)
    assert [(r.row, r.fields, r.error) for r in rows] == [
        (1, ["Ann", "line one\r\nline two"], None),
        (2, ["Bob", 'says "hi"'], None),
    ]
    assert rows[0].text == '"Ann","line one\r\nline two"'
    assert rows[1].text == 'Bob,"says ""hi"""'


def test_csv_several_header_rows_and_delimiter_sniffing():
    stream = io.StringIO("Q1;Q2\nHow likely?;Why?\n9;great\n")
    headers, rows = iter_csv(stream, header_rows=2, delimiter=None)
    assert headers == [["Q1", "Q2"], ["How likely?", "Why?"]]
    assert [r.fields for r in rows] == [["9", "great"]]


def test_csv_without_its_header_rows_is_unreadable():
    with pytest.raises(UnreadableFile, match="ends before its 3 header row"):
        iter_csv(io.StringIO("a,b\nc,d\n"), header_rows=3)


def test_normalise_header():
    assert normalise_header("\ufeff  Customer_ID ") == "customer id"


def test_map_header_by_name_with_aliases():
    layout = map_header(
        ["\ufeffId", "E-mail", "Billing Address 1", "Extra Column", "Phone"],
        {"id": "ID", "email": ("Email", "E-mail"), "address": "Billing Address1", "phone": "Phone", "missing": "Nope"},
    )
    assert layout.header == ("Id", "E-mail", "Billing Address 1", "Extra Column", "Phone")
    assert layout.positions == {"id": 0, "email": 1, "address": 2, "phone": 4}
    assert (layout.has("email"), layout.has("missing")) == (True, False)
    assert layout.unknown == (3,)
    row = ["7", " ann@example.com ", "", "kept", "   "]
    assert layout.values(row) == {"id": "7", "email": "ann@example.com"}  # blanks left out
    assert layout.extras(row) == '{"Extra Column":"kept"}'
    assert layout.width_error(row) is None
    assert layout.width_error(row[:3]) == "row has 3 fields, header has 5"


def test_map_header_gives_a_column_to_one_field_only():
    layout = map_header(["Phone"], {"phone": "Phone", "billing_phone": "Phone"})
    assert layout.positions == {"phone": 0}
    single = map_header(["Email", "Other"], {"email": "email"})
    assert single.values(["a@b.co", "x"]) == {"email": "a@b.co"}


# ---------------------------------------------------------------- JSON


def test_json_lines_blank_lines_and_errors_name_the_physical_line():
    records = list(iter_json_lines(io.StringIO('{"a": 1}\n\n{"b": \n[1, 2]\n')))
    assert [(r.row, r.value, r.error is None) for r in records] == [(1, {"a": 1}, True), (2, None, False), (3, [1, 2], True)]
    assert records[1].error.startswith("invalid JSON on line 3 (column ")
    assert records[1].text == '{"b":'


def test_json_lines_from_a_gzip_cut_short_keep_every_line_before_the_cut():
    lines = [f'{{"n": {i}, "pad": "{"x" * 300}"}}\n' for i in range(5)]
    stream = text_stream(gzip.GzipFile(fileobj=io.BytesIO(cut_gzip(lines, 3))))
    records = list(iter_json_lines(stream))
    assert [r.value["n"] for r in records[:3]] == [0, 1, 2]
    assert (records[3].row, records[3].text) == (4, "")
    assert records[3].error.startswith("compressed stream is truncated or corrupt after line 3 (")
    assert len(records) == 4


def test_lone_surrogate_escapes_become_replacement_characters():
    # an emoji cut in half by a client: valid JSON that orjson alone refuses
    assert loads('{"t": "great \\ud83d"}') == {"t": "great \ufffd"}
    assert loads('{"t": "\\udc00 x"}') == {"t": "\ufffd x"}
    assert loads('{"t": "\\ud83d\\ude00"}') == {"t": "\U0001f600"}  # a whole pair is untouched
    assert loads('{"t": "\\\\ud800 \\ud83d"}') == {"t": "\\ud800 \ufffd"}  # an escaped backslash is text
    with pytest.raises(ValueError):
        loads('{"t": "\\ud83d"')  # still broken JSON after the repair


def test_json_lines_keep_integer_ids_exact():
    (record,) = iter_json_lines(io.StringIO('{"id": 1853901234567890123}\n'))
    assert record.value["id"] == 1853901234567890123


def test_load_json_document(tmp_path):
    assert load_json_document(io.StringIO('{"data": []}')) == ({"data": []}, '{"data": []}', None)
    value, text_, error = load_json_document(io.StringIO('{"data": ['))
    assert (value, text_) == (None, '{"data": [')
    assert error.startswith("invalid JSON at byte ")
    cut = tmp_path / "page.json.gz"
    cut.write_bytes(gzip.compress(b'{"data": [1, 2, 3]}')[:-12])
    with pytest.raises(UnreadableFile, match="truncated or corrupt"):
        load_json_document(open_text(cut))


def test_concatenated_json_firehose_and_lines():
    records = list(iter_concatenated_json('{"a": 1}{"b": 2}\n{"c": 3}\n,{"d": 4}'))
    assert [r.value for r in records] == [{"a": 1}, {"b": 2}, {"c": 3}, {"d": 4}]
    assert [r.text for r in records] == ['{"a": 1}', '{"b": 2}', '{"c": 3}', '{"d": 4}']


def test_concatenated_json_resumes_after_a_broken_object():
    records = list(iter_concatenated_json('{"a": 1}{"b": }{"c": 3}'))
    assert [(r.row, r.value, r.error is not None) for r in records] == [(1, {"a": 1}, False), (2, None, True), (3, {"c": 3}, False)]
    assert records[1].text == '{"b": }'


def test_concatenated_json_lone_surrogate_can_still_be_stored():
    (record,) = iter_concatenated_json('{"t": "cut \\ud83d", "n": [{"k": "\\udc00"}]}')
    assert record.value == {"t": "cut \ufffd", "n": [{"k": "\ufffd"}]}
    assert json_text(record.value) == '{"t":"cut \ufffd","n":[{"k":"\ufffd"}]}'


# ---------------------------------------------------------------- zip


def test_zip_members_with_hash_in_names_gzip_or_plain_and_sorted(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("412345/412345_2024-11-05_19#0.json.gz", gzip.compress(b"nineteen\n"))
        archive.writestr("412345/412345_2024-11-05_18#0.json.gz", gzip.compress(b"eighteen\n"))
        archive.writestr("412345/plain.json", b"plain\n")
        archive.writestr("412345/readme.txt", b"skipped\n")
        archive.writestr("__MACOSX/412345/._412345_2024-11-05_18#0.json.gz", b"\x00\x05\x16\x07resource fork")
        archive.writestr("412345/._hidden.json", b"resource fork")
    members = [(name, stream.read()) for name, stream in iter_zip_members(path, (".json.gz", ".json"))]
    assert members == [
        ("412345/412345_2024-11-05_18#0.json.gz", b"eighteen\n"),
        ("412345/412345_2024-11-05_19#0.json.gz", b"nineteen\n"),
        ("412345/plain.json", b"plain\n"),
    ]
    assert is_zip(path)


def test_zip_that_is_not_a_zip(tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(b"PK but not really")
    assert not is_zip(path)
    with pytest.raises(UnreadableFile, match="not a readable zip archive"):
        list(iter_zip_members(path, (".gz",)))


def test_corrupt_zip_member_fails_where_it_is_read(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.json", b'{"good": 1}\n' * 50)
        archive.writestr("b.json", b'{"good": 2}\n' * 50)
    data = bytearray(path.read_bytes())
    start = data.index(b"a.json") + len("a.json")  # a's compressed bytes follow its local header name
    data[start : start + 20] = b"\xff" * 20
    path.write_bytes(bytes(data))
    members = iter_zip_members(path, (".json",))
    name, stream = next(members)  # listing the members does not fail on a's bad bytes
    assert name == "a.json"
    with pytest.raises((zlib.error, zipfile.BadZipFile)):
        text_stream(stream).read()  # reading them does, where the connector can quarantine member a
    name, stream = next(members)
    assert (name, stream.read()) == ("b.json", b'{"good": 2}\n' * 50)


# ---------------------------------------------------------------- values


def test_text():
    assert (text(None), text(""), text("  "), text(" a "), text(True), text(False)) == (None, None, None, "a", "true", "false")
    assert (text(2041), text(2041.0), text(20.5), text(1853901234567890123)) == ("2041", "2041", "20.5", "1853901234567890123")


def test_excel_guard_and_mangling():
    assert (strip_excel_guard("'0123"), strip_excel_guard("'"), strip_excel_guard(" 77 ")) == ("0123", None, "77")
    assert is_excel_mangled("5.12555E+09") and is_excel_mangled("1,5E+10")
    assert not is_excel_mangled("+1 512 555 0100") and not is_excel_mangled(None) and not is_excel_mangled("")


def test_parse_bool():
    assert [parse_bool(v) for v in ("yes", "No", "TRUE", "f", "1", "", None, True)] == [True, False, True, False, True, None, None, True]
    with pytest.raises(ValueError, match="'maybe' is not yes/no"):
        parse_bool("maybe")


def test_parse_int():
    assert [parse_int(v) for v in ("42", "-7", "+3", "1,234", "1e3", 5, 12.0, " ", None)] == [42, -7, 3, 1234, 1000, 5, 12, None, None]
    for bad, message in (("4.5", "not a whole number"), ("abc", "not a number"), (True, "not a whole number"),
                         ("nan", "not a whole number"), ("99999999999999999999", "out of range"), (2**64, "out of range")):
        with pytest.raises(ValueError, match=message):
            parse_int(bad)


def test_parse_float():
    assert [parse_float(v) for v in ("64.5", "1,234.5", 3, None, "")] == [64.5, 1234.5, 3.0, None, None]
    for bad in ("NaN", "inf", "-Infinity", float("nan"), float("inf"), "12 EUR"):
        with pytest.raises(ValueError, match="is not a number"):
            parse_float(bad)


def test_parse_decimal():
    assert parse_decimal("1,234.5") == decimal.Decimal("1234.50")
    assert parse_decimal("64") == decimal.Decimal("64.00")
    assert parse_decimal(" ") is None
    for bad in ("NaN", "Infinity", "1e20", "12 EUR"):
        with pytest.raises(ValueError, match="is not an amount"):
            parse_decimal(bad)


def test_to_utc_naive():
    aware = dt.datetime(2024, 11, 5, 13, 20, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert to_utc_naive(aware) == dt.datetime(2024, 11, 5, 18, 20)
    assert to_utc_naive(dt.datetime(2024, 11, 5, 18, 20)) == dt.datetime(2024, 11, 5, 18, 20)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-11-05 18:20:03.114000", dt.datetime(2024, 11, 5, 18, 20, 3, 114000)),  # Amplitude, UTC without a zone
        ("2024-11-05T19:02:11.000Z", dt.datetime(2024, 11, 5, 19, 2, 11)),  # X
        ("2024-11-06T08:14:55+0000", dt.datetime(2024, 11, 6, 8, 14, 55)),  # Facebook
        ("2024-11-05 13:20:03 -0500", dt.datetime(2024, 11, 5, 18, 20, 3)),  # Shopify, EST
        ("2024-07-05 14:20:03 -0400", dt.datetime(2024, 7, 5, 18, 20, 3)),  # Shopify, EDT in the same file
        ("2024-11-05T18:20:03.123456789Z", dt.datetime(2024, 11, 5, 18, 20, 3, 123456)),  # nanoseconds cut
        ("2024-11-05 18:20:03 UTC", dt.datetime(2024, 11, 5, 18, 20, 3)),
        ("11/05/2024 18:20:03", dt.datetime(2024, 11, 5, 18, 20, 3)),
        ("2024-11-05", dt.datetime(2024, 11, 5)),
        (dt.datetime(2024, 11, 5, 18, 20), dt.datetime(2024, 11, 5, 18, 20)),
        ("", None),
        (None, None),
    ],
)
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected


def test_parse_timestamp_reads_zone_less_text_in_the_given_zone():
    assert parse_timestamp("2024-07-01 09:00:00", "America/New_York") == dt.datetime(2024, 7, 1, 13, 0)
    assert parse_timestamp("2024-12-01 09:00:00", "America/New_York") == dt.datetime(2024, 12, 1, 14, 0)
    assert parse_timestamp("2024-07-01T09:00:00Z", "America/New_York") == dt.datetime(2024, 7, 1, 9, 0)  # a zone in the text wins


@pytest.mark.parametrize("value", ["yesterday", "Tue Nov 5", "1730830803", "2024-13-45 10:00:00"])
def test_parse_timestamp_refuses_unreadable_text(value):
    with pytest.raises(ValueError, match="is not a readable date and time"):
        parse_timestamp(value)


def test_parse_epoch_units_by_magnitude():
    moment = dt.datetime(2024, 11, 5, 18, 20, 3)
    assert parse_epoch(1730830803) == moment
    assert parse_epoch("1730830803") == moment
    assert parse_epoch(1730830803114) == moment.replace(microsecond=114000)
    assert parse_epoch(1730830803114000) == moment.replace(microsecond=114000)
    assert parse_epoch(1730830803114000000) == moment.replace(microsecond=114000)
    assert parse_epoch(1730830803, unit="s") == moment
    assert parse_epoch(None) is None and parse_epoch(" ") is None


@pytest.mark.parametrize("value", ["soon", float("nan"), float("inf"), "nan", True, {"t": 1}, 1e300])
def test_parse_epoch_refuses_what_is_no_time(value):
    with pytest.raises(ValueError, match="Unix time"):
        parse_epoch(value)


def test_parse_moment():
    assert parse_moment(1730830803) == dt.datetime(2024, 11, 5, 18, 20, 3)
    assert parse_moment("1730830803114") == dt.datetime(2024, 11, 5, 18, 20, 3, 114000)
    assert parse_moment(" 1730830803.5 ") == dt.datetime(2024, 11, 5, 18, 20, 3, 500000)
    assert parse_moment("2024-11-05T18:20:03Z") == dt.datetime(2024, 11, 5, 18, 20, 3)
    assert parse_moment("20241105") == dt.datetime(2024, 11, 5)  # a compact date, not August 1970
    assert parse_moment(None) is None
    for bad in (True, {"a": 1}, [1], "soon"):
        with pytest.raises(ValueError):
            parse_moment(bad)


def test_rating():
    assert [rating(v, 0, 10, "NPS") for v in ("9", 0, 10.0, "", None)] == [9, 0, 10, None, None]
    with pytest.raises(ValueError, match=r"^Star Rating 7 outside 1\.\.5$"):
        rating("7", 1, 5, "Star Rating")
    with pytest.raises(ValueError, match=r"^CSAT 4\.5 outside 1\.\.5$"):
        rating(4.5, 1, 5, "CSAT")
    with pytest.raises(ValueError, match="is not a number on the 0..10 scale"):
        rating("NaN", 0, 10, "NPS")


def test_content_hash_is_stable_and_prefixed():
    first = content_hash("2024-11-06", None, "Love these socks")
    assert first == content_hash("2024-11-06", None, "Love these socks")
    assert first.startswith("hash:") and len(first) == 37
    assert first != content_hash("2024-11-06", "Dana", "Love these socks")


def test_property_lookup_by_letters_and_digits():
    assert property_key("Customer ID") == property_key("customer_id") == property_key("customerId") == "customerid"
    bag = {"Order ID": 5123, "orderNumber": "#2041", "nested": {"order_number": 9}, "flag": True}
    assert find_property(bag, ("order_number", "order_id")) == "#2041"
    assert find_property(bag, ("order_id",)) == "5123"
    assert find_property(bag, ("nested", "flag")) is None  # objects and booleans are no identifiers
    assert find_property(None, ("order_id",)) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("#2041", "2041"), ("Order 2041", "2041"), ("order #2041", "2041"), ("Order No. 2041", "2041"), ("ORD-2041", "2041"),
     (2041, "2041"), (2041.0, "2041"), (" 2041 ", "2041"), ("NT-2041", "NT-2041"), (None, None), ("", None)],
)
def test_order_number(value, expected):
    assert order_number(value) == expected


def test_json_text():
    assert json_text({"a": [1, None, "é"]}) == '{"a":[1,null,"é"]}'
    assert json_text({"id": 2**70}) == '{"id":1180591620717411303424}'  # beyond 64 bits, from the stdlib decoder
