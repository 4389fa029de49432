"""What each person does over the six months, in time order: orders, app sessions,
support issues and the contacts they cause, surveys, posts and reviews.

The experience model: people with more orders are happier; an issue handled badly (slow
replies, reopened tickets, repeat contacts across channels) lowers later NPS, CSAT and
CES and comes late in a customer's order history, so fewer purchases follow it; failed
app checkouts bring support contacts and one-star reviews. Rendering into each vendor's
format is left to the export modules this one calls.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from pipelines.demo import app_analytics, clock, shopify, social, support, surveys
from pipelines.demo import reference as ref
from pipelines.demo.clock import DAY, END, HOUR, START
from pipelines.demo.context import Context
from pipelines.demo.population import Person

PRODUCT_CENTS = [(p, int(round(float(p[2]) * 100))) for p in ref.PRODUCTS]
GIFT_CARD_INDEXES = [i for i, p in enumerate(ref.PRODUCTS) if p[0].startswith("Gift Card")]
GOODS_INDEXES = [i for i, p in enumerate(ref.PRODUCTS) if not p[0].startswith("Gift Card")]


@dataclass(slots=True)
class Order:
    number: int
    order_id: str
    created: int
    source: str  # web, iphone, android, pos, shopify_draft_order
    account: str | None
    lines: list  # [(product index, quantity)]
    subtotal: int  # cents, before discount
    discount_code: str
    discount: int
    shipping_method: str
    shipping: int
    taxes: list  # [(name, cents)]
    total: int
    payment_method: str
    financial_status: str = "paid"
    fulfillment_status: str = "fulfilled"
    paid_at: int | None = None
    fulfilled_at: int | None = None
    cancelled_at: int | None = None
    refunded: int = 0
    refunded_at: int | None = None

    @property
    def name(self) -> str:
        return f"#{self.number}"


@dataclass(slots=True)
class Issue:
    kind: str
    order: Order | None
    start: int
    bad: bool
    contacts: list = field(default_factory=list)  # [(time, channel)]
    resolved_at: int | None = None


def live(ctx: Context, rng: random.Random, person: Person) -> None:
    """Generate and spool every record of one person."""
    orders = _orders(rng, person)
    issues = _issues(rng, person, orders)
    for account_index, customer_id in enumerate(person.customer_ids):
        shopify.add_account(ctx, rng, person, account_index, [o for o in orders if o.account == customer_id])
    for order in orders:
        shopify.add_order(ctx, rng, person, order)
    if person.app:
        _app_use(ctx, rng, person, orders, issues)
    for issue in issues:
        support.handle_issue(ctx, rng, person, issue)
    _surveys(ctx, rng, person, orders, issues)
    _social(ctx, rng, person, orders, issues)


# --- orders -----------------------------------------------------------------------------------

def _orders(rng: random.Random, p: Person) -> list[Order]:
    orders = []
    texan = p.province == "TX"
    for k, (number, created) in enumerate(p.orders):
        account = p.customer_ids[0] if p.customer_ids else None
        r = rng.random()
        if len(p.customer_ids) > 1 and k > 0 and rng.random() < 0.4:
            account, source = p.customer_ids[1], "pos"  # the till made a second account with the same email
        elif p.app and r < 0.45:
            source = "iphone" if _primary_platform(p) == "iOS" else "android"
        elif r < (0.62 if texan else 0.47) and p.country == "US" and (texan or rng.random() < 0.05):
            source = "pos"
        elif r < 0.5:
            source = "shopify_draft_order"
        else:
            source = "web"
        lines = []
        for _ in range(rng.choices((1, 2, 3, 4), (55, 28, 12, 5))[0]):
            index = rng.choice(GIFT_CARD_INDEXES) if rng.random() < 0.04 else rng.choice(GOODS_INDEXES)
            if all(index != i for i, _ in lines):
                lines.append((index, 2 if rng.random() < 0.12 else 1))
        subtotal = sum(PRODUCT_CENTS[i][1] * q for i, q in lines)
        code, discount = "", 0
        if rng.random() < 0.18:
            code, rate = rng.choice(ref.DISCOUNT_CODES)
            if code == "BFCM25" and clock.date_text(created) < "2024-11-25":
                code, rate = "SUMMER20", 0.20
            discount = int(round(subtotal * rate))
        if source == "pos" or all(not ref.PRODUCTS[i][4] for i, _ in lines):
            method, shipping = "", 0
        elif p.country != "US":
            method, shipping = "International", 1995
        elif code == "FREESHIP" or subtotal - discount >= 7500:
            method, shipping = "Free Shipping", 0
        elif rng.random() < 0.15:
            method, shipping = "Express", 1495
        else:
            method, shipping = "Standard", 600
        taxes = []
        if p.country == "US" and (p.province in ref.US_TAX or source == "pos"):  # Oregon and Alaska have no sales tax
            name, rate = ref.US_TAX["TX" if source == "pos" else p.province]
            base = subtotal - discount
            taxes.append((name, int(round(base * rate))))
            if p.city == "Austin" or source == "pos":
                taxes.append(("Austin City Tax 1.25%", int(round(base * 0.0125))))
        total = subtotal - discount + shipping + sum(c for _, c in taxes)
        order = Order(number=number, order_id=str(5_600_000_000_000 + number * 1_009 + rng.randrange(1_000)),
                      created=created, source=source, account=account, lines=lines, subtotal=subtotal,
                      discount_code=code, discount=discount, shipping_method=method, shipping=shipping, taxes=taxes,
                      total=total, payment_method="Shopify Payments" if source == "pos" else rng.choice(ref.PAYMENT_METHODS))
        _settle(rng, order)
        orders.append(order)
    return orders


def _settle(rng: random.Random, o: Order) -> None:
    """Payment, fulfilment, cancellation and refunds, as far as they happened before the export."""
    o.paid_at = o.created + rng.randint(1, 4)
    r = rng.random()
    if r < 0.025:
        o.financial_status, o.fulfillment_status = "voided", "unfulfilled"
        o.cancelled_at = min(END - 60, o.created + rng.randint(600, 20 * HOUR))
        return
    if r < 0.04 and o.source != "pos":
        o.financial_status, o.paid_at = "pending", None
    if o.source == "pos":
        o.fulfilled_at = o.created + rng.randint(1, 30)
    else:
        fulfilled = o.created + rng.randint(8 * HOUR, 4 * DAY)
        if fulfilled < END:
            o.fulfilled_at = fulfilled
    if o.fulfilled_at is None:
        o.fulfillment_status = "unfulfilled"
    elif len(o.lines) > 2 and rng.random() < 0.05:
        o.fulfillment_status = "partial"
    if o.fulfilled_at is not None and o.financial_status == "paid":
        r = rng.random()
        refund_at = o.fulfilled_at + rng.randint(5, 20) * DAY
        if r < 0.08 and refund_at < END:
            o.refunded_at = refund_at
            if r < 0.04:
                o.financial_status, o.refunded = "refunded", o.total
            else:
                index, quantity = rng.choice(o.lines)
                o.financial_status, o.refunded = "partially_refunded", PRODUCT_CENTS[index][1] * quantity


def _primary_platform(p: Person) -> str:
    return p.devices[0].platform if p.devices else "iOS"


# --- support issues ---------------------------------------------------------------------------

_DELAYS = {  # kind -> (min, max) seconds after the order
    "where_is_my_order": (5 * DAY, 12 * DAY), "damaged_item": (3 * DAY, 8 * DAY), "wrong_size": (3 * DAY, 10 * DAY),
    "refund_status": (6 * DAY, 14 * DAY), "cancel_order": (600, 6 * HOUR), "address_change": (HOUR, 24 * HOUR),
    "discount_code": (300, 2 * HOUR), "checkout_failed": (120, 30 * 60),
}


def _issues(rng: random.Random, p: Person, orders: list[Order]) -> list[Issue]:
    chance = p.support_prone if orders else p.support_prone * 0.45
    if rng.random() >= chance:
        return []
    count = 1 + (rng.random() < 0.22) + (rng.random() < 0.06)
    issues = []
    for _ in range(count):
        kinds = [(kind, spec[0] if orders else spec[1]) for kind, spec in ref.ISSUES.items()]
        kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        bad = rng.random() < 0.17 + (0.13 if len(orders) <= 1 else 0.0) - (0.08 if len(orders) >= 5 else 0.0)
        order = None
        if ref.ISSUES[kind][2] or (orders and kind in ("checkout_failed", "discount_code") and rng.random() < 0.6):
            eligible = _eligible(kind, orders)
            if not eligible:
                kind, eligible = "where_is_my_order", [o for o in orders if o.financial_status != "voided"]
            if not eligible:
                continue
            # A badly handled issue tends to be about a late order: little is bought after it.
            order = eligible[-1 - rng.randrange(min(2, len(eligible)))] if bad else rng.choice(eligible)
        if order is not None:
            low, high = _DELAYS.get(kind, (HOUR, 5 * DAY))
            if kind == "refund_status" and order.refunded_at:
                start = order.refunded_at + rng.randint(2 * DAY, 9 * DAY)
            elif kind in ("checkout_failed", "discount_code"):
                start = order.created - rng.randint(low, high) if kind == "checkout_failed" else order.created + rng.randint(low, high)
            else:
                start = order.created + rng.randint(low, high)
        else:
            start = rng.randint(START + DAY, END - DAY)
        if not START < start < END - HOUR:
            continue
        issues.append(Issue(kind, order, start, bad))
    issues.sort(key=lambda i: i.start)
    for issue in issues:
        _plan_contacts(rng, p, issue)
    return issues


def _eligible(kind: str, orders: list[Order]) -> list[Order]:
    if kind == "refund_status":
        return [o for o in orders if o.refunded]
    if kind == "cancel_order":
        return [o for o in orders if o.financial_status == "voided"]
    if kind in ("damaged_item", "wrong_size"):
        return [o for o in orders if o.fulfilled_at and o.financial_status != "voided"]
    return [o for o in orders if o.financial_status != "voided"]


def _channels(p: Person) -> list[tuple[str, float]]:
    nanp = p.country in ("US", "CA")
    channels = [("email", 30), ("web", 16), ("phone" if nanp else "voice", 34 if nanp else 10), ("chat", 12),
                ("native_messaging", 7 if p.app else 1), ("api", 3)]
    if p.twitter:
        channels.append(("twitter", 9))
    if p.facebook:
        channels.append(("facebook", 9))
    if p.app and nanp:
        channels.append(("connect_chat", 6))
    return channels


def _plan_contacts(rng: random.Random, p: Person, issue: Issue) -> None:
    channels = _channels(p)
    names, weights = [c for c, _ in channels], [w for _, w in channels]
    first = rng.choices(names, weights)[0]
    contacts = [(issue.start, first)]
    repeats = (1 + (rng.random() < 0.5) + (rng.random() < 0.2)) if issue.bad else int(rng.random() < 0.12)
    when, channel = issue.start, first
    for _ in range(repeats):
        when += rng.randint(2 * HOUR, 5 * DAY) if issue.bad else rng.randint(DAY, 6 * DAY)
        if when >= END - HOUR:
            break
        if rng.random() < 0.55:  # escalate on another channel, often the phone
            others = [(c, w * (3 if c in ("phone", "voice") else 1)) for c, w in channels if c != channel]
            channel = rng.choices([c for c, _ in others], [w for _, w in others])[0]
        contacts.append((when, channel))
    issue.contacts = contacts
    last = contacts[-1][0]
    settle = rng.randint(3 * DAY, 10 * DAY) if issue.bad else rng.randint(HOUR, 2 * DAY)
    issue.resolved_at = last + settle if last + settle < END else None


# --- app usage --------------------------------------------------------------------------------

def _app_use(ctx: Context, rng: random.Random, p: Person, orders: list[Order], issues: list[Issue]) -> None:
    customer_id = p.customer_ids[0] if p.customer_ids else None
    own = [d for d in p.devices if not d.shared] or p.devices
    shared = [d for d in p.devices if d.shared]
    by_platform = {d.platform: d for d in own}
    # People use the app for a while around their purchases, then drift away.
    if orders:
        active_from = max(START + 60, orders[0].created - rng.randint(0, 30 * DAY))
        active_to = min(END - 300, orders[-1].created + rng.randint(7 * DAY, 60 * DAY))
    else:
        active_from = rng.randint(START, END - 20 * DAY)
        active_to = min(END - 300, active_from + rng.randint(14 * DAY, 120 * DAY))
    plans = []  # (start seconds, device, kind, order)
    for order in orders:
        if order.source in ("iphone", "android"):
            device = by_platform.get("iOS" if order.source == "iphone" else "Android", own[0])
            plans.append((order.created, device, "purchase", order))
    for issue in issues:
        if issue.kind == "checkout_failed":
            plans.append((issue.start - rng.randint(60, 600), own[0], "failed", issue.order))
        elif issue.kind == "where_is_my_order" and rng.random() < 0.6:
            plans.append((issue.start - rng.randint(600, DAY), own[0], "status", issue.order))
    budget = max(3, int(rng.lognormvariate(2.2, 0.6))) - 6 * len(plans)  # about 15 events per app user in all
    if shared:  # the family tablet is used by everyone in the family
        plans.append((rng.randint(active_from, active_to), shared[0], "browse", None))
        budget -= 4
    while budget > 0:
        device = shared[0] if shared and rng.random() < 0.5 else rng.choice(own)
        plans.append((rng.randint(active_from, active_to), device, "browse", None))
        budget -= 4
    plans.sort(key=lambda s: s[0])
    signed_in: dict[str, bool] = {}
    for start, device, kind, order in plans:
        if not START < start < END - 120:
            continue
        key = device.amplitude_id
        # A new install starts anonymous; a shared tablet is usually left logged in as someone else.
        anonymous = customer_id is None or not signed_in.get(key) or (device.shared and rng.random() < 0.5)
        events = _session_events(rng, kind, order, anonymous and customer_id is not None)
        span = events[-1][0]
        base = start * 1000 - span if kind == "purchase" else start * 1000
        current = None if anonymous else customer_id
        stamped = []
        for offset, name, props in events:
            if name == "sign_in":
                current = customer_id
                signed_in[key] = True
            stamped.append((base + offset, name, props, current))
        app_analytics.add_session(ctx, rng, p, device, stamped)
    if p.devices and any(d.platform == "Android" for d in p.devices) and rng.random() < 0.14:
        bad = any(i.kind == "checkout_failed" or i.bad for i in issues)
        stars = rng.choices((1, 2, 3, 4, 5), (45, 25, 12, 10, 8) if bad else (4, 5, 11, 30, 50))[0]
        when = rng.randint(active_from, max(active_from, active_to - HOUR))
        social.play_review(ctx, rng, p, next(d for d in p.devices if d.platform == "Android"), when, stars)


def _session_events(rng: random.Random, kind: str, order: Order | None, needs_sign_in: bool) -> list[tuple[int, str, dict]]:
    """(milliseconds from session start, event, properties) of one app session."""
    events: list[tuple[str, dict]] = [("app_open", {"source": rng.choice(("icon", "icon", "push", "deeplink"))})]
    if needs_sign_in and (kind in ("purchase", "failed", "status") or rng.random() < 0.55):
        events.append(("product_list_viewed", {"list": rng.choice(("new", "sale", "bestsellers"))}))
        events.append(("sign_in", {"method": rng.choice(("email", "email", "apple", "google"))}))
    if kind == "status":
        events.append(("order_status_viewed", {"order_number": order.name, "status": "in_transit"}))
    elif kind in ("purchase", "failed"):
        lines = order.lines if order is not None else [(rng.choice(GOODS_INDEXES), 1)]
        for index, _ in lines[:3]:
            product = ref.PRODUCTS[index]
            events.append(("product_viewed", {"product_id": product[1] or "GIFTCARD", "product_name": product[0],
                                              "item_price": float(product[2])}))
        cart = round(sum(PRODUCT_CENTS[i][1] * q for i, q in lines) / 100, 2)
        events.append(("add_to_cart", {"sku": ref.PRODUCTS[lines[0][0]][1], "quantity": lines[0][1], "cart_value": cart}))
        events.append(("checkout_started", {"cart_value": cart, "item_count": len(lines)}))
        if kind == "failed" or rng.random() < 0.08:
            error = rng.choice(("card_declined", "card_declined", "payment_timeout", "address_invalid", "3ds_failed"))
            events.append(("checkout_failed", {"screen": "checkout", "error_code": error, "cart_value": cart}))
            if kind == "failed" and rng.random() < 0.4:
                events.append(("checkout_started", {"cart_value": cart, "item_count": len(lines)}))
                events.append(("checkout_failed", {"screen": "checkout", "error_code": error, "cart_value": cart}))
        if kind == "purchase":
            events.append(("checkout_completed", {"order_number": order.number, "order_id": order.order_id,
                                                  "revenue": round(order.total / 100, 2), "currency": "USD",
                                                  "item_count": len(lines)}))
    else:
        for _ in range(rng.randint(1, 5)):
            r = rng.random()
            if r < 0.5:
                product = ref.PRODUCTS[rng.choice(GOODS_INDEXES)]
                events.append(("product_viewed", {"product_id": product[1], "product_name": product[0], "item_price": float(product[2])}))
            elif r < 0.7:
                events.append(("search", {"query": rng.choice(("merino", "socks", "rain jacket", "beanie", "puffer", "pack", "gift"))}))
            elif r < 0.85:
                events.append(("product_list_viewed", {"list": rng.choice(("new", "sale", "bestsellers", "women", "men"))}))
            elif r < 0.95:
                product = ref.PRODUCTS[rng.choice(GOODS_INDEXES)]
                events.append(("wishlist_added", {"product_id": product[1]}))
            else:
                product = ref.PRODUCTS[rng.choice(GOODS_INDEXES)]
                events.append(("add_to_cart", {"sku": product[1], "quantity": 1, "cart_value": float(product[2])}))
    offset, timed = 0, []
    random_ = rng.random
    for name, props in events:
        timed.append((offset, name, props))
        offset += 4_000 + int(random_() * 91_000)  # 4-95 s between taps
    return timed


# --- experience and surveys -------------------------------------------------------------------

def nps_score(rng: random.Random, p: Person, moment: int, orders: list[Order], issues: list[Issue]) -> int:
    """0-10: loyal customers recommend more; a badly handled issue, repeat contacts or a refund before
    the survey pull the score down."""
    bought = sum(1 for o in orders if o.created < moment)
    score = (7.2, 8.0, 8.6, 9.0, 9.3)[min(bought, 4)] + 0.8 * p.mood
    for issue in issues:
        if issue.start < moment:
            score += -2.8 if issue.bad else 0.3
            score -= 0.7 * max(0, len(issue.contacts) - 1)
    if any(o.refunded and o.refunded_at and o.refunded_at < moment for o in orders):
        score -= 0.6
    return max(0, min(10, int(round(score + rng.gauss(0, 1.2)))))


def _rating(rng: random.Random, bad: bool, mood: float, high: int) -> int:
    """A 1..high rating: bad experiences low, good ones high, shifted by the person's temperament."""
    centre = (0.25 if bad else 0.85) * (high - 1) + 1 + 0.5 * mood
    return max(1, min(high, int(round(centre + rng.gauss(0, 0.8)))))


