"""Shopify orders export (``orders_export_N.csv``): one CSV row per line item.

An order's first row carries the order-level columns (Id, Created at, totals, addresses);
its later rows repeat ``Name`` and carry the line-item columns (some exports also repeat
Email, statuses and Created at there, never the Id or the totals). Raw keeps one row per CSV
row as exported and adds ``order_id``, ``order_first_row`` and ``line_number`` so staging
can put the lines back together. Columns are found by name: the 79-column header and the
older 70-column one (``Canceled at``, ``Lineitem SKU``, ...) both read.

Rejected: a row whose field count differs from the header's; an order's first row
without its ``Id`` (when the layout has one) or without a readable ``Created at``; and the
continuation rows of such an order, which cannot be trusted without it. Continuation rows
of a good order are never rejected for lacking order-level columns. Times are store-local
with a numeric offset that changes with daylight saving inside one file; they are stored
as UTC plus the original text.

Read column by column (``csv_columns``): cells are converted as Arrow arrays and only odd
values, and rows that may be rejected, go through the per-value functions; ``read_by_rows``
builds one dict per row and is the reference the tests hold ``read`` to.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.csv_columns import STRING, CellColumns, amounts, extras, flags, integers, shopify_times, unguard, width_rejects
from connectors.decoding import CsvBatch, CsvLayout, iter_csv, iter_csv_batches, map_header, open_text
from connectors.values import parse_decimal, parse_int, parse_timestamp
from models.config import CxpConfig
from models.raw.shopify_orders import ShopifyOrderLine

ENTITY = "orders"

# raw field -> header names, the current export's first, then older or other spellings.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Order Name"),
    "id": ("Id", "Order ID"),
    "email": ("Email", "Customer Email"),
    "phone": ("Phone", "Customer Phone"),
    "financial_status": ("Financial Status",),
    "fulfillment_status": ("Fulfillment Status",),
    "accepts_marketing": ("Accepts Marketing", "Accepts Email Marketing"),
    "currency": ("Currency",),
    "subtotal": ("Subtotal", "Subtotal Price"),
    "shipping": ("Shipping", "Shipping Price"),
    "taxes": ("Taxes", "Total Tax", "Tax"),
    "total": ("Total", "Total Price"),
    "discount_code": ("Discount Code", "Discount Codes"),
    "discount_amount": ("Discount Amount", "Total Discounts"),
    "shipping_method": ("Shipping Method",),
    "refunded_amount": ("Refunded Amount", "Amount Refunded"),
    "outstanding_balance": ("Outstanding Balance",),
    "duties": ("Duties",),
    "billing_name": ("Billing Name",),
    "billing_street": ("Billing Street",),
    "billing_address1": ("Billing Address1",),
    "billing_address2": ("Billing Address2",),
    "billing_company": ("Billing Company",),
    "billing_city": ("Billing City",),
    "billing_zip": ("Billing Zip", "Billing Postal Code"),
    "billing_province": ("Billing Province", "Billing Province Code"),
    "billing_province_name": ("Billing Province Name",),
    "billing_country": ("Billing Country", "Billing Country Code"),
    "billing_phone": ("Billing Phone",),
    "shipping_name": ("Shipping Name",),
    "shipping_street": ("Shipping Street",),
    "shipping_address1": ("Shipping Address1",),
    "shipping_address2": ("Shipping Address2",),
    "shipping_company": ("Shipping Company",),
    "shipping_city": ("Shipping City",),
    "shipping_zip": ("Shipping Zip", "Shipping Postal Code"),
    "shipping_province": ("Shipping Province", "Shipping Province Code"),
    "shipping_province_name": ("Shipping Province Name",),
    "shipping_country": ("Shipping Country", "Shipping Country Code"),
    "shipping_phone": ("Shipping Phone",),
    "notes": ("Notes", "Note"),
    "note_attributes": ("Note Attributes",),
    "payment_method": ("Payment Method", "Payment Gateway"),
    "payment_reference": ("Payment Reference",),
    "payment_id": ("Payment ID",),
    "payment_references": ("Payment References",),
    "payment_terms_name": ("Payment Terms Name",),
    "next_payment_due_at": ("Next Payment Due At",),
    "employee": ("Employee",),
    "location": ("Location", "Location Name"),
    "device_id": ("Device ID",),
    "receipt_number": ("Receipt Number",),
    "tags": ("Tags",),
    "risk_level": ("Risk Level",),
    "source": ("Source", "Source Name"),
    "created_at": ("Created at",),
    "paid_at": ("Paid at",),
    "fulfilled_at": ("Fulfilled at",),
    "cancelled_at": ("Cancelled at", "Canceled at"),
    "lineitem_quantity": ("Lineitem quantity", "Lineitem qty"),
    "lineitem_name": ("Lineitem name", "Lineitem title"),
    "lineitem_price": ("Lineitem price",),
    "lineitem_compare_at_price": ("Lineitem compare at price",),
    "lineitem_sku": ("Lineitem sku",),
    "lineitem_requires_shipping": ("Lineitem requires shipping",),
    "lineitem_taxable": ("Lineitem taxable",),
    "lineitem_fulfillment_status": ("Lineitem fulfillment status",),
    "lineitem_discount": ("Lineitem discount",),
    "vendor": ("Vendor", "Lineitem vendor"),
}
TIME_FIELDS = ("created_at", "paid_at", "fulfilled_at", "cancelled_at")
DECIMAL_FIELDS = ("subtotal", "shipping", "taxes", "total", "discount_amount", "refunded_amount", "outstanding_balance",
                  "duties", "lineitem_price", "lineitem_compare_at_price", "lineitem_discount")
BOOL_FIELDS = ("accepts_marketing", "lineitem_requires_shipping", "lineitem_taxable")
GUARDED_FIELDS = ("id", "billing_zip", "shipping_zip")  # Excel's ' guard is stripped
# A row with none of these is only a line item.
ORDER_LEVEL_FIELDS = frozenset(("id", "created_at", "financial_status", "currency", "subtotal", "total"))


class _Order:
    """The order whose lines are being read: later rows with its Name and without an Id belong to it.

    ``line_reject`` is set when the order cannot be trusted: the reason each of its lines is rejected with.
    """

    __slots__ = ("name", "order_id", "first_row", "lines", "line_reject")

    def __init__(self, name, order_id, first_row, line_reject=None):
        self.name, self.order_id, self.first_row, self.lines, self.line_reject = name, order_id, first_row, 1, line_reject


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    with open_text(path) as stream:
        headers, batches = iter_csv_batches(stream, delimiter=None, batch_rows=config.chunk_size)
        layout = map_header(headers[0], COLUMNS)
        if not (layout.has("name") and layout.has("created_at")):
            raise UnreadableFile(
                "unknown layout: a Shopify orders export has Name and Created at columns; "
                f"this header has {', '.join(layout.header[:12]) or 'no columns'}"
            )
        grouping = _Grouping(layout, config.store_timezone)
        for batch in batches:
            yield grouping.chunk(batch)


class _Grouping:
    """Reads batches of rows column by column, carrying the order being read from one batch to the next.

    Every cell is converted with the vectorised functions of ``csv_columns``, whose odd values
    go through this module's per-value functions below; the walk that ties lines to their
    order and decides rejects looks at a few columns per row only.
    """

    def __init__(self, layout: CsvLayout, zone: str):
        self.layout, self.zone = layout, zone
        self.has_id = layout.has("id")
        # Which columns only an order's first row fills: some exports repeat Email, statuses,
        # Currency and even Created at on every line, but never the Id or the totals.
        self.first_row_marks = [f for f in (("id",) if self.has_id else ("subtotal", "total")) if layout.has(f)]
        self.order_level = [f for f in ORDER_LEVEL_FIELDS if layout.has(f)]
        self.walk_fields = {"name", "created_at", *self.first_row_marks, *self.order_level}
        self.order: _Order | None = None

    def chunk(self, batch: CsvBatch) -> Chunk:
        layout, zone = self.layout, self.zone
        chunk = Chunk()
        cells, good = CellColumns.from_batch(batch, len(layout.header))
        width_rejects(batch, layout, good, ENTITY, chunk)
        numbers, texts = batch.numbers, batch.texts
        # The columns that tie lines to orders, for every row; the rest only for the rows kept.
        columns = {field: cells.text(layout.positions[field]) for field in self.walk_fields}
        names = columns["name"].to_pylist()
        marks = _any_present(columns, self.first_row_marks, len(good))
        order_level = _any_present(columns, self.order_level, len(good))
        ids = unguard(columns["id"]).to_pylist() if self.has_id else names
        created_texts = columns["created_at"]
        created = shopify_times(created_texts, lambda value: _shopify_time(value, zone))
        created_present = created_texts.is_valid().to_pylist()
        created_ok = created.is_valid().to_pylist()

        kept: list[int] = []
        order_ids: list[str] = []
        first_rows: list[int] = []
        line_numbers: list[int] = []
        order = self.order
        for index, position in enumerate(good):
            number = numbers[position]
            name = names[index]
            if order is not None and name == order.name and not marks[index]:
                if order.line_reject:
                    chunk.reject(ENTITY, number, order.line_reject, texts[position])
                else:
                    order.lines += 1
                    kept.append(index)
                    order_ids.append(order.order_id)
                    first_rows.append(order.first_row)
                    line_numbers.append(order.lines)
                continue

            if not order_level[index]:  # only Name and line-item columns, yet no order to belong to
                reason = f"line item of order {name or '(no Name)'} without the order's first row (no Id, no Created at)"
                chunk.reject(ENTITY, number, reason, texts[position])
                order = _Order(name, None, None, line_reject=reason)
                continue

            order_id = ids[index]
            problem = None
            if order_id is None:
                problem = "Id is missing" if self.has_id else "Name is missing"
            elif not created_present[index]:
                problem = "Created at is missing"
            elif not created_ok[index]:
                try:
                    parse_timestamp(created_texts[index].as_py(), zone)
                except ValueError as exc:
                    problem = f"Created at {exc}"
            order = _Order(name, order_id, number, line_reject=problem and f"line item of order {name}, whose first row was rejected ({problem})")
            if problem:
                chunk.reject(ENTITY, number, problem, texts[position])
                continue
            kept.append(index)
            order_ids.append(order_id)
            first_rows.append(number)
            line_numbers.append(1)
        self.order = order
        chunk.rejects.sort(key=_row_number)  # in file order, as read

        if kept:
            sources = [numbers[good[index]] for index in kept]
            chunk.tables[ENTITY] = self._table(cells, columns, created, kept, sources, order_ids, first_rows, line_numbers)
        return chunk

    def _table(self, cells, columns, created, kept, sources, order_ids, first_rows, line_numbers) -> pa.Table:
        zone = self.zone
        take = pa.array(kept, pa.int64())
        table: dict[str, pa.Array] = {}
        for field, index in self.layout.positions.items():
            texts = columns[field].take(take) if field in columns else cells.text(index, take)
            if field in GUARDED_FIELDS:
                table[field] = unguard(texts)
            elif field in DECIMAL_FIELDS:
                table[field] = amounts(texts, _amount)
            elif field in BOOL_FIELDS:
                table[field] = flags(texts, ("true", "yes", "1"), ("false", "no", "0"), _flag)
            elif field == "lineitem_quantity":
                table[field] = integers(texts, lambda value: _lenient(parse_int, value))
            elif field == "created_at":
                table[field] = created.take(take)
                table[field + "_text"] = texts
            elif field in TIME_FIELDS:
                table[field] = shopify_times(texts, lambda value: _shopify_time(value, zone))
                table[field + "_text"] = texts
            else:
                table[field] = texts
        table["order_id"] = pa.array(order_ids, STRING)
        table["order_first_row"] = pa.array(first_rows, pa.int64())
        table["line_number"] = pa.array(line_numbers, pa.int64())
        if self.layout.unknown:  # kept on an order's first row only
            starts = pc.equal(table["line_number"], 1)
            first_extras = extras(self.layout, cells, take.filter(starts))
            table["extra_json"] = pc.replace_with_mask(pa.nulls(len(kept), STRING), starts, first_extras)
        table["_source_row"] = pa.array(sources, pa.int64())
        return pa.table(table)


def _row_number(reject: Reject) -> int:
    return reject.source_row


def _any_present(columns: dict[str, pa.Array], fields: list[str], rows: int) -> list[bool]:
    """Per row: does any of ``fields`` hold a non-blank value?"""
    present = None
    for field in fields:
        valid = columns[field].is_valid()
        present = valid if present is None else pc.or_(present, valid)
    return present.to_pylist() if present is not None else [False] * rows


def _flag(value: str) -> bool | None:
    return _FLAGS.get(value.lower())


def read_by_rows(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    """The same records as ``read``, built one dict per row: the reference the column-wise
    reader is tested against, and the definition of every edge case it must match."""
    with open_text(path) as stream:
        headers, rows = iter_csv(stream, delimiter=None)
        layout = map_header(headers[0], COLUMNS)
        if not (layout.has("name") and layout.has("created_at")):
            raise UnreadableFile("unknown layout")
        yield from chunked(_records(layout, rows, config.store_timezone), config.chunk_size)


def _records(layout: CsvLayout, rows, zone: str) -> Iterator[tuple[str, dict] | Reject]:
    has_id = layout.has("id")
    # Which columns only an order's first row fills: some exports repeat Email, statuses,
    # Currency and even Created at on every line, but never the Id or the totals.
    first_row_marks = ("id",) if has_id else ("subtotal", "total")
    keep_extras = bool(layout.unknown)
    order: _Order | None = None
    for row in rows:
        error = row.error or layout.width_error(row.fields)
        if error:
            yield Reject(ENTITY, row.row, error, row.text)
            continue
        values = layout.values(row.fields)
        name = values.get("name")
        continues = order is not None and name == order.name and not any(f in values for f in first_row_marks)

        if continues:
            if order.line_reject:
                yield Reject(ENTITY, row.row, order.line_reject, row.text)
            else:
                order.lines += 1
                yield ENTITY, _record(values, row.row, order, zone)
            continue

        if ORDER_LEVEL_FIELDS.isdisjoint(values):  # only Name and line-item columns, yet no order to belong to
            reason = f"line item of order {name or '(no Name)'} without the order's first row (no Id, no Created at)"
            yield Reject(ENTITY, row.row, reason, row.text)
            order = _Order(name, None, None, line_reject=reason)
            continue

        order_id = _unguard(values.get("id")) if has_id else name
        created_text = values.get("created_at")
        problem = created = None
        if order_id is None:
            problem = "Id is missing" if has_id else "Name is missing"
        elif created_text is None:
            problem = "Created at is missing"
        else:
            created = _shopify_time(created_text, zone)
            if created is None:
                try:
                    parse_timestamp(created_text, zone)
                except ValueError as exc:
                    problem = f"Created at {exc}"
        order = _Order(name, order_id, row.row, line_reject=problem and f"line item of order {name}, whose first row was rejected ({problem})")
        if problem:
            yield Reject(ENTITY, row.row, problem, row.text)
            continue
        values["created_at"] = created  # parsed above; _record leaves datetimes alone
        record = _record(values, row.row, order, zone)
        record["created_at_text"] = created_text
        if keep_extras:
            record["extra_json"] = layout.extras(row.fields)
        yield ENTITY, record


def _record(values: dict, source_row: int, order: _Order, zone: str) -> dict:
    """The raw record, built in place from the row's sparse values (a blank cell is absent and loads as NULL)."""
    record = values
    record["_source_row"] = source_row
    record["order_id"] = order.order_id
    record["order_first_row"] = order.first_row
    record["line_number"] = order.lines
    for field in GUARDED_FIELDS:
        if field in record:
            record[field] = _unguard(record[field])
    for field in DECIMAL_FIELDS:
        if field in record:
            record[field] = _amount(record[field])
    for field in BOOL_FIELDS:
        if field in record:
            record[field] = _FLAGS.get(record[field].lower())
    if "lineitem_quantity" in record:
        record["lineitem_quantity"] = _lenient(parse_int, record["lineitem_quantity"])
    for field in TIME_FIELDS:  # on a continuation line a repeated time is kept, never a reason to reject
        original = record.get(field)
        if type(original) is str:
            record[field + "_text"] = original
            record[field] = _shopify_time(original, zone)
    return record


