"""Shopify customers export (``customers_export*.csv``): one CSV row per customer.

Two header layouts are in circulation: the current one with ``Customer ID`` and
``Default Address ...`` columns, and an older one without ``Customer ID`` whose address
columns are unprefixed. Columns are found by name. In the current layout a row without a
Customer ID is rejected (it is the record's id); in the older layout identity comes from
email and phone, and staging keys the row by email or ``row_hash``. Every value is read
as text: Excel's ``'`` guard is stripped from ids and zips, and Excel-mangled phones
(``5.12555E+09``) are kept as text for staging to discard.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.decoding import CsvLayout, iter_csv, map_header, open_text
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
        headers, rows = iter_csv(stream, delimiter=None)
        layout = map_header(headers[0], COLUMNS)
        if not (layout.has("customer_id") or all(layout.has(f) for f in ("first_name", "last_name", "email"))):
            raise UnreadableFile(
                "unknown layout: a Shopify customers export has Customer ID, or First Name, Last Name and Email; "
                f"this header has {', '.join(layout.header[:12]) or 'no columns'}"
            )
        yield from chunked(_records(layout, rows), config.chunk_size)


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
