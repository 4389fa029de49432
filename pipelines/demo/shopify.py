"""Shopify admin exports: ``customers_export.csv`` (and a later re-export overlapping it)
and ``orders_export_N.csv`` (one row per line item, 79 columns; June's orders in an older
export with the 70-column layout).

CSV as Shopify and Excel write it: minimal quoting, CRLF row ends, multi-line notes inside
quotes. The first customers export went through Excel: ids and zips carry the ``'`` guard
and a few phones became ``5.12555E+09``.
"""
from __future__ import annotations

import random
from pathlib import Path

from pipelines.demo import clock
from pipelines.demo import identities as ids
from pipelines.demo import reference as ref
from pipelines.demo.clock import END
from pipelines.demo.context import Context, Defects, Truth, csv_line

CUSTOMER_HEADER = ("Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing", "Default Address Company",
                   "Default Address Address1", "Default Address Address2", "Default Address City",
                   "Default Address Province Code", "Default Address Country Code", "Default Address Zip",
                   "Default Address Phone", "Phone", "Accepts SMS Marketing", "Total Spent", "Total Orders", "Note",
                   "Tax Exempt", "Tags")
ORDER_HEADER = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing", "Currency",
    "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method", "Created at",
    "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
    "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip", "Billing Province",
    "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2",
    "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone", "Notes",
    "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level", "Source", "Lineitem discount",
    "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value",
    "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name", "Shipping Province Name",
    "Payment ID", "Payment Terms Name", "Next Payment Due At", "Payment References")
# The older 70-column layout: no duties, province names, payment ids/terms, receipt number or compare-at
# price, and two columns spelled differently.
_DROPPED_IN_OLD_LAYOUT = {"Duties", "Billing Province Name", "Shipping Province Name", "Payment ID", "Payment Terms Name",
                          "Next Payment Due At", "Payment References", "Receipt Number", "Lineitem compare at price"}
_RENAMED_IN_OLD_LAYOUT = {"Cancelled at": "Canceled at", "Lineitem sku": "Lineitem SKU"}
OLD_ORDER_HEADER = tuple(_RENAMED_IN_OLD_LAYOUT.get(h, h) for h in ORDER_HEADER if h not in _DROPPED_IN_OLD_LAYOUT)
_OLD_COLUMNS = [i for i, h in enumerate(ORDER_HEADER) if h not in _DROPPED_IN_OLD_LAYOUT]
_COL = {name: i for i, name in enumerate(ORDER_HEADER)}
_LINE_COLUMNS = ("Name", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
                 "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Vendor",
                 "Lineitem discount")

FIRST_EXPORT_AT = clock.START + 121 * clock.DAY  # 2024-09-30: the first customers export, later opened in Excel
OLD_LAYOUT_UNTIL = clock.START + 30 * clock.DAY  # June's orders were exported with the older layout
ORDERS_PER_FILE = 10_000
CUSTOMER_BUCKET = 1 << 26  # spool buckets of about 16,000 customer ids: one bucket is sorted in memory at a time
CUSTOMERS = "shopify_customers"
ORDERS = "shopify_orders"


def _money(cents: int) -> str:
    return f"{cents / 100:.2f}"


# --- customers --------------------------------------------------------------------------------

