"""Functions the SQL models call, registered on every pipeline connection.

``cxp_phone(text, region)`` wraps phonenumbers (the library made for phone parsing);
email functions are SQL macros so they transpile with the models. On Spark the same
names are registered as UDFs (see README, scale-out).
"""
from __future__ import annotations

import functools
import re

import duckdb
import phonenumbers
import pyarrow as pa

from models.config import CxpConfig

_SCIENTIFIC = re.compile(r"^\s*[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+\s*$")

# Emails: valid shape, lower-cased and trimmed. The matching key additionally folds
# Gmail's ignored dots, googlemail.com, and +tags (sub-addressing) on every provider.
EMAIL_MACROS = r"""
create or replace macro cxp_email(value) as (
    case when regexp_full_match(lower(trim(value)), '[a-z0-9._%+''-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}')
         then lower(trim(value)) end
);
create or replace macro cxp_email_key(value) as (
    case when cxp_email(value) is not null then
        (case when split_part(cxp_email(value), '@', 2) in ('gmail.com', 'googlemail.com')
              then replace(split_part(split_part(cxp_email(value), '@', 1), '+', 1), '.', '') || '@gmail.com'
              else split_part(split_part(cxp_email(value), '@', 1), '+', 1) || '@' || split_part(cxp_email(value), '@', 2)
         end)
    end
);
"""


# Digits with only separators between them (``(512) 924-3040``, ``737.819.6807``, ``+44 7700
# 900123``): phonenumbers reads such a value as its digits plus whether a ``+`` leads, so
# every spelling of one number can share one parse. Anything else (letters, extensions,
# ``#``) is parsed as written.
_SEPARATED_DIGITS = re.compile(r"[\s(]*(\+?)[\d\s().\-/]*")
_NOT_DIGIT = re.compile(r"\D")


@functools.lru_cache(maxsize=1_000_000)
def to_e164(value: str | None, region: str) -> str | None:
    """E.164 form of a phone number, or None when it is not a possible number.

    Excel's scientific notation (``5.12555E+09``) has lost digits: never a phone.
    """
    if value is None:
        return None
    value = value.strip()
    if value.startswith("'"):
        value = value[1:]
    if value.lower().startswith("tel:"):
        value = value[4:]
    if not value or _SCIENTIFIC.match(value) or not any(ch.isdigit() for ch in value):
        return None
    separated = _SEPARATED_DIGITS.fullmatch(value)
    if separated:
        return _parse_e164(separated.group(1) + _NOT_DIGIT.sub("", value), region)
    return _parse_e164(value, region)


@functools.lru_cache(maxsize=1_000_000)
def _parse_e164(value: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException:
        return None
    # Plausibility first: it decides most numbers in a tenth of is_valid_number's time.
    if not _plausible(number) and not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _plausible(number: phonenumbers.PhoneNumber) -> bool:
    """Numbers outside the allocated plan but shaped like a full number (fictional ranges
    such as Ofcom's 07700 900xxx used in tests and demos) are kept; short or placeholder
    digits (``12345``, ``0000000000``) are not."""
    national = str(number.national_number)
    return (
        phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.IS_POSSIBLE
        and len(national) >= 8
        and len(set(national)) > 2
    )


def register_functions(con: duckdb.DuckDBPyConnection, config: CxpConfig) -> None:
    default_region = config.default_phone_region

    def cxp_phone(values: pa.Array, regions: pa.Array) -> pa.Array:
        return pa.array(
            [to_e164(v, (r or default_region).upper()[:2]) for v, r in zip(values.to_pylist(), regions.to_pylist())],
            type=pa.string(),
        )

    try:
        con.remove_function("cxp_phone")
    except duckdb.Error:
        pass
    con.create_function(
        "cxp_phone", cxp_phone, [duckdb.sqltype("VARCHAR"), duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"),
        type="arrow", null_handling="special", side_effects=False,
    )
    con.execute(EMAIL_MACROS)
