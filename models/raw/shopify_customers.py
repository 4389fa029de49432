import decimal

from pydantic import BaseModel, Field

from models.schema import JsonText


class ShopifyCustomer(BaseModel):
    """One row of a Shopify customers export (``customers_export.csv``), current or older layout.

    Columns are named after the current 20-column header; the older layout's ``Company``,
    ``Address1``, ``City``, ... fill the same ``default_address_*`` columns.
    """

    customer_id: str | None = Field(None, description="Customer ID without Excel's leading '; NULL in the older layout, which has no such column")
    row_hash: str | None = Field(None, description="hash of the row's person fields, the fallback key when there is neither Customer ID nor email")
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = Field(None, description="as exported")
    accepts_email_marketing: bool | None = Field(None, description="Accepts Email Marketing (older layout: Accepts Marketing)")
    default_address_company: str | None = None
    default_address_address1: str | None = None
    default_address_address2: str | None = None
    default_address_city: str | None = None
    default_address_province: str | None = Field(None, description="province name (older layout only)")
    default_address_province_code: str | None = None
    default_address_country: str | None = Field(None, description="country name (older layout only)")
    default_address_country_code: str | None = None
    default_address_zip: str | None = Field(None, description="without Excel's leading '")
    default_address_phone: str | None = Field(None, description="as exported (may be Excel-mangled, e.g. 5.12555E+09)")
    phone: str | None = Field(None, description="as exported (may be Excel-mangled)")
    accepts_sms_marketing: bool | None = None
    total_spent: decimal.Decimal | None = None
    total_orders: int | None = None
    note: str | None = Field(None, description="free text; may span lines")
    tax_exempt: bool | None = None
    tags: str | None = Field(None, description="comma-separated list in one cell")
    extra_json: JsonText | None = Field(None, description="non-blank values of columns this layout does not know, by header name")
