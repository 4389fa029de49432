"""Shopify orders export: line-item rows grouped into orders, both header layouts, DST offsets, rejects."""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import json

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile
from models.config import CxpConfig
from models.raw.shopify_orders import ShopifyOrderLine

orders = CONNECTORS["shopify_orders"]


def full(record: dict) -> dict:
    """Records are sparse (a blank cell is absent and loads as NULL): compare them with every column present."""
    return {name: record.get(name) for name in ShopifyOrderLine.model_fields} | {"_source_row": record["_source_row"]}


def physical_rows(path) -> int:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


def test_sample_orders(read, samples_dir):
    result = read(orders, samples_dir / "orders_export_1.csv")
    assert result.rejects == []
    first, second, pos = map(full, result.rows("orders"))
    assert first == {
        **first,
        "_source_row": 1,
        "order_id": "5601234567890",
        "order_first_row": 1,
        "line_number": 1,
        "name": "#2041",
        "id": "5601234567890",
        "email": "priya.raman@example.net",
        "financial_status": "paid",
        "currency": "USD",
        "subtotal": decimal.Decimal("64.00"),
        "shipping": decimal.Decimal("6.00"),
        "taxes": decimal.Decimal("5.28"),
        "total": decimal.Decimal("75.28"),
        "refunded_amount": decimal.Decimal("0.00"),
        "billing_phone": "(512) 555-0143",
        "billing_country": "US",
        "phone": "+15125550143",
        "source": "web",
        "created_at": dt.datetime(2024, 11, 2, 19, 5, 29),  # 14:05:29 -0500
        "created_at_text": "2024-11-02 14:05:29 -0500",
        "paid_at": dt.datetime(2024, 11, 2, 19, 5, 31),
        "fulfilled_at": dt.datetime(2024, 11, 3, 14, 12),
        "cancelled_at": None,
        "lineitem_quantity": 2,
        "lineitem_name": "Trail Sock - Charcoal / M",
        "lineitem_sku": "SOCK-CH-M",
        "lineitem_requires_shipping": True,
    }
    assert json.loads(first["extra_json"]) == {
        "Tax 1 Name": "TX State Tax 6.25%", "Tax 1 Value": "4.38", "Tax 2 Name": "Austin City Tax 1.25%", "Tax 2 Value": "0.90",
    }
    # the continuation row: Name and line-item columns only, order-level columns NULL, tied to its order
    assert second == {
        **{name: None for name in ShopifyOrderLine.model_fields},
        "_source_row": 2,
        "order_id": "5601234567890",
        "order_first_row": 1,
        "line_number": 2,
        "name": "#2041",
        "lineitem_quantity": 1,
        "lineitem_name": "Merino Beanie",
        "lineitem_price": decimal.Decimal("40.00"),
        "lineitem_compare_at_price": decimal.Decimal("48.00"),
        "lineitem_sku": "BEANIE-01",
        "lineitem_requires_shipping": True,
        "lineitem_taxable": True,
        "lineitem_fulfillment_status": "fulfilled",
        "lineitem_discount": decimal.Decimal("0.00"),
        "vendor": "Northtrail",
    }
    assert pos["source"] == "pos" and pos["location"] == "Austin Flagship"
    assert pos["cancelled_at"] == dt.datetime(2024, 11, 4, 15, 2, 44)
    assert pos["discount_code"] == "WELCOME10" and pos["refunded_amount"] == decimal.Decimal("18.99")


def test_pitfalls_and_rejects(read, fixtures_dir):
    path = fixtures_dir / "shopify_orders" / "orders_export_1.csv"
    result = read(orders, path)
    assert result.total == physical_rows(path) == 10  # conservation
    assert [(r.source_row, r.reason) for r in result.rejects] == [
        (5, "Id is missing"),
        (6, "line item of order #1003, whose first row was rejected (Id is missing)"),
        (7, "Created at 'yesterday' is not a readable date and time"),
        (8, "row has 81 fields, header has 79"),
        (9, "Created at is missing"),
    ]
    assert result.rejects[2].record.startswith("#1004,,paid,")
    lines = [full(r) for r in result.rows("orders")]
    assert [(r["order_id"], r["line_number"], r["order_first_row"], r["lineitem_quantity"]) for r in lines] == [
        ("5600000001001", 1, 1, 2), ("5600000001001", 2, 1, 1), ("5600000001001", 3, 1, 3),
        ("5600000001002", 1, 4, 1),
        ("5600000001007", 1, 10, 1),
    ]
    ana, _, _, gift, pos = lines
    # DST: -0600 before 10 March 2024, -0500 after, in the same file
    assert ana["created_at"] == dt.datetime(2024, 3, 9, 16, 0) and ana["created_at_text"] == "2024-03-09 10:00:00 -0600"
    assert ana["fulfilled_at"] == dt.datetime(2024, 3, 11, 14, 0)
    assert gift["created_at"] == dt.datetime(2024, 3, 11, 15, 0)
    assert ana["billing_zip"] == "02134" and gift["shipping_zip"] == "02134"  # Excel guards stripped
    assert gift["id"] == "5600000001002"  # ... on the Id too
    assert gift["phone"] == "5.12555E+09"  # Excel-mangled phone kept as text
    assert gift["notes"] == "Gift wrap please.\nNo invoice in the box."
    assert pos["phone"] == "+44 7700 900123"