def _surveys(ctx: Context, rng: random.Random, p: Person, orders: list[Order], issues: list[Issue]) -> None:
    if p.customer_ids and orders and rng.random() < 0.2:  # Delighted NPS after a purchase
        order = rng.choice(orders)
        when = order.created + rng.randint(7 * DAY, 20 * DAY)
        if when < END:
            surveys.delighted(ctx, rng, p, "nps", when, nps_score(rng, p, when, orders, issues), order, issues)
    delivered = [o for o in orders if o.fulfilled_at and o.fulfilled_at + 3 * DAY < END]
    if delivered and rng.random() < 0.08:  # Delighted CSAT on delivery
        order = rng.choice(delivered)
        unhappy = any(i.order is order and i.bad for i in issues) or order.financial_status == "refunded"
        surveys.delighted(ctx, rng, p, "csat", order.fulfilled_at + rng.randint(DAY, 3 * DAY), _rating(rng, unhappy, p.mood, 5), order, issues)
    for issue in issues:
        if issue.resolved_at and rng.random() < 0.12:  # Delighted CES after support
            surveys.delighted(ctx, rng, p, "ces", issue.resolved_at + rng.randint(HOUR, 2 * DAY), _rating(rng, issue.bad, p.mood, 7),
                              issue.order, issues)
        if issue.resolved_at and rng.random() < 0.1:  # Qualtrics support survey
            when = issue.resolved_at + rng.randint(HOUR, 3 * DAY)
            if when < END:
                surveys.qualtrics_support(ctx, rng, p, when, _rating(rng, issue.bad, p.mood, 5), _rating(rng, issue.bad, p.mood, 7), issue.bad)
    if p.customer_ids:
        for wave_start, wave_end in surveys.NPS_WAVES:
            if rng.random() < 0.11:
                when = rng.randint(wave_start, wave_end)
                surveys.qualtrics_nps(ctx, rng, p, when, nps_score(rng, p, when, orders, issues), orders, issues)


