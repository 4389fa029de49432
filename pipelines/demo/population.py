"""Who the demo's people are: names, places, contact details, accounts, devices and the
hard cases identity resolution must get right.

People are made in groups (about 1,000 each) with one ``random.Random`` per group, so
memory holds one group at a time and a group is the same whatever the total size. Every
group holds at least one of each hard case (namesakes, households sharing a landline, a
family tablet, a shared company mailbox, a married-name change, a duplicate shop
account), so they occur at every demo size.

Orders are planned for the whole population first (``OrderPlan``): Shopify numbers
orders in the order they are placed, and tweets, tickets and calls quote those numbers,
so each person's orders are dealt from one global, time-sorted sequence.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

import numpy as np

from pipelines.demo import clock
from pipelines.demo import identities as ids
from pipelines.demo import reference as ref

GROUP_SIZE = 1_000
FIRST_ORDER_NUMBER = 1001


# --- the order plan ---------------------------------------------------------------------------

class OrderPlan:
    """How many orders each person places and when; order numbers rise with time."""

    def __init__(self, customers: int, seed: int):
        rng = np.random.default_rng([seed, 20_241_130])
        buyer = rng.random(customers) >= 0.26
        extra = np.minimum(rng.negative_binomial(0.75, 0.3, customers), 39)  # heavy tail: a few loyal customers
        self.counts = np.where(buyer, 1 + extra, 0).astype(np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(self.counts)))
        total = int(self.offsets[-1])
        self.times = np.sort(_order_times(rng, total))
        self.slots = rng.permutation(total)
        self.total = total

    def orders_of(self, index: int) -> list[tuple[int, int]]:
        """(order number, created at) of one person's orders, oldest first."""
        start, stop = int(self.offsets[index]), int(self.offsets[index + 1])
        if start == stop:
            return []
        slots = np.sort(self.slots[start:stop])
        return [(FIRST_ORDER_NUMBER + int(s), int(self.times[s])) for s in slots]


