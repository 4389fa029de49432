"""Shopify customers export: both header layouts, Excel damage, multi-line notes, rejects."""
from __future__ import annotations

import csv
import decimal
import gzip
import json

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile
from models.raw.shopify_customers import ShopifyCustomer

customers = CONNECTORS["shopify_customers"]


def full(record: dict) -> dict:
    """Records are sparse (a blank cell is absent and loads as NULL): compare them with every column present."""
    return {name: record.get(name) for name in ShopifyCustomer.model_fields} | {"_source_row": record["_source_row"]}


def physical_rows(path, encoding="utf-8-sig") -> int:
    with open(path, newline="", encoding=encoding) as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


def test_sample_current_layout(read, samples_dir):
    result = read(customers, samples_dir / "customers_export.csv")
    assert result.rejects == []
    priya, tomasz, phone_only = map(full, result.rows("customers"))
    assert priya == {
        **priya,
        "_source_row": 1,
        "customer_id": "8123456700011",  # leading ' stripped
        "row_hash": None,
        "first_name": "Priya",
        "email": "priya.raman@example.net",
        "accepts_email_marketing": True,
        "default_address_city": "Austin",
        "default_address_zip": "78704",
        "default_address_phone": "+15125550143",
        "accepts_sms_marketing": False,
        "total_spent": decimal.Decimal("212.40"),
        "total_orders": 3,
        "tags": "vip, newsletter",
        "note": None,
        "extra_json": None,
    }
    assert tomasz["last_name"] == "Wójcik"
    assert tomasz["default_address_zip"] == "31-147"  # Excel guard stripped
    assert tomasz["note"] == "Asked about\nB2B invoicing"  # a quoted field spanning lines
    assert tomasz["tax_exempt"] is True
    assert phone_only["email"] is None and phone_only["phone"] == "+447700900321"


def test_pitfalls_and_rejects(read, fixtures_dir):
    path = fixtures_dir / "shopify_customers" / "customers_export.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the fixture has a BOM
    result = read(customers, path)
    assert result.total == physical_rows(path) == 4  # conservation
    assert [(r.source_row, r.reason) for r in result.rejects] == [
        (2, "Customer ID is missing"),
        (3, "row has 22 fields, header has 21"),
    ]
    assert result.rejects[0].record == ",No,Id,noid@example.com,no,,,,,,,,,,no,0.00,0,,no,,"
    ana, olly = map(full, result.rows("customers"))
    assert ana == {
        "_source_row": 1,
        "customer_id": "8123456700021",
        "row_hash": None,
        "first_name": "Ana",
        "last_name": "Lima",
        "email": "Ana.Lima@Example.COM",  # trimmed; canonical form is staging's job
        "accepts_email_marketing": True,
        "default_address_company": None,
        "default_address_address1": "12 Elm St",
        "default_address_address2": None,
        "default_address_city": "Boston",
        "default_address_province": None,
        "default_address_province_code": "MA",
        "default_address_country": None,
        "default_address_country_code": "US",
        "default_address_zip": "02134",  # the ' kept the leading zero; it is not data
        "default_address_phone": "(617) 555-0182",
        "phone": "5.12555E+09",  # Excel-mangled: kept as text, staging turns it into NULL
        "accepts_sms_marketing": False,
        "total_spent": decimal.Decimal("1204.50"),
        "total_orders": 7,
        "note": "Prefers email.\nCall only after 5pm",
        "tax_exempt": False,
        "tags": "vip, wholesale",
        "extra_json": '{"Loyalty Tier":"gold"}',  # a column this layout does not know
    }
    # unreadable flag and numbers become NULL without costing the customer
    assert (olly["accepts_email_marketing"], olly["total_spent"], olly["total_orders"]) == (None, None, None)
    assert olly["phone"] == "07700 900123"


def test_older_layout_without_customer_id(read, fixtures_dir):
    result = read(customers, fixtures_dir / "shopify_customers" / "customers_export_old.csv")
    assert result.rejects == []
    cara, dev = map(full, result.rows("customers"))
    assert cara == {
        **cara,
        "customer_id": None,
        "email": "CARA@example.com",
        "accepts_email_marketing": True,  # "Accepts Marketing" in this layout
        "default_address_address1": "9 Oak Ave",
        "default_address_city": "Toronto",
        "default_address_province": "Ontario",
        "default_address_province_code": "ON",
        "default_address_country": "Canada",
        "default_address_country_code": "CA",
        "default_address_zip": "M5V 2T6",
        "phone": "416-555-0133",
        "accepts_sms_marketing": None,  # not in this layout
    }
    assert len(cara["row_hash"]) == 32 and cara["row_hash"] != dev["row_hash"]
    # the hash depends on the person, not on the file: the same row read again keys the same
    again = read(customers, fixtures_dir / "shopify_customers" / "customers_export_old.csv")
    assert [r["row_hash"] for r in again.rows("customers")] == [cara["row_hash"], dev["row_hash"]]


def test_unknown_layout_is_unreadable(read, fixtures_dir):
    with pytest.raises(UnreadableFile, match="unknown layout: .*Customer ID.*Handle, Title, Vendor"):
        read(customers, fixtures_dir / "shopify_customers" / "customers_export_unknown.csv")


def test_reordered_columns_gzip_and_utf16(read, fixtures_dir, tmp_path):
    """Columns are found by name, the file may be gzipped or re-saved as UTF-16 by Excel."""
    source = fixtures_dir / "shopify_customers" / "customers_export_2.csv"
    rows = list(csv.reader(source.open(newline="", encoding="utf-8")))
    order = list(reversed(range(len(rows[0]))))
    shuffled = tmp_path / "customers_export_shuffled.csv.gz"
    with gzip.open(shuffled, "wt", encoding="utf-16", newline="") as fh:
        csv.writer(fh).writerows([[row[i] for i in order] for row in rows])
    expected = read(customers, source).rows("customers")
    got = read(customers, shuffled).rows("customers")
    assert [full(r) for r in got] == [full(r) for r in expected]
    assert json.loads(got[0]["extra_json"]) == {"Loyalty Tier": "gold"}


def test_folder_picks_customer_exports_only(tmp_path):
    for name in ("customers_export.csv", "Customers_Export_2.CSV", "customers_export_3.csv.gz", "orders_export_1.csv", "notes.txt"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in customers.files(tmp_path)] == ["Customers_Export_2.CSV", "customers_export.csv", "customers_export_3.csv.gz"]


def test_excel_semicolon_resave(read, fixtures_dir, tmp_path):
    """Excel in many locales re-saves CSV with ';' between fields: the delimiter comes from the header line."""
    source = fixtures_dir / "shopify_customers" / "customers_export.csv"
    rows = list(csv.reader(source.open(newline="", encoding="utf-8-sig")))
    resaved = tmp_path / "customers_export_de.csv"
    with resaved.open("w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    expected, got = read(customers, source), read(customers, resaved)
    assert [full(r) for r in got.rows("customers")] == [full(r) for r in expected.rows("customers")]
    assert [(r.source_row, r.reason) for r in got.rejects] == [(r.source_row, r.reason) for r in expected.rejects]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "file ends before its 1 header row"),
    (b"\xef\xbb\xbf\r\n", "unknown layout: .* this header has no columns"),
])
def test_empty_files_are_unreadable(read, tmp_path, content, message):
    path = tmp_path / "customers_export.csv"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message):
        read(customers, path)