_OFFSETS: dict[str, dt.timedelta] = {}


def _shopify_time(value: str, zone: str) -> dt.datetime | None:
    """``2024-11-02 14:05:29 -0500`` as naive UTC, fast (every order has up to four); other forms via parse_timestamp."""
    if len(value) == 25 and value[19] == " " and value[20] in "+-":
        offset = _OFFSETS.get(value[20:])
        if offset is None and value[21:].isdigit():
            offset = _OFFSETS[value[20:]] = (-1 if value[20] == "-" else 1) * dt.timedelta(hours=int(value[21:23]), minutes=int(value[23:]))
        if offset is not None:
            try:
                return dt.datetime.fromisoformat(value[:19]) - offset
            except ValueError:
                pass
    return _lenient(parse_timestamp, value, zone)


_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}  # anything else: NULL
_AMOUNTS: dict[str, object] = {}  # the same few prices and "0.00" recur on most rows: parse each text once


def _amount(value: str):
    amount = _AMOUNTS.get(value, _AMOUNTS)
    if amount is _AMOUNTS:
        if len(_AMOUNTS) > 100_000:
            _AMOUNTS.clear()
        amount = _AMOUNTS[value] = _lenient(parse_decimal, value)
    return amount


def _lenient(parse, value, *args):
    """Amounts, flags and secondary times are descriptive: an unreadable one becomes NULL (times keep their text)."""
    try:
        return parse(value, *args)
    except ValueError:
        return None


def _unguard(value: str | None) -> str | None:
    """Excel's leading ' (kept to preserve leading zeros) is not part of the value."""
    if value is not None and value.startswith("'"):
        value = value[1:].strip() or None
    return value


CONNECTOR = Connector(
    name="shopify_orders",
    source="shopify",
    patterns=("orders_export*.csv", "orders_export*.csv.gz"),
    entities={ENTITY: ShopifyOrderLine},
    read=read,
    description="Shopify admin orders export (CSV, one row per line item; 79- and 70-column layouts)",
)
