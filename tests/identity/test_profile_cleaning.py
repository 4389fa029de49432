"""The profile cleaning of probabilistic linkage (Arrow kernels) against its reference:
the same steps written with pandas' string methods, as they were before they moved to
Arrow. Same values on every input, including whitespace, digits and letters beyond ASCII."""
from __future__ import annotations

import random

import pandas as pd
import pytest

from pipelines.identity import probabilistic as p

# --- the reference: pandas string methods -----------------------------------------------


def _fold(series: pd.Series) -> pd.Series:
    s = series.astype("string").str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    s = s.str.lower().str.replace(r"[^a-z0-9@.+ ]", " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s.isin(p.NULL_WORDS))


def _alnum(series: pd.Series, upper: bool = False) -> pd.Series:
    s = series.astype("string").str.replace(r"[^0-9A-Za-z]", "", regex=True)
    s = s.str.upper() if upper else s.str.lower()
    return s.mask(s.isin(p.NULL_WORDS) | (s == ""))


def _name(series: pd.Series) -> pd.Series:
    s = _fold(series).str.replace(r"[.@+0-9]", " ", regex=True).str.replace(p.NAME_TITLES, "", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s.isin(p.NULL_WORDS))


def _email_key(series: pd.Series) -> pd.Series:
    s = series.astype("string").str.strip().str.lower()
    valid = s.str.fullmatch(r"[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}").fillna(False)
    local = s.str.split("@").str[0].str.split("+").str[0]
    domain = s.str.split("@").str[-1]
    gmail = domain.isin(["gmail.com", "googlemail.com"])
    local = local.where(~gmail, local.str.replace(".", "", regex=False))
    domain = domain.where(~gmail, "gmail.com")
    return (local + "@" + domain).where(valid)


def _phone_key(series: pd.Series) -> pd.Series:
    raw = series.astype("string").str.strip()
    mangled = raw.str.fullmatch(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+").fillna(False)
    digits = raw.str.replace(r"\D", "", regex=True).str[-10:]
    ok = (digits.str.len() >= 7).fillna(False) & ~mangled
    return digits.where(ok & (p._digit_runs(digits) > 2))


# --- inputs ------------------------------------------------------------------------------
_PIECES = [
    *"abcXYZ019 .@+-_/,'", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\xa0", "\u2003", "\u3000",
    "é", "É", "ø", "ß", "İ", "ı", "\u212a", "\u0301", "ĳ", "ﬁ", "①", "²", "٣", "٠", "۵", "𝟘", "😀", "—",
    "mr ", "Mrs ", "dr", "MS ", "nan", "NULL", "n/a", "@gmail.com", "@googlemail.com", "+tag", "E+09",
]
_CASES = [
    None, "", " ", "mr mr smith", "mrs  smith", "  Dr. Who ", "Zoë O'Brien-Smith", "ÅSA", "j.o.h.n+x@GMail.com",
    " A.B@googlemail.com\n", "x@y.co", "Anna@Example.COM", "a@b", "١٢٣٤٥٦٧٨٩٠", "+1 (512) 924-3040",
    "5.12555E+09", "0000000", "1212121", "12a", "N/A", "unknown", "SW1A 1AA", "75008",
]


def _inputs() -> pd.Series:
    rng = random.Random(7)
    fuzz = ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    return pd.Series(_CASES + fuzz, dtype="str")


def _values(series: pd.Series) -> list:
    return [None if pd.isna(value) else value for value in series.tolist()]


@pytest.mark.parametrize(
    "arrow, reference",
    [
        (p._fold, _fold),
        (p._name, _name),
        (p._alnum, _alnum),
        (lambda s: p._alnum(s, upper=True), lambda s: _alnum(s, upper=True)),
        (p.email_key, _email_key),
        (p.phone_key, _phone_key),
    ],
    ids=["fold", "name", "alnum", "alnum_upper", "email_key", "phone_key"],
)
def test_arrow_cleaning_equals_the_pandas_reference(arrow, reference):
    inputs = _inputs()
    got, expected = _values(arrow(inputs)), _values(reference(inputs))
    differences = [(value, e, g) for value, e, g in zip(inputs.tolist(), expected, got) if e != g]
    assert not differences, differences[:10]


def test_cleaning_examples():
    names = p._name(pd.Series(["Mrs  Zoë O'Brien", "dr. who", "mr mr smith", "NULL", None], dtype="str"))
    assert _values(names) == ["zoe o brien", "who", "mr smith", None, None]
    emails = p.email_key(pd.Series([" J.O.H.N+news@GoogleMail.com ", "a.b+x@example.com", "not an email"], dtype="str"))
    assert _values(emails) == ["john@gmail.com", "a.b@example.com", None]
    phones = p.phone_key(pd.Series(["+1 (512) 924-3040", "5.12555E+09", "0000000", "١٢٣٤٥٦٧٨٩٠"], dtype="str"))
    assert _values(phones) == ["5129243040", None, None, "١٢٣٤٥٦٧٨٩٠"]