def add_account(ctx: Context, rng: random.Random, p, account_index: int, orders: list) -> None:
    """One Shopify customer (a person may have two: the till made a duplicate with the same email)."""
    customer_id = p.customer_ids[account_index]
    created = orders[0].created if orders else rng.randint(clock.START, END - clock.DAY)
    email = p.email_at(created)
    if account_index == 0:
        first = p.nick if p.nick and rng.random() < 0.08 else p.first
        if p.owns_mailbox:
            email = p.mailbox
        elif ids.is_gmail(email) and rng.random() < 0.3:
            email = ids.gmail_variant(rng, email)  # p.raman+shop@gmail.com here, praman@gmail.com elsewhere
        has_address = bool(orders) or p.landline is not None or rng.random() < 0.6
        typed_phone = p.landline or p.mobile
        given = p.landline is not None or rng.random() < 0.55  # a household gives its landline everywhere
        address_phone = ids.typed_phone(typed_phone, p.phone_style) if typed_phone and has_address and given else ""
        phone = p.mobile if p.mobile and rng.random() < 0.45 else ""
        tags = []
        if len(p.orders) >= 5:
            tags.append("vip")
        marketing = rng.random() < 0.45
        if marketing and rng.random() < 0.4:
            tags.append("newsletter")
        company = p.company if p.company and rng.random() < 0.7 else ""
        if company:
            tags.append("wholesale")
        note = ""
        if rng.random() < 0.03:
            note = rng.choice(("Asked about\nB2B invoicing", "VIP - handle with care", "Prefers phone contact",
                               "Returned 2 items in July.\nOffered 10% off next order", "Do not send catalogue"))
        row = [customer_id, first, p.last_name_at(created), email, "yes" if marketing else "no", company,
               p.address1 if has_address else "", p.address2 if has_address else "", p.city if has_address else "",
               p.province if has_address else "", p.country if has_address else "", p.zip if has_address else "",
               address_phone, phone, "yes" if phone and rng.random() < 0.3 else "no", "", "", note,
               "yes" if company and rng.random() < 0.3 else "no", ", ".join(tags)]
    else:
        email = email.upper() if rng.random() < 0.3 else email  # same mailbox, typed in capitals at the till
        row = [customer_id, p.first, p.last_name_at(created), email, "no", "", "", "", "", "", "", "",
               "", p.mobile or "", "no", "", "", "", "no", "pos"]
    first_export = None
    if created < FIRST_EXPORT_AT:
        first_export = list(row)
        _totals(first_export, [o for o in orders if o.created < FIRST_EXPORT_AT])
    _totals(row, orders)
    ctx.spool("customers", CUSTOMER_BUCKET).add(int(customer_id), (p.pid, row, first_export))


def _totals(row: list, orders: list) -> None:
    spent = sum(o.total - o.refunded for o in orders if o.financial_status != "voided")
    row[15], row[16] = _money(spent), str(len(orders))


