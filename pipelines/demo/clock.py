"""The demo's fixed time span and the timestamp spellings each vendor uses.

Times are integers inside the generator: Unix seconds, or milliseconds where a vendor
keeps them. Formatting runs millions of times for a large demo, so dates are cached per
day and the time of day is plain arithmetic instead of ``datetime`` per value.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
START = int(dt.datetime(2024, 6, 1, 5, 0, tzinfo=UTC).timestamp())  # 2024-06-01 00:00 in the store's zone (CDT)
END = int(dt.datetime(2024, 12, 1, 0, 0, tzinfo=UTC).timestamp())  # exports pulled at the end of 2024-11-30 UTC
DAY = 86_400
HOUR = 3_600
SPAN_DAYS = -(-(END - START) // DAY)  # store-local days 2024-06-01 .. 2024-11-30

_STORE_ZONE = ZoneInfo("America/Chicago")
# The one daylight-saving change inside the span (first Sunday of November, 02:00 CDT): found once
# from the zone database rather than hard-coded.
DST_END = next(
    t for t in range(START, END, HOUR)
    if dt.datetime.fromtimestamp(t, _STORE_ZONE).utcoffset() != dt.datetime.fromtimestamp(START, _STORE_ZONE).utcoffset()
)
_OFFSET_BEFORE = int(dt.datetime.fromtimestamp(START, _STORE_ZONE).utcoffset().total_seconds())
_OFFSET_AFTER = int(dt.datetime.fromtimestamp(END, _STORE_ZONE).utcoffset().total_seconds())

_dates: dict[int, str] = {}


def date_text(seconds: int) -> str:
    """``YYYY-MM-DD`` of a UTC second (cached per day)."""
    day = seconds // DAY
    text = _dates.get(day)
    if text is None:
        text = _dates[day] = dt.datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d")
    return text


def _clock(seconds: int) -> str:
    rest = seconds % DAY
    hours, rest = divmod(rest, HOUR)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def iso_z(seconds: int) -> str:
    """Zendesk, Connect, Play: ``2024-11-05T19:10:02Z``."""
    return f"{date_text(seconds)}T{_clock(seconds)}Z"


def iso_millis_z(millis: int) -> str:
    """X (Twitter): ``2024-11-05T19:02:11.000Z``."""
    seconds, ms = divmod(millis, 1000)
    return f"{date_text(seconds)}T{_clock(seconds)}.{ms:03d}Z"


def graph_time(seconds: int) -> str:
    """Facebook Graph API: ``2024-11-06T08:14:55+0000``."""
    return f"{date_text(seconds)}T{_clock(seconds)}+0000"


def amplitude_time(millis: int) -> str:
    """Amplitude: zone-less UTC with microseconds, ``2024-11-05 18:20:03.114000``."""
    seconds, ms = divmod(millis, 1000)
    return f"{date_text(seconds)} {_clock(seconds)}.{ms:03d}000"


def plain_time(seconds: int) -> str:
    """Qualtrics (zone named in the third header row): ``2024-11-08 15:01:02``."""
    return f"{date_text(seconds)} {_clock(seconds)}"


def store_offset(seconds: int) -> int:
    """The store's UTC offset in seconds at a UTC instant (CDT before the November change, CST after)."""
    return _OFFSET_BEFORE if seconds < DST_END else _OFFSET_AFTER


def shop_time(seconds: int) -> str:
    """Shopify: store-local time with its numeric offset, ``2024-11-02 14:05:31 -0500``."""
    offset = store_offset(seconds)
    local = seconds + offset
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return f"{date_text(local)} {_clock(local)} {sign}{hours:02d}{minutes:02d}"


def month_key(seconds: int) -> str:
    """``2024-11`` (UTC)."""
    return date_text(seconds)[:7]


def local_hour(seconds: int) -> int:
    return ((seconds + store_offset(seconds)) % DAY) // HOUR
