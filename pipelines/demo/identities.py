"""How people write their own details: phone numbers in many formats, email addresses
with Gmail dot/plus variants and typos, names with nicknames, typos and lost accents.

Pure functions of their inputs and an ``random.Random``; the population decides who
gets which variant where.
"""
from __future__ import annotations

import random

from pipelines.demo import reference as ref

_US_BLOCKED_EXCHANGES = frozenset({"211", "311", "411", "511", "555", "611", "711", "811", "911", "950", "958", "959", "976"})


# --- phones -----------------------------------------------------------------------------------

def nanp_number(rng: random.Random, area: str) -> str:
    """A valid North American number in E.164: exchange 2xx-9xx, never 555 or N11."""
    while True:
        exchange = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
        if exchange not in _US_BLOCKED_EXCHANGES:
            return f"+1{area}{exchange}{rng.randint(0, 9999):04d}"


def mobile_number(rng: random.Random, country: str, area: str | None = None) -> str:
    if country in ("US", "CA"):
        return nanp_number(rng, area or "512")
    if country == "GB":
        prefix = rng.choice(ref.GB_MOBILE_PREFIXES)
        return f"+44{prefix[1:]}{rng.randint(0, 10 ** (11 - len(prefix)) - 1):0{11 - len(prefix)}d}"
    if country == "PL":
        prefix = rng.choice(ref.PL_MOBILE_PREFIXES)
        return f"+48{prefix}{rng.randint(0, 10 ** (9 - len(prefix)) - 1):0{9 - len(prefix)}d}"
    prefix = rng.choice(ref.DE_MOBILE_PREFIXES)  # DE
    return f"+49{prefix}{rng.randint(0, 9_999_999):07d}{rng.randint(0, 9) if prefix.startswith('15') else ''}"


def landline_number(rng: random.Random, country: str, area: str | None = None) -> str:
    """A household landline; only NANP households share one in the demo."""
    return nanp_number(rng, area or "512")


def typed_phone(e164: str, style: int) -> str:
    """The number as a person types it into a form; ``style`` picks one of the common ways."""
    if e164.startswith("+1"):
        a, e, line = e164[2:5], e164[5:8], e164[8:]
        forms = (f"({a}) {e}-{line}", f"{a}.{e}.{line}", f"+1 {a} {e} {line}", f"{a}{e}{line}", f"{a}-{e}-{line}",
                 e164, f"1-{a}-{e}-{line}", f"({a}){e}-{line}")
    elif e164.startswith("+44"):
        national = "0" + e164[3:]
        forms = (f"{national[:5]} {national[5:]}", f"+44 {e164[3:7]} {e164[7:]}", e164, national,
                 f"+44 (0){e164[3:7]} {e164[7:]}")
    elif e164.startswith("+48"):
        n = e164[3:]
        forms = (f"+48 {n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]}-{n[3:6]}-{n[6:]}", e164, n)
    else:  # +49
        n = e164[3:]
        forms = (f"0{n[:3]} {n[3:]}", f"+49 {n[:3]} {n[3:]}", e164, f"0{n}", f"+49 ({n[:3]}) {n[3:]}")
    return forms[style % len(forms)]


def excel_mangled(e164: str) -> str:
    """What Excel shows after reading a phone column as a number: ``5.12555E+09``."""
    digits = e164[2:] if e164.startswith("+1") else e164.lstrip("+")
    return f"{int(digits):.5E}"


# --- email ------------------------------------------------------------------------------------

def email_local(rng: random.Random, first: str, last: str) -> str:
    f, l = ascii_name(first).lower().replace(" ", "").replace("'", ""), ascii_name(last).lower().replace(" ", "").replace("'", "")
    f, l = f.replace("-", ""), l.replace("-", "")
    year = rng.randint(62, 99) if rng.random() < 0.5 else rng.randint(0, 9999)
    form = rng.randrange(10)
    if form == 0:
        return f"{f}.{l}"
    if form == 1:
        return f"{f[0]}{l}"
    if form == 2:
        return f"{f}{l}{year % 100:02d}"
    if form == 3:
        return f"{f}.{l}{rng.randint(1, 99)}"
    if form == 4:
        return f"{f}_{l}"
    if form == 5:
        return f"{l}.{f}"
    if form == 6:
        return f"{f}{l[0]}{year}"
    if form == 7:
        return f"{f[0]}.{l}"
    if form == 8:
        return f"{f}{rng.choice(('hikes', 'runs', 'outdoors', 'trail', 'codes', 'mtn', 'xo'))}{rng.randint(1, 999)}"
    return f"{f}.{l}.{rng.randint(1, 9)}"


def is_gmail(email: str) -> bool:
    return email.endswith(("@gmail.com", "@googlemail.com"))


def gmail_variant(rng: random.Random, email: str) -> str:
    """The same Gmail mailbox written differently: dots moved or dropped, a ``+tag``, googlemail.com."""
    local, _, domain = email.partition("@")
    choice = rng.randrange(5)
    if choice == 0:
        return f"{local.replace('.', '')}@{domain}"
    if choice == 1:
        plain = local.replace(".", "")
        cut = rng.randint(1, max(1, len(plain) - 1))
        return f"{plain[:cut]}.{plain[cut:]}@{domain}"
    if choice == 2:
        return f"{local}+{rng.choice(('shop', 'northtrail', 'orders', 'deals'))}@{domain}"
    if choice == 3:
        return f"{local}@googlemail.com"
    return f"{local[:1].upper()}{local[1:]}@{domain}"  # capitalised by a phone keyboard


def email_typo(rng: random.Random, email: str) -> str:
    """A one-off typing mistake: a mistyped domain, or two letters swapped or one dropped in the local part."""
    local, _, domain = email.partition("@")
    if domain in ref.DOMAIN_TYPOS and rng.random() < 0.6:
        return f"{local}@{rng.choice(ref.DOMAIN_TYPOS[domain])}"
    if len(local) > 3:
        i = rng.randrange(1, len(local) - 1)
        if rng.random() < 0.5 and local[i] != local[i + 1]:
            local = local[:i] + local[i + 1] + local[i] + local[i + 2:]
        else:
            local = local[:i] + local[i + 1:]
    return f"{local}@{domain}"


# --- names ------------------------------------------------------------------------------------

def ascii_name(name: str) -> str:
    return name.translate(ref.ASCII_FOLD)


def name_typo(rng: random.Random, name: str) -> str:
    """Jon for John, two letters swapped, a letter dropped or doubled."""
    if name in ("John", "Jon"):
        return "Jon" if name == "John" else "John"
    if len(name) < 4:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 2)
    kind = rng.randrange(3)
    if kind == 0 and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if kind == 1:
        return name[:i] + name[i + 1:]
    return name[:i] + name[i] + name[i:]


def twitter_handle(rng: random.Random, first: str, last: str) -> str:
    f, l = ascii_name(first).lower().replace("'", "").replace("-", ""), ascii_name(last).lower().replace("'", "").replace(" ", "")
    form = rng.randrange(5)
    handle = (f"{f}_{l}", f"{f}{l[:1]}{rng.randint(1, 99)}", f"{f[:1]}{l}", f"{f}_{rng.choice(('codes', 'hikes', 'outside', 'runs'))}",
              f"the{f}{l}")[form]
    return handle[:15]