def test_70_column_layout(read, fixtures_dir):
    result = read(orders, fixtures_dir / "shopify_orders" / "orders_export_2_70col.csv")
    assert result.rejects == []
    refunded, beanie, android, android_line, mobile = map(full, result.rows("orders"))
    assert refunded["cancelled_at"] == dt.datetime(2024, 3, 12, 17, 0)  # header "Canceled at"
    assert refunded["cancelled_at_text"] == "2024-03-12 12:00:00 -0500"
    assert refunded["lineitem_sku"] == "SOCK-1" and beanie["lineitem_sku"] == "BEANIE"  # header "Lineitem SKU"
    assert refunded["billing_address1"] == "12 Elm St"  # header "Billing Address 1"
    assert refunded["refunded_amount"] == decimal.Decimal("37.50")
    assert refunded["location"] is None and refunded["outstanding_balance"] is None  # columns this layout lacks
    assert beanie["order_id"] == "5600000001001" and beanie["line_number"] == 2
    # the repeated hour when DST ends: 01:30 -0500 and 01:30 -0600 are an hour apart
    assert android["created_at"] == dt.datetime(2024, 11, 3, 6, 30)
    assert mobile["created_at"] == dt.datetime(2024, 11, 3, 7, 30)
    # a continuation line repeating Email, status, Currency and Created at is still a line of its order
    assert android_line == {
        **{name: None for name in ShopifyOrderLine.model_fields},
        "_source_row": 4,
        "order_id": "5600000001008",
        "order_first_row": 3,
        "line_number": 2,
        "name": "#1008",
        "email": "pat@example.com",
        "financial_status": "paid",
        "currency": "USD",
        "created_at": dt.datetime(2024, 11, 3, 6, 30),
        "created_at_text": "2024-11-03 01:30:00 -0500",
        "lineitem_quantity": 2,
        "lineitem_name": "Patch XL",
        "lineitem_price": decimal.Decimal("3.00"),
    }


def test_layout_without_id_keys_orders_by_name(read, fixtures_dir):
    result = read(orders, fixtures_dir / "shopify_orders" / "orders_export_3_noid.csv")
    assert [(r.source_row, r.reason) for r in result.rejects] == [
        (1, "line item of order #0999 without the order's first row (no Id, no Created at)"),
        (2, "line item of order #0999 without the order's first row (no Id, no Created at)"),
        (4, "Name is missing"),
    ]
    (order,) = result.rows("orders")
    assert (order["order_id"], order["name"], order["_source_row"]) == ("#2001", "#2001", 3)
    assert order["created_at"] == dt.datetime(2024, 6, 1, 16, 0)


def test_zone_less_times_read_in_the_store_zone(read, fixtures_dir, tmp_path):
    text = (fixtures_dir / "shopify_orders" / "orders_export_1.csv").read_text(encoding="utf-8")
    path = tmp_path / "orders_export_excel.csv"
    path.write_text(text.replace("2024-03-09 10:00:00 -0600", "2024-03-09 10:00"), encoding="utf-8")
    result = read(orders, path, CxpConfig(store_timezone="America/Chicago"))
    ana = result.rows("orders")[0]
    assert ana["created_at"] == dt.datetime(2024, 3, 9, 16, 0) and ana["created_at_text"] == "2024-03-09 10:00"


def test_unknown_layout_is_unreadable(read, fixtures_dir):
    with pytest.raises(UnreadableFile, match="unknown layout: .*Name and Created at.*Order, Amount"):
        read(orders, fixtures_dir / "shopify_orders" / "orders_export_unknown.csv")


def test_large_export_reads_in_bounded_chunks(tmp_path, samples_dir):
    """60,000 line-item rows (20,000 orders) stream through in chunks, each order's lines kept together across chunk boundaries."""
    rows = list(csv.reader((samples_dir / "orders_export_1.csv").open(newline="", encoding="utf-8")))
    header, first, continuation = rows[0], rows[1], rows[2]
    name, order_id = header.index("Name"), header.index("Id")
    path = tmp_path / "orders_export_big.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for n in range(20_000):
            head = list(first)
            head[name], head[order_id] = f"#{10_000 + n}", str(5_700_000_000_000 + n)
            writer.writerow(head)
            for _ in range(2):
                line = list(continuation)
                line[name] = head[name]
                writer.writerow(line)
    loaded = rejected = chunks = 0
    lines: dict[str, list[int]] = {}
    for chunk in orders.read(path, CxpConfig(chunk_size=7_000)):
        chunks += 1
        table = chunk.tables.get("orders")
        assert len(chunk) <= 7_000
        if table is not None:
            loaded += table.num_rows
            for order_id, line in zip(table["order_id"].to_pylist(), table["line_number"].to_pylist()):
                lines.setdefault(order_id, []).append(line)
        rejected += len(chunk.rejects)
    assert (loaded, rejected) == (60_000, 0)
    assert chunks == 9
    assert len(lines) == 20_000 and all(numbers == [1, 2, 3] for numbers in lines.values())
