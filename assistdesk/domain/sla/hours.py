"""Business-hours arithmetic: 09:00–18:00 local time, Monday to Friday, public holidays skipped.

Pure functions of instants, a time zone and a country. Each business day is turned into its UTC
window from its local wall-clock times (zoneinfo), so a daylight-saving change between two days
moves the window by an hour and a change inside a window shortens or lengthens that day exactly.
Public holidays come from the `holidays` library (maintained per country), not from a list here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from assistdesk.errors import Invalid

DAY_START = time(9, 0)
DAY_END = time(18, 0)
# A year has about 250 business days; ten years bounds the walk for any sensible target.
_MAX_DAYS = 3660


def parse_timezone(raw: str) -> str:
    name = (raw or "").strip()
    if name not in _zones():
        raise Invalid(f"unknown time zone {raw!r} (an IANA name such as Asia/Tokyo)", field="timezone")
    return name


def parse_country(raw: str | None) -> str | None:
    code = (raw or "").strip().upper()
    if not code:
        return None
    import holidays  # ~0.1 s to import: only when a country is given (every CLI command loads this module)

    if code not in holidays.list_supported_countries():
        raise Invalid(f"unknown holiday country {raw!r} (an ISO 3166 code such as JP)", field="holidays")
    return code


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones() | {"UTC"})


@functools.lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays  # imported on first use, as in parse_country

    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_business_day(day: date, country: str | None) -> bool:
    if day.weekday() >= 5:
        return False
    return country is None or day not in _holidays(country, day.year)


def _windows(start: datetime, zone: ZoneInfo, country: str | None) -> Iterator[tuple[datetime, datetime]]:
    """The business windows (UTC) from `start` on, the first one cut at `start`."""
    day = start.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        if is_business_day(day, country):
            opens = datetime.combine(day, DAY_START, zone).astimezone(UTC)
            closes = datetime.combine(day, DAY_END, zone).astimezone(UTC)
            if closes > start:
                yield max(opens, start), closes
        day += timedelta(days=1)


def add_business_time(start: datetime, seconds: float, *, timezone: str, country: str | None) -> datetime:
    """The instant at which `seconds` of business time have gone by since `start`.

    A start outside business hours counts from the next opening; a target that ends exactly at a
    closing time is due then, not at the next opening."""
    left = timedelta(seconds=seconds)
    start = start.astimezone(UTC)
    for opens, closes in _windows(start, ZoneInfo(timezone), country):
        if left <= closes - opens:
            return opens + left
        left -= closes - opens
    raise Invalid("the target is too long for the business calendar", field="duration")


def business_time_between(start: datetime, end: datetime, *, timezone: str, country: str | None) -> float:
    """Seconds of business time from `start` to `end` (0 when `end` is not later)."""
    total = 0.0
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0.0
    for opens, closes in _windows(start, ZoneInfo(timezone), country):
        if opens >= end:
            break
        total += (min(closes, end) - opens).total_seconds()
    return total