def _order_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Order times with the shape of a real shop: growth, weekly rhythm, evening peaks, a July
    sale, Labor Day and the Black Friday / Cyber Monday rush."""
    days = np.arange(clock.SPAN_DAYS)
    weight = 1.0 + 0.35 * days / days[-1]
    weekday = (days + 5) % 7  # 2024-06-01 was a Saturday (Mon = 0)
    weight *= np.array([1.08, 1.0, 0.98, 1.0, 0.95, 0.9, 1.12])[weekday]
    local_dates = np.array([clock.date_text(clock.START + 12 * clock.HOUR + int(d) * clock.DAY) for d in days])
    for start, stop, factor in (("2024-07-16", "2024-07-17", 1.7), ("2024-08-30", "2024-09-02", 1.3),
                                ("2024-11-25", "2024-11-28", 1.5), ("2024-11-29", "2024-11-29", 3.4),
                                ("2024-11-30", "2024-11-30", 2.4)):
        weight[(local_dates >= start) & (local_dates <= stop)] *= factor
    hours = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.8, 1.0, 1.1, 1.2,
                      1.3, 1.2, 1.1, 1.1, 1.2, 1.4, 1.6, 1.8, 1.9, 1.7, 1.2, 0.6])
    drawn = n + n // 20 + 50  # a few land after the exports were pulled (late on 30 November) and are dropped
    day = rng.choice(days, size=drawn, p=weight / weight.sum())
    hour = rng.choice(24, size=drawn, p=hours / hours.sum())
    local = clock.START + day * clock.DAY + hour * clock.HOUR + rng.integers(0, clock.HOUR, size=drawn)
    # After the November clock change local midnight is an hour later in UTC.
    times = np.where(local >= clock.DST_END, local + clock.HOUR, local).astype(np.int64)
    times = times[times < clock.END - 600]
    while len(times) < n:  # practically never: top up from the busiest day-time hours
        times = np.concatenate((times, times[: n - len(times)]))
    return times[:n]


# --- people -----------------------------------------------------------------------------------

@dataclass(slots=True)
class Device:
    platform: str  # "iOS" or "Android"
    model: tuple  # a row of reference.IOS_DEVICES / ANDROID_DEVICES
    amplitude_id: str  # what the Amplitude SDK calls the device
    mixpanel_id: str  # what the Mixpanel SDK calls it (iOS: the same IDFV; Android: its own id)
    os_version: str
    shared: bool = False  # a family tablet: two accounts log in on it


@dataclass(slots=True)
class Person:
    index: int
    pid: str
    country: str
    culture: str
    female: bool
    first: str
    last: str
    city: str
    province: str
    province_name: str
    zip: str
    address1: str
    address2: str
    area: str | None
    email: str
    mobile: str | None
    phone_style: int
    orders: list
    nick: str | None = None
    maiden: str | None = None  # last name before marriage; used in records older than married_at
    married_at: int | None = None
    email_before_marriage: str | None = None
    landline: str | None = None  # shared by a household
    company: str | None = None
    mailbox: str | None = None  # a company mailbox (info@...) this person writes from
    owns_mailbox: bool = False  # the shop account behind the mailbox is this person's
    customer_ids: list = field(default_factory=list)
    app: bool = False
    devices: list = field(default_factory=list)
    twitter: tuple | None = None  # (id, username, display name)
    facebook: tuple | None = None  # (page-scoped id, name as shown)
    mood: float = 0.0  # how generous this person's ratings are
    support_prone: float = 0.2
    cases: list = field(default_factory=list)  # hard cases this person takes part in

    def last_name_at(self, moment: int) -> str:
        return self.maiden if self.maiden and moment < self.married_at else self.last

    def email_at(self, moment: int) -> str:
        return self.email_before_marriage if self.email_before_marriage and moment < self.married_at else self.email

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"


def group_bounds(customers: int) -> list[tuple[int, int]]:
    """(first index, size) of each group: sizes between GROUP_SIZE and twice that, one group when small."""
    groups = max(1, customers // GROUP_SIZE)
    base, rest = divmod(customers, groups)
    bounds, start = [], 0
    for g in range(groups):
        size = base + (1 if g < rest else 0)
        bounds.append((start, size))
        start += size
    return bounds


def _weighted(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.random() * total
    for value, weight in pairs:
        pick -= weight
        if pick < 0:
            return value
    return pairs[-1][0]


def _device(rng: random.Random, platform: str) -> Device:
    hexid = f"{rng.getrandbits(128):032x}"
    if platform == "iOS":
        idfv = f"{hexid[:8]}-{hexid[8:12]}-4{hexid[13:16]}-{hexid[16:20]}-{hexid[20:]}".upper()
        return Device("iOS", rng.choice(ref.IOS_DEVICES), idfv, idfv, rng.choice(("17.5.1", "17.6.1", "18.0", "18.1")))
    amp = f"{hexid[:8]}-{hexid[8:12]}-4{hexid[13:16]}-a{hexid[17:20]}-{hexid[20:]}"
    first_seen = f"{0x18f2a9c1d0e + rng.getrandbits(30):x}"
    mix = f"{first_seen}-{rng.getrandbits(48):012x}-{rng.getrandbits(32):08x}-{rng.getrandbits(24):06x}-{first_seen}"
    return Device("Android", rng.choice(ref.ANDROID_DEVICES), amp, mix, rng.choice(("13", "14", "14", "15")))


def _place(rng: random.Random, country: str):
    """(city, province code, province name, zip, address1, address2, phone area code)."""
    if country == "US":
        city, code, name, prefix, (lo, hi), areas, _ = _weighted(rng, [(c, c[-1]) for c in ref.US_CITIES])
        street = f"{rng.randint(2, 9899)} {rng.choice(ref.US_STREETS)}"
        unit = f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.2 else ""
        return city, code, name, f"{prefix}{rng.randint(lo, hi):02d}", street, unit, rng.choice(areas)
    if country == "CA":
        city, code, name, fsas, areas, _ = _weighted(rng, [(c, c[-1]) for c in ref.CA_CITIES])
        postal = f"{rng.choice(fsas)} {rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVWXYZ')}{rng.randint(1, 9)}"
        street = f"{rng.randint(2, 999)} {rng.choice(ref.US_STREETS)}"
        return city, code, name, postal, street, "", rng.choice(areas)
    if country == "GB":
        city, outwards, _ = _weighted(rng, [(c, c[-1]) for c in ref.GB_CITIES])
        postcode = f"{rng.choice(outwards)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        street = f"{rng.randint(1, 220)} {rng.choice(ref.GB_STREETS)}"
        return city, "", "", postcode, street, f"Flat {rng.randint(1, 12)}" if rng.random() < 0.25 else "", None
    if country == "PL":
        city, (lo, hi), _ = _weighted(rng, [(c, c[-1]) for c in ref.PL_CITIES])
        postcode = f"{rng.randint(lo, hi):02d}-{rng.randint(1, 999):03d}"
        street = f"{rng.choice(ref.PL_STREETS)} {rng.randint(1, 120)}"
        return city, "", "", postcode, street, f"m. {rng.randint(1, 60)}" if rng.random() < 0.6 else "", None
    city, (lo, hi), _ = _weighted(rng, [(c, c[-1]) for c in ref.DE_CITIES])
    street = f"{rng.choice(ref.DE_STREETS)} {rng.randint(1, 140)}"
    return city, "", "", f"{rng.randint(lo, hi):05d}", street, "", None


def _name(rng: random.Random, culture: str, female: bool) -> tuple[str, str]:
    females, males, lasts = ref.NAMES[culture]
    return rng.choice(females if female else males), _family_name(culture, female, rng.choice(lasts))


def _family_name(culture: str, female: bool, last: str) -> str:
    if culture == "polish" and female and last.endswith(("ski", "cki", "dzki")):
        return last[:-1] + "a"  # Kowalska, not Kowalski
    return last


class EmailBook:
    """Mailboxes already given out: two people never share a private address by accident, not even
    one Gmail folds into another (j.smith@ and jsmith@ are one mailbox). Holds 8-byte digests, so a
    million people cost tens of megabytes."""

    def __init__(self):
        self._taken: set[int] = set()

    def claim(self, email: str) -> bool:
        local, _, domain = email.lower().partition("@")
        if domain in ("gmail.com", "googlemail.com"):
            local, domain = local.split("+")[0].replace(".", ""), "gmail.com"
        digest = int.from_bytes(hashlib.blake2b(f"{local}@{domain}".encode(), digest_size=8).digest(), "little")
        if digest in self._taken:
            return False
        self._taken.add(digest)
        return True


def _email(rng: random.Random, country: str, first: str, last: str, book: EmailBook) -> str:
    while True:
        email = f"{ids.email_local(rng, first, last)}@{_weighted(rng, ref.EMAIL_DOMAINS[country])}"
        if book.claim(email):
            return email


def new_person(rng: random.Random, index: int, plan: OrderPlan, book: EmailBook) -> Person:
    country = _weighted(rng, ref.COUNTRY_WEIGHTS)
    culture = _weighted(rng, ref.CULTURE_MIX[country])
    female = rng.random() < 0.5
    first, last = _name(rng, culture, female)
    city, province, province_name, postcode, address1, address2, area = _place(rng, country)
    mobile_area = area if area and rng.random() < 0.8 else (rng.choice(rng.choice(ref.US_CITIES)[5]) if country == "US" else area)
    person = Person(
        index=index, pid=f"P{index + 1:07d}", country=country, culture=culture, female=female, first=first, last=last,
        city=city, province=province, province_name=province_name, zip=postcode, address1=address1, address2=address2,
        area=area, email=_email(rng, country, first, last, book),
        mobile=ids.mobile_number(rng, country, mobile_area) if rng.random() < 0.93 else None,
        phone_style=rng.randrange(8), orders=plan.orders_of(index),
    )
    if first in ref.NICKNAMES and rng.random() < 0.5:
        person.nick = rng.choice(ref.NICKNAMES[first])
    person.mood = rng.gauss(0, 1.1)
    person.support_prone = min(0.9, max(0.02, rng.gauss(0.27, 0.1) + 0.04 * min(len(person.orders), 4)))
    if person.orders or rng.random() < 0.35:
        person.customer_ids.append(_customer_id(rng, index, 0))
    person.app = rng.random() < (0.58 if person.customer_ids else 0.3)
    if person.app:
        android_share = 0.4 if country in ("US", "CA") else 0.65
        platform = "Android" if rng.random() < android_share else "iOS"
        person.devices.append(_device(rng, platform))
        if rng.random() < 0.12:
            person.devices.append(_device(rng, "iOS" if platform == "Android" or rng.random() < 0.5 else "Android"))
    if rng.random() < 0.065:
        username = ids.twitter_handle(rng, first, last)
        display = rng.choice((f"{first} {last[0]}.", f"{first} {last}", first, username, f"{ids.ascii_name(first)} {ids.ascii_name(last)}"))
        person.twitter = (str(rng.randint(10**17, 10**19 - 1)) if rng.random() < 0.7 else str(rng.randint(10**7, 10**10)),
                          username, display)
    if rng.random() < 0.065:
        shown = rng.choice((f"{first} {last}", f"{first} {last}", f"{person.nick or first} {last}", f"{ids.ascii_name(first)} {ids.ascii_name(last)}"))
        person.facebook = (str(rng.randint(10**15, 10**16 - 1)), shown)
    return person


def _customer_id(rng: random.Random, index: int, account: int) -> str:
    """A 13-digit Shopify customer id; a second (duplicate) account sits in a later id range."""
    base = 7_140_000_000_000 if account == 0 else 8_190_000_000_000
    return str(base + index * 4_096 + rng.randrange(4_096))


# --- hard cases -------------------------------------------------------------------------------

def make_group(seed: int, group: int, start: int, size: int, plan: OrderPlan,
               book: EmailBook | None = None) -> tuple[random.Random, list[Person]]:
    """The people of one group, hard cases applied; returns the group's generator for their journeys.

    ``book`` is shared by all groups of one demo, so addresses stay unique across groups."""
    book = book if book is not None else EmailBook()
    rng = random.Random(seed * 1_000_003 + group)
    people = [new_person(rng, start + i, plan, book) for i in range(size)]
    _apply_hard_cases(rng, people, group, book)
    return rng, people


def _count(rng: random.Random, size: int, rate: float) -> int:
    """At least one per group, about ``rate`` of the group otherwise."""
    expected = size * rate
    return max(1, int(expected) + (1 if rng.random() < expected - int(expected) else 0))


def _apply_hard_cases(rng: random.Random, people: list[Person], group: int, book: EmailBook) -> None:
    taken: set[int] = set()
    order = list(range(len(people)))
    rng.shuffle(order)  # candidates are tried in one random order, so a take is not a scan of the group

    def take(predicate) -> Person | None:
        for i in order:
            if i not in taken and predicate(people[i]):
                taken.add(i)
                return people[i]
        return None

    us_account = lambda p: p.country == "US" and p.customer_ids  # noqa: E731
    size = len(people)

    # Namesakes: same full name in the same city, different email, phone and street.
    for _ in range(_count(rng, size, 0.004)):
        a, b = take(us_account), take(lambda p: p.customer_ids and p.country == "US")
        if not (a and b):
            break
        a.nick = None  # so both shop accounts carry the very same name
        b.first, b.last, b.culture, b.female, b.nick = a.first, a.last, a.culture, a.female, None
        b.city, b.province, b.province_name, b.area = a.city, a.province, a.province_name, a.area
        b.zip = a.zip[:3] + f"{(int(a.zip[3:]) + rng.randint(1, 9)) % 100:02d}"
        b.email = _email(rng, b.country, b.first, b.last, book)
        a.cases.append("namesake")
        b.cases.append("namesake")

    # Households: two people at one address sharing the landline they both give out (on their shop accounts too).
    for _ in range(_count(rng, size, 0.015)):
        a, b = take(us_account), take(us_account)
        if not (a and b):
            break
        _move_in(rng, a, b, book, same_last=rng.random() < 0.7)
        a.landline = b.landline = ids.landline_number(rng, "US", a.area)
        a.cases.append("household_phone")
        b.cases.append("household_phone")

    # Family tablet: parent and teenager, each with their own shop account, logging in on one device.
    for _ in range(_count(rng, size, 0.005)):
        a, b = take(lambda p: p.country == "US" and p.customer_ids), take(lambda p: p.country == "US" and p.customer_ids)
        if not (a and b):
            break
        _move_in(rng, a, b, book, same_last=True)
        tablet = _device(rng, "iOS")
        tablet.model, tablet.shared = ref.IOS_DEVICES[-1], True
        for person in (a, b):
            person.app = True
            person.devices.append(tablet)
            person.cases.append("family_device")

    # A small business's shared mailbox (info@...): used by two or three colleagues.
    for n in range(_count(rng, size, 0.002)):
        team = [take(lambda p: p.country == "US" and p.orders) for _ in range(2 if rng.random() < 0.6 else 3)]
        team = [p for p in team if p]
        if len(team) < 2:
            break
        word, trade = rng.choice(ref.COMPANY_WORDS)
        company = f"{word} {trade}"
        domain = f"{ids.ascii_name(word).lower().replace(' ', '')}{trade.split()[0].lower()}{group % 97 or ''}{n or ''}.com"
        mailbox = f"{rng.choice(ref.SHARED_MAILBOXES)}@{domain}"
        for k, person in enumerate(team):
            person.company, person.mailbox = company, mailbox
            person.city, person.province, person.province_name, person.zip = team[0].city, team[0].province, team[0].province_name, team[0].zip
            person.cases.append("shared_mailbox")
        owner = next((p for p in team if p.customer_ids), None)
        if owner is not None:
            owner.owns_mailbox = True

    # Married-name change: older records carry the maiden name (and often the old email).
    for _ in range(_count(rng, size, 0.01)):
        p = take(lambda q: q.female and len(q.orders) >= 2 and q.orders[-1][1] - q.orders[0][1] > 2 * clock.DAY)
        if not p:
            break
        p.maiden = p.last
        p.last = _family_name(p.culture, True, _name(rng, p.culture, False)[1])
        # Married between the first and the last order: the account and early orders keep the maiden name.
        p.married_at = rng.randint(p.orders[0][1] + clock.DAY, p.orders[-1][1] - 1)
        if rng.random() < 0.6:
            p.email_before_marriage = p.email
            p.email = _email(rng, p.country, p.first, p.last, book)
        p.cases.append("married_name")

    # Duplicate shop account: a second Customer ID, same email (made at the till).
    for _ in range(_count(rng, size, 0.03)):
        p = take(lambda q: len(q.orders) >= 2)
        if not p:
            break
        p.customer_ids.append(_customer_id(rng, p.index, 1))
        p.cases.append("duplicate_shop_account")


def _move_in(rng: random.Random, a: Person, b: Person, book: EmailBook, same_last: bool) -> None:
    b.city, b.province, b.province_name, b.zip, b.address1, b.address2, b.area = (
        a.city, a.province, a.province_name, a.zip, a.address1, a.address2, a.area)
    b.country = a.country
    if same_last:
        masculine = a.last[:-1] + "i" if a.culture == "polish" and a.last.endswith(("ska", "cka", "dzka")) else a.last
        b.last, b.culture = _family_name(a.culture, b.female, masculine), a.culture
        b.email = _email(rng, b.country, b.first, b.last, book)
