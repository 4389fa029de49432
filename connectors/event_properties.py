"""Business facts apps put into analytics event properties: the order an event is about, and its revenue.

Apps name these properties freely (``order_id``, ``orderNumber``, ``Order Number``,
``$revenue``, ``price`` and ``quantity``), so keys are compared normalised: case, ``$``
and separators don't matter. Shared by the Amplitude and Mixpanel connectors; a few
dictionary lookups per event, because exports run to millions of events.
"""
from __future__ import annotations

import math
import re

# Normalised key -> (role, rank). Lower rank wins among keys of one role: the number a
# customer sees (#2041) beats an internal order id.
_ROLES: dict[str, tuple[str, int]] = {
    **{key: ("order", rank) for rank, key in enumerate((
        "ordernumber", "orderno", "ordernum", "ordernr", "ordername", "orderref", "orderreference", "orderid", "order",
    ))},
    **{key: ("revenue", rank) for rank, key in enumerate(("revenue", "totalrevenue", "ordertotal", "ordervalue"))},
    "price": ("price", 0),
    "quantity": ("quantity", 0),
    "qty": ("quantity", 1),
}
_NESTED_ORDER_KEYS = ("number", "ordernumber", "name", "ordername", "id", "orderid")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_ROLE_CACHE: dict[str, tuple[str, int] | None] = {}  # property names repeat across events: look each up once
_ROLE_CACHE_LIMIT = 100_000
_UNSEEN = object()

_HASH_NUMBER = re.compile(r"#\s*(\d+)")
_ORDER_WORD_NUMBER = re.compile(r"\border\b\W*(?:number|num|no|nr|id)?\W*(\d+)", re.IGNORECASE)
_PREFIXED_NUMBER = re.compile(r"[A-Za-z]{0,6}[-_/ ]?(\d+)(?:\.0+)?")
_TRAILING_ID = re.compile(r"^gid://\w+/\w+/(\d+)$")  # Shopify GraphQL ids: gid://shopify/Order/5123456789


def normalise_key(key: str) -> str:
    """``$Order_Number`` -> ``ordernumber``."""
    return _NOT_ALNUM.sub("", key.lower())


def _role(key) -> tuple[str, int] | None:
    if key in _ROLE_CACHE:
        return _ROLE_CACHE[key]
    if len(_ROLE_CACHE) >= _ROLE_CACHE_LIMIT:
        _ROLE_CACHE.clear()
    role = _ROLES.get(normalise_key(key)) if isinstance(key, str) else None
    _ROLE_CACHE[key] = role
    return role


def order_number(value) -> str | None:
    """The order number in one property value: ``2041``, ``"2041"``, ``"#2041"``, ``"order 2041"``,
    ``"Order No. 2041"``, ``"NT-2041"`` -> ``"2041"``; values with no readable number -> None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, float):
        return str(int(value)) if math.isfinite(value) and value.is_integer() and 0 <= value < 2**53 else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value.isdigit():
        return value
    for pattern in (_HASH_NUMBER, _ORDER_WORD_NUMBER):
        found = pattern.search(value)
        if found:
            return found.group(1)
    found = _PREFIXED_NUMBER.fullmatch(value) or _TRAILING_ID.match(value)
    return found.group(1) if found else None


def _number(value) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().lstrip("$€£").replace(",", ""))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def order_and_revenue(properties) -> tuple[str | None, float | None]:
    """(order number, revenue) from one event's property bag.

    Revenue is ``revenue``/``$revenue`` (or an order total) when present, else ``price`` x
    ``quantity`` with quantity 1 when absent, as Amplitude's revenue properties define it.
    """
    if not isinstance(properties, dict):
        return None, None
    order = order_rank = revenue = revenue_rank = price = quantity = None
    cache = _ROLE_CACHE
    for key, value in properties.items():
        role = cache.get(key, _UNSEEN)
        if role is _UNSEEN:
            role = _role(key)
        if role is None or value is None:
            continue
        kind, rank = role
        if kind == "order":
            if order_rank is None or rank < order_rank:
                found = _nested_order_number(value) if isinstance(value, dict) else order_number(value)
                if found is not None:
                    order, order_rank = found, rank
        elif kind == "revenue":
            if revenue_rank is None or rank < revenue_rank:
                number = _number(value)
                if number is not None:
                    revenue, revenue_rank = number, rank
        elif kind == "price":
            price = _number(value)
        elif quantity is None:
            quantity = _number(value)
    if revenue is None and price is not None:
        revenue = price * (quantity if quantity is not None else 1.0)
    return order, revenue


def _nested_order_number(order: dict) -> str | None:
    """``"order": {"id": 5123456789, "number": 2041}``: the customer-facing number first."""
    keyed = {normalise_key(k): v for k, v in order.items() if isinstance(k, str)}
    for key in _NESTED_ORDER_KEYS:
        found = order_number(keyed.get(key))
        if found is not None:
            return found
    return None
