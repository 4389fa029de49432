"""Shopify customers export (``customers_export*.csv``): one CSV row per customer.

Two header layouts are in circulation: the current one with ``Customer ID`` and
``Default Address ...`` columns, and an older one without ``Customer ID`` whose address
columns are unprefixed. Columns are found by name. In the current layout a row without a
Customer ID is rejected (it is the record's id); in the older layout identity comes from
email and phone, and staging keys the row by email or ``row_hash``. Every value is read
as text: Excel's ``'`` guard is stripped from ids and zips, and Excel-mangled phones
(``5.12555E+09``) are kept as text for staging to discard.

Read column by column (``csv_columns``): cells are converted as Arrow arrays and only odd
values, and rows that may be rejected, go through the per-value functions; ``read_by_rows``
builds one dict per row and is the reference the tests hold ``read`` to.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.csv_columns import STRING, CellColumns, amounts, extras, flags, integers, unguard, width_rejects
from connectors.decoding import CsvBatch, CsvLayout, iter_csv, iter_csv_batches, map_header, open_text
from connectors.values import content_hash, parse_bool, parse_decimal, parse_int
from models.config import CxpConfig
from models.raw.shopify_customers import ShopifyCustomer

ENTITY = "customers"

# raw field -> header names, current layout first, then older ones.
COLUMNS: dict[str, tuple[str, ...]] = {
    "customer_id": ("Customer ID",),
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "email": ("Email", "Email Address"),
    "accepts_email_marketing": ("Accepts Email Marketing", "Accepts Marketing"),
    "default_address_company": ("Default Address Company", "Company"),
    "default_address_address1": ("Default Address Address1", "Address1"),
    "default_address_address2": ("Default Address Address2", "Address2"),
    "default_address_city": ("Default Address City", "City"),
    "default_address_province": ("Default Address Province", "Province"),
    "default_address_province_code": ("Default Address Province Code", "Province Code"),
    "default_address_country": ("Default Address Country", "Country"),
    "default_address_country_code": ("Default Address Country Code", "Country Code"),
    "default_address_zip": ("Default Address Zip", "Zip"),
    "default_address_phone": ("Default Address Phone",),
    "phone": ("Phone",),
    "accepts_sms_marketing": ("Accepts SMS Marketing",),
    "total_spent": ("Total Spent",),
    "total_orders": ("Total Orders",),
    "note": ("Note",),
    "tax_exempt": ("Tax Exempt",),
    "tags": ("Tags",),
}
BOOL_FIELDS = ("accepts_email_marketing", "accepts_sms_marketing", "tax_exempt")
# Fields that identify the person in a row without Customer ID (older layout).
PERSON_FIELDS = ("first_name", "last_name", "phone", "default_address_phone", "default_address_company",
                 "default_address_address1", "default_address_city", "default_address_zip", "default_address_country_code")


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    with open_text(path) as stream:
        headers, batches = iter_csv_batches(stream, delimiter=None, batch_rows=config.chunk_size)
        layout = _layout(headers[0])
        for batch in batches:
            yield _chunk(layout, batch)


def read_by_rows(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    """The same records as ``read``, built one dict per row: the reference the column-wise
    reader is tested against, and the definition of every edge case it must match."""
    with open_text(path) as stream:
        headers, rows = iter_csv(stream, delimiter=None)
        yield from chunked(_records(_layout(headers[0]), rows), config.chunk_size)


def _layout(header: list[str]) -> CsvLayout:
    layout = map_header(header, COLUMNS)
    if not (layout.has("customer_id") or all(layout.has(f) for f in ("first_name", "last_name", "email"))):
        raise UnreadableFile(
            "unknown layout: a Shopify customers export has Customer ID, or First Name, Last Name and Email; "
            f"this header has {', '.join(layout.header[:12]) or 'no columns'}"
        )
    return layout


def _chunk(layout: CsvLayout, batch: CsvBatch) -> Chunk:
    """One batch of rows converted column by column (odd values through the per-value functions of ``_records``)."""
    chunk = Chunk()
    cells, good = CellColumns.from_batch(batch, len(layout.header))
    width_rejects(batch, layout, good, ENTITY, chunk)
    columns = {field: cells.text(index) for field, index in layout.positions.items()}
    rows = None  # indexes into cells of the rows kept, when some are not
    if layout.has("customer_id"):
        customer_ids = unguard(columns["customer_id"])
        missing = customer_ids.is_null()
        if pc.any(missing).as_py():
            for index in pc.indices_nonzero(missing).to_pylist():
                chunk.reject(ENTITY, batch.numbers[good[index]], "Customer ID is missing", batch.texts[good[index]])
            chunk.rejects.sort(key=_row_number)  # in file order, as read
            keep = pc.invert(missing)
            rows = pc.indices_nonzero(keep)
            good = [position for position, kept in zip(good, keep.to_pylist()) if kept]
            columns = {field: texts.filter(keep) for field, texts in columns.items()}
            customer_ids = customer_ids.filter(keep)
    if not good:
        return chunk
    table: dict[str, pa.Array] = {}
    for field, texts in columns.items():
        if field in BOOL_FIELDS:
            table[field] = flags(texts, ("yes", "true", "1", "y", "t"), ("no", "false", "0", "n", "f"), _flag)
        elif field == "total_spent":
            table[field] = amounts(texts, lambda value: _lenient(parse_decimal, value))
        elif field == "total_orders":
            table[field] = integers(texts, lambda value: _lenient(parse_int, value))
        elif field == "default_address_zip":
            table[field] = unguard(texts)
        else:
            table[field] = texts
    if layout.has("customer_id"):
        table["customer_id"] = customer_ids
    else:  # older layout: staging keys these rows by email, else by a hash of the person's details (zip as written)
        person = [columns[f].to_pylist() if f in columns else [None] * len(good) for f in PERSON_FIELDS]
        table["row_hash"] = pa.array([content_hash(*values)[5:] for values in zip(*person)], STRING)
    if layout.unknown:
        table["extra_json"] = extras(layout, cells, rows)
    table["_source_row"] = pa.array([batch.numbers[position] for position in good], pa.int64())
    chunk.tables[ENTITY] = pa.table(table)
    return chunk


def _row_number(reject: Reject) -> int:
    return reject.source_row


def _flag(value: str) -> bool | None:
    return _lenient(parse_bool, value)


def _lenient(parse, value):
    """Flags and totals are descriptive: an unreadable one becomes NULL rather than costing the customer."""
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def _records(layout: CsvLayout, rows) -> Iterator[tuple[str, dict] | Reject]:
    has_id_column = layout.has("customer_id")
    keep_extras = bool(layout.unknown)
    for row in rows:
        error = row.error or layout.width_error(row.fields)
        if error:
            yield Reject(ENTITY, row.row, error, row.text)
            continue
        record = layout.values(row.fields)  # sparse: a blank cell is absent and loads as NULL
        customer_id = record["customer_id"] = _unguard(record.get("customer_id"))
        if has_id_column and customer_id is None:
            yield Reject(ENTITY, row.row, "Customer ID is missing", row.text)
            continue
        if customer_id is None:
            record["row_hash"] = content_hash(*(record.get(f) for f in PERSON_FIELDS))[5:]
        record["_source_row"] = row.row
        record["default_address_zip"] = _unguard(record.get("default_address_zip"))
        for field in BOOL_FIELDS:
            record[field] = _lenient(parse_bool, record.get(field))
        record["total_spent"] = _lenient(parse_decimal, record.get("total_spent"))
        record["total_orders"] = _lenient(parse_int, record.get("total_orders"))
        if keep_extras:
            record["extra_json"] = layout.extras(row.fields)
        yield ENTITY, record


def _unguard(value: str | None) -> str | None:
    """Excel's leading ' (kept to preserve leading zeros) is not part of the value."""
    if value is not None and value.startswith("'"):
        value = value[1:].strip() or None
    return value


CONNECTOR = Connector(
    name="shopify_customers",
    source="shopify",
    patterns=("customers_export*.csv", "customers_export*.csv.gz"),
    entities={ENTITY: ShopifyCustomer},
    read=read,
    description="Shopify admin customers export (CSV, current and older header layouts)",
)