# --- social -----------------------------------------------------------------------------------

def _social(ctx: Context, rng: random.Random, p: Person, orders: list[Order], issues: list[Issue]) -> None:
    for network in ("twitter", "facebook"):
        if not getattr(p, network):
            continue
        posted = 0
        if orders and ("order quoted", network) not in ctx.shared:
            # At least one post per group names its order number: indirect evidence linking it to the buyer.
            ctx.shared[("order quoted", network)] = p.pid
            order = orders[-1]
            _post(ctx, rng, p, network, min(END - HOUR, order.created + rng.randint(3 * DAY, 9 * DAY)), "negative", order, force_order=True)
            posted += 1
        for issue in issues:
            if issue.bad and rng.random() < 0.7:
                when = issue.start + rng.randint(HOUR, 3 * DAY)
                if when < END:
                    _post(ctx, rng, p, network, when, "negative", issue.order)
                    posted += 1
        for _ in range(rng.choices((0, 1, 2), (30, 55, 15))[0] if posted else rng.choices((1, 2, 3), (70, 22, 8))[0]):
            mood = "positive" if rng.random() < 0.55 + 0.1 * p.mood else "neutral"
            order = rng.choice(orders) if orders and rng.random() < 0.15 else None
            _post(ctx, rng, p, network, rng.randint(START + HOUR, END - HOUR), mood, order)


def _post(ctx, rng, p, network, when, mood, order, force_order: bool = False) -> None:
    if network == "twitter":
        social.tweet(ctx, rng, p, when, mood, order, force_order)
    else:
        social.fb_comment(ctx, rng, p, when, mood, order, force_order)
