import datetime as dt
import decimal

from pydantic import BaseModel, Field

from models.schema import JsonText


class ShopifyOrderLine(BaseModel):
    """One row of a Shopify orders export (``orders_export_N.csv``): one line item.

    Order-level columns are filled only on an order's first row and are NULL on its
    continuation rows, exactly as exported; ``order_id``, ``order_first_row`` and
    ``line_number`` tie every line to its order so staging can group them.
    """

    # how the row belongs to its order (derived while reading)
    order_id: str = Field(description="the order's Id (its Name when the layout has no Id column), on every line")
    order_first_row: int = Field(description="_source_row of the order's first row in this file")
    line_number: int = Field(description="1 for the order's first row (the one carrying order-level columns), then 2, 3, ...")
    # order-level columns (first row only)
    name: str | None = Field(None, description="order name such as #2041; on every row")
    id: str | None = Field(None, description="order Id (first row only)")
    email: str | None = Field(None, description="as exported")
    phone: str | None = Field(None, description="as exported (may be Excel-mangled)")
    financial_status: str | None = None
    fulfillment_status: str | None = None
    accepts_marketing: bool | None = None
    currency: str | None = None
    subtotal: decimal.Decimal | None = None
    shipping: decimal.Decimal | None = None
    taxes: decimal.Decimal | None = None
    total: decimal.Decimal | None = None
    discount_code: str | None = None
    discount_amount: decimal.Decimal | None = None
    shipping_method: str | None = None
    refunded_amount: decimal.Decimal | None = None
    outstanding_balance: decimal.Decimal | None = None
    duties: decimal.Decimal | None = None
    billing_name: str | None = None
    billing_street: str | None = None
    billing_address1: str | None = None
    billing_address2: str | None = None
    billing_company: str | None = None
    billing_city: str | None = None
    billing_zip: str | None = Field(None, description="without Excel's leading '")
    billing_province: str | None = None
    billing_province_name: str | None = None
    billing_country: str | None = None
    billing_phone: str | None = Field(None, description="as exported")
    shipping_name: str | None = None
    shipping_street: str | None = None
    shipping_address1: str | None = None
    shipping_address2: str | None = None
    shipping_company: str | None = None
    shipping_city: str | None = None
    shipping_zip: str | None = Field(None, description="without Excel's leading '")
    shipping_province: str | None = None
    shipping_province_name: str | None = None
    shipping_country: str | None = None
    shipping_phone: str | None = Field(None, description="as exported")
    notes: str | None = Field(None, description="free text; may span lines")
    note_attributes: str | None = None
    payment_method: str | None = None
    payment_reference: str | None = None
    payment_id: str | None = None
    payment_references: str | None = None
    payment_terms_name: str | None = None
    next_payment_due_at: str | None = Field(None, description="as exported")
    employee: str | None = None
    location: str | None = Field(None, description="POS location")
    device_id: str | None = None
    receipt_number: str | None = None
    tags: str | None = None
    risk_level: str | None = None
    source: str | None = Field(None, description="sales channel: web, pos, iphone, android, ...")
    created_at: dt.datetime | None = Field(None, description="UTC; present on every order's first row")
    created_at_text: str | None = Field(None, description="as exported, store-local with offset: 2024-11-02 14:05:29 -0500")
    paid_at: dt.datetime | None = Field(None, description="UTC")
    paid_at_text: str | None = None
    fulfilled_at: dt.datetime | None = Field(None, description="UTC")
    fulfilled_at_text: str | None = None
    cancelled_at: dt.datetime | None = Field(None, description="UTC (header Cancelled at or Canceled at)")
    cancelled_at_text: str | None = None
    # line-item columns (every row)
    lineitem_quantity: int | None = None
    lineitem_name: str | None = None
    lineitem_price: decimal.Decimal | None = None
    lineitem_compare_at_price: decimal.Decimal | None = None
    lineitem_sku: str | None = None
    lineitem_requires_shipping: bool | None = None
    lineitem_taxable: bool | None = None
    lineitem_fulfillment_status: str | None = None
    lineitem_discount: decimal.Decimal | None = None
    vendor: str | None = None
    extra_json: JsonText | None = Field(None, description="non-blank values of other columns (Tax 1 Name, Tax 1 Value, ...), by header name")
