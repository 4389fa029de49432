"""Business facts apps put into analytics event properties: the order an event is about, and its revenue.

Apps name these properties freely (``order_id``, ``orderNumber``, ``Order Number``,
``$revenue``, ``price`` and ``quantity``), so keys are compared by letters and digits
(values.property_key) and values read with values.order_number. Shared by the Amplitude
and Mixpanel connectors: one pass over each event's properties, because exports run to
millions of events.
"""
from __future__ import annotations

import math

from connectors.values import order_number, property_key

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
_ROLE_CACHE: dict = {}  # property names repeat across events: look each up once
_ROLE_CACHE_LIMIT = 100_000
_UNSEEN = object()


def _role(key) -> tuple[str, int] | None:
    if len(_ROLE_CACHE) >= _ROLE_CACHE_LIMIT:
        _ROLE_CACHE.clear()
    role = _ROLE_CACHE[key] = _ROLES.get(property_key(key)) if isinstance(key, str) else None
    return role


def keys_with_roles(keys) -> list[str]:
    """The property names among ``keys`` that order_and_revenue reads (an order, revenue, price or
    quantity): a bag without any of them has neither order nor revenue."""
    found = []
    for key in keys:
        role = _ROLE_CACHE.get(key, _UNSEEN)
        if role is _UNSEEN:
            role = _role(key)
        if role is not None:
            found.append(key)
    return found


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
                found = _nested_order_number(value) if isinstance(value, dict) else _order_number(value)
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


def _order_number(value) -> str | None:
    """values.order_number for scalars. Lists, booleans, floats that lost digits and text
    without a digit (``"order": "asc"`` is a sort order) are no order number."""
    if isinstance(value, (bool, list)) or (isinstance(value, float) and not (math.isfinite(value) and abs(value) < 2**53)):
        return None
    found = order_number(value)
    return found if found is not None and any(ch.isdigit() for ch in found) else None


def _nested_order_number(order: dict) -> str | None:
    """``"order": {"id": 5123456789, "number": 2041}``: the customer-facing number first."""
    keyed = {property_key(k): v for k, v in order.items() if isinstance(k, str)}
    for key in _NESTED_ORDER_KEYS:
        found = _order_number(keyed.get(key))
        if found is not None:
            return found
    return None