def write_customers(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / CUSTOMERS
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(ctx.seed * 7 + 1)
    spool = ctx.spool("customers", CUSTOMER_BUCKET)
    first_name, second_name = "customers_export.csv", "customers_export_2.csv"
    counts = {first_name: 0, second_name: 0}
    mangle_every = max(2, min(200, spool.count // 3))  # a few Excel-mangled phones, at least one
    broken_at = {rng.randrange(max(1, spool.count)) for _ in range(max(1, spool.count // 800))}
    with open(folder / first_name, "w", encoding="utf-8", newline="") as first, \
            open(folder / second_name, "w", encoding="utf-8", newline="") as second:
        first.write(csv_line(CUSTOMER_HEADER))
        second.write(csv_line(CUSTOMER_HEADER))
        phones_seen = 0
        for position, (_, (pid, row, first_row)) in enumerate(spool):
            truth.add("shopify", "customers", row[0], pid)
            second.write(csv_line(row))
            counts[second_name] += 1
            if position in broken_at:
                # An unquoted comma in the note: the row has one field too many.
                broken = list(row)
                broken[17:18] = ["Called about sizing", " wants a callback"]
                second.write(csv_line(broken))
                defects.add(CUSTOMERS, "customers", second_name, "wrong field count", f"copy of customer {row[0]}")
            if first_row is None:
                continue
            guarded = list(first_row)
            guarded[0] = "'" + guarded[0]
            if guarded[11] and guarded[10] in ("US", "DE"):
                guarded[11] = "'" + guarded[11]
            if guarded[12] or guarded[13]:
                phones_seen += 1
                if phones_seen % mangle_every == 1:
                    column = 13 if guarded[13] else 12
                    guarded[column] = ids.excel_mangled(guarded[13] if column == 13 else _e164_of(guarded[12]))
            first.write(csv_line(guarded))
            counts[first_name] += 1
    return counts


def _e164_of(typed: str) -> str:
    digits = "".join(c for c in typed if c.isdigit())
    return "+" + digits if typed.startswith("+") else "+1" + digits[-10:]


# --- orders -----------------------------------------------------------------------------------

def add_order(ctx: Context, rng: random.Random, p, order) -> None:
    created = order.created
    email = p.email_at(created)
    if order.account and order.account != p.customer_ids[0]:
        email = email.upper() if rng.random() < 0.3 else email
    elif p.mailbox and (p.owns_mailbox or order.number == p.orders[0][0] or rng.random() < 0.5):
        email = p.mailbox  # ordered for the business: the shared mailbox, whoever typed it
    elif rng.random() < 0.03:
        email = ids.email_typo(rng, email)
    elif ids.is_gmail(email) and rng.random() < 0.08:
        email = ids.gmail_variant(rng, email)
    if order.source == "pos" and rng.random() < 0.35:
        email = ""
    last = p.last_name_at(created)
    first = p.nick if p.nick and rng.random() < 0.08 else p.first
    if rng.random() < 0.02:
        first = ids.name_typo(rng, first)
    billing_name = f"{first} {last}"
    if rng.random() < 0.1:
        billing_name = ids.ascii_name(billing_name)
    phone_number = p.landline if p.landline and rng.random() < 0.4 else p.mobile
    billing_phone = ids.typed_phone(phone_number, rng.randrange(8)) if phone_number and rng.random() < 0.65 else ""
    if billing_phone and rng.random() < 0.004:
        billing_phone = ids.excel_mangled(phone_number)
    pos = order.source == "pos"
    ships = bool(order.shipping_method)
    address = ["", "", "", "", "", "", "", "", ""] if pos and rng.random() < 0.6 else [
        billing_name, p.address1, p.address1, p.address2, p.company if p.company and rng.random() < 0.5 else "",
        p.city, p.zip, p.province, p.country]
    shipping = list(address) + [billing_phone] if ships else [""] * 10
    if ships and rng.random() < 0.07:  # a gift sent to someone else
        gift_first, gift_last = rng.choice(ref.NAMES["anglo"][0]), rng.choice(ref.NAMES["anglo"][2])
        city = rng.choice(ref.US_CITIES)
        street = f"{rng.randint(2, 9899)} {rng.choice(ref.US_STREETS)}"
        shipping = [f"{gift_first} {gift_last}", street, street, "", "", city[0], f"{city[3]}{rng.randint(*city[4]):02d}",
                    city[1], "US", ""]
    paid = order.paid_at
    reference = f"c{rng.randrange(10**8, 10**9)}.1"
    discount_left = order.discount
    rows = []
    for n, (index, quantity) in enumerate(order.lines):
        name, sku, price, compare, requires = ref.PRODUCTS[index]
        line_discount = discount_left if n == len(order.lines) - 1 else min(discount_left, order.discount * int(float(price) * 100) * quantity // max(1, order.subtotal))
        discount_left -= line_discount
        line_status = "fulfilled" if order.fulfilled_at and (order.fulfillment_status == "fulfilled" or n == 0) else "pending"
        row = [""] * len(ORDER_HEADER)
        row[_COL["Name"]] = order.name
        row[_COL["Lineitem quantity"]] = str(quantity)
        row[_COL["Lineitem name"]] = name
        row[_COL["Lineitem price"]] = price
        row[_COL["Lineitem compare at price"]] = compare
        row[_COL["Lineitem sku"]] = sku
        row[_COL["Lineitem requires shipping"]] = "true" if requires else "false"
        row[_COL["Lineitem taxable"]] = "true" if requires else "false"
        row[_COL["Lineitem fulfillment status"]] = line_status
        row[_COL["Vendor"]] = ref.COMPANY
        row[_COL["Lineitem discount"]] = _money(line_discount)
        if n == 0:
            values = {
                "Email": email, "Financial Status": order.financial_status, "Paid at": clock.shop_time(paid) if paid else "",
                "Fulfillment Status": order.fulfillment_status,
                "Fulfilled at": clock.shop_time(order.fulfilled_at) if order.fulfilled_at else "",
                "Accepts Marketing": "yes" if rng.random() < 0.45 else "no", "Currency": "USD",
                "Subtotal": _money(order.subtotal - order.discount), "Shipping": _money(order.shipping),
                "Taxes": _money(sum(c for _, c in order.taxes)), "Total": _money(order.total),
                "Discount Code": order.discount_code, "Discount Amount": _money(order.discount),
                "Shipping Method": order.shipping_method, "Created at": clock.shop_time(created),
                "Billing Phone": billing_phone,
                "Notes": rng.choice(("Leave at side door", "Gift - please don't include the invoice\nThanks!",
                                     "Ring twice", "Please ship together")) if rng.random() < 0.04 else "",
                "Note Attributes": "gift_wrap: yes" if rng.random() < 0.03 else "",
                "Cancelled at": clock.shop_time(order.cancelled_at) if order.cancelled_at else "",
                "Payment Method": order.payment_method, "Payment Reference": reference,
                "Refunded Amount": _money(order.refunded),
                "Outstanding Balance": _money(order.total) if order.financial_status == "pending" else "0.00",
                "Employee": rng.choice(ref.POS_STAFF) if pos else "", "Location": ref.POS_LOCATION if pos else "",
                "Device ID": str(1234567 + rng.randrange(4)) if pos else "", "Id": order.order_id,
                "Tags": "wholesale" if p.company and email == p.mailbox else "",
                "Risk Level": rng.choices(("Low", "Medium", "High"), (93, 5, 2))[0], "Source": order.source,
                "Phone": p.mobile if p.mobile and rng.random() < 0.4 else "",
                "Receipt Number": f"1001-{order.number % 10000:04d}" if pos else "", "Duties": "",
                "Billing Province Name": p.province_name if address[0] else "",
                "Shipping Province Name": (p.province_name if shipping[7] == p.province else "") if ships else "",
                "Payment ID": reference, "Payment Terms Name": "", "Next Payment Due At": "", "Payment References": reference,
            }
            for k, (tax_name, cents) in enumerate(order.taxes[:5], start=1):
                values[f"Tax {k} Name"], values[f"Tax {k} Value"] = tax_name, _money(cents)
            for column, value in values.items():
                row[_COL[column]] = value
            for k, column in enumerate(("Billing Name", "Billing Street", "Billing Address1", "Billing Address2",
                                        "Billing Company", "Billing City", "Billing Zip", "Billing Province", "Billing Country")):
                row[_COL[column]] = address[k]
            for k, column in enumerate(("Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2",
                                        "Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province",
                                        "Shipping Country", "Shipping Phone")):
                row[_COL[column]] = shipping[k]
        rows.append(row)
    first = rows[0]
    # A walk-in sale without email, phone or name names nobody: the truth leaves it anonymous.
    anonymous = not any(first[_COL[c]] for c in ("Email", "Phone", "Billing Phone", "Billing Name", "Shipping Name"))
    ctx.spool("orders", 50_000).add(order.number, ("" if anonymous else p.pid, order.order_id, created, rows))


def write_orders(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    """June in the old 70-column layout, then ``orders_export_1.csv``... with ORDERS_PER_FILE orders each."""
    folder = out / ORDERS
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(ctx.seed * 7 + 2)
    spool = ctx.spool("orders", 50_000)
    broken_at = {rng.randrange(max(1, spool.count)) for _ in range(max(2, spool.count // 700))}
    counts: dict[str, int] = {}
    old_name = "orders_export_2024-06.csv"
    old = open(folder / old_name, "w", encoding="utf-8", newline="")
    old.write(csv_line(OLD_ORDER_HEADER))
    counts[old_name] = 0
    current, current_name, in_file, file_number = None, "", 0, 0
    for position, (_, (pid, order_id, created, rows)) in enumerate(spool):
        truth.add("shopify", "orders", order_id, pid)
        if created < OLD_LAYOUT_UNTIL:
            old.write("".join(csv_line([row[i] for i in _OLD_COLUMNS]) for row in rows))
            counts[old_name] += 1
            continue
        if current is None or in_file >= ORDERS_PER_FILE:  # an order never straddles two files
            if current is not None:
                current.close()
            file_number += 1
            current_name = f"orders_export_{file_number}.csv"
            current = open(folder / current_name, "w", encoding="utf-8", newline="")
            current.write(csv_line(ORDER_HEADER))
            counts[current_name], in_file = 0, 0
        current.write("".join(csv_line(row) for row in rows))
        counts[current_name] += 1
        in_file += 1
        if position in broken_at:
            first = list(rows[0])
            if position % 2:
                first[_COL["Notes"]:_COL["Notes"] + 1] = ["Deliver to back door", " not the front"]  # an unquoted comma
                defect = "wrong field count"
            else:
                first[_COL["Created at"]] = ""
                defect = "missing Created at"
            current.write(csv_line(first))
            defects.add(ORDERS, "orders", current_name, defect, f"copy of order {order_id}")
    old.close()
    if current is not None:
        current.close()
    return counts
