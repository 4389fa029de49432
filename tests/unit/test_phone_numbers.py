"""cxp_phone: E.164 through phonenumbers, with one parse shared by every spelling of a number."""
from __future__ import annotations

import pytest

from pipelines.sql_functions import _parse_e164, to_e164

SPELLINGS = [
    ("(512) 924-3040", "US"), ("512.924.3040", "US"), ("512-924-3040", "US"), ("5129243040", "US"),
    ("+1 512 924 3040", "US"), ("+1 (512) 924-3040", "GB"), ("1-512-924-3040", "US"), ("001 512 924 3040", "GB"),
    ("+44 7700 900123", "US"), ("07700 900123", "GB"), ("+44 (0) 7700 900123", "GB"), ("(+44) 7700/900123", "DE"),
    ("0160 7934859", "DE"), ("+49 160 7934859", "US"), ("+39 06 6982 1234", "US"), ("06 6982 1234", "IT"),
    ("+ 33 1 42 68 53 00", "FR"), ("01 42 68 53 00", "FR"), ("12", "US"), ("1-2", "US"), ("555-1234", "US"),
    ("0000000000", "US"), ("+1 000 000 0000", "US"), ("  (212) 555 0100  ", "US"), ("+61 2 9374 4000", "AU"),
]
WRITTEN_AS_IS = [("1-800-FLOWERS", "US"), ("512 924 3040 ext. 12", "US"), ("512-924-3040 #7", "US"), ("tel:+15129243040", "US")]


@pytest.mark.parametrize("value,region", SPELLINGS + WRITTEN_AS_IS)
def test_the_shared_parse_agrees_with_parsing_the_value_as_written(value, region):
    assert to_e164(value, region) == _parse_e164.__wrapped__(value.strip().removeprefix("tel:"), region)


def test_spellings_of_one_number_meet_in_one_e164():
    assert {to_e164(v, "US") for v in ["(512) 924-3040", "512.924.3040", "+1 512 924 3040", "1-512-924-3040"]} == {"+15129243040"}
    assert to_e164("+44 (0) 7700 900123", "US") == to_e164("07700 900123", "GB") == "+447700900123"


@pytest.mark.parametrize("value", ["5.12555E+09", "'", "n/a", "", "   ", "12", "0000000000"])
def test_values_that_are_no_phone_give_none(value):
    assert to_e164(value, "US") is None
