"""Business-hours arithmetic against hand-worked cases (09:00-18:00 Monday-Friday, local time)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from assistdesk.domain.sla.hours import (
    add_business_time,
    business_time_between,
    parse_country,
    parse_timezone,
)
from assistdesk.domain.sla.targets import format_duration, parse_duration
from assistdesk.errors import Invalid

HOUR = 3600
TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("case", "start", "hours", "expected"),
    [
        # Monday 17:00: one hour left today, three tomorrow.
        ("evening", tokyo(2026, 12, 7, 17, 0), 4, tokyo(2026, 12, 8, 12, 0)),
        # Opened at 02:00: the clock starts at 09:00.
        ("overnight", tokyo(2026, 12, 8, 2, 0), 4, tokyo(2026, 12, 8, 13, 0)),
        # Friday 16:00: two hours on Friday, two on Monday.
        ("weekend", tokyo(2026, 12, 11, 16, 0), 4, tokyo(2026, 12, 14, 11, 0)),
        # Saturday: nothing counts until Monday 09:00.
        ("opened on saturday", tokyo(2026, 12, 12, 10, 0), 0.5, tokyo(2026, 12, 14, 9, 30)),
        # Ends exactly at closing time: due then, not at the next opening.
        ("ends at closing", tokyo(2026, 12, 7, 9, 0), 9, tokyo(2026, 12, 7, 18, 0)),
    ],
)
def test_business_hours_in_tokyo(case: str, start: datetime, hours: float, expected: datetime) -> None:
    assert add_business_time(start, hours * HOUR, timezone="Asia/Tokyo", country=None) == expected, case


def test_new_year_holidays_in_japan_are_skipped_only_with_the_country() -> None:
    # Thursday 31 Dec 17:00: one hour; Friday 1 Jan is New Year's Day, then the weekend.
    start = tokyo(2026, 12, 31, 17, 0)
    with_holidays = add_business_time(start, 4 * HOUR, timezone="Asia/Tokyo", country="JP")
    assert with_holidays == tokyo(2027, 1, 4, 12, 0)
    assert add_business_time(start, 4 * HOUR, timezone="Asia/Tokyo", country=None) == tokyo(2027, 1, 1, 12, 0)


def test_a_monday_holiday_after_a_weekend() -> None:
    # Friday 8 Jan 2027 17:00; Monday 11 Jan is Coming of Age Day.
    due = add_business_time(tokyo(2027, 1, 8, 17, 0), 2 * HOUR, timezone="Asia/Tokyo", country="JP")
    assert due == tokyo(2027, 1, 12, 10, 0)


def test_daylight_saving_starts_over_the_weekend_in_new_york() -> None:
    # Friday 6 Mar 2026 17:00 EST (22:00 UTC): one hour on Friday; clocks go forward on Sunday 8 Mar;
    # Monday opens at 09:00 EDT = 13:00 UTC, so the second hour ends at 14:00 UTC (not 15:00).
    start = utc(2026, 3, 6, 22, 0)
    assert add_business_time(start, 2 * HOUR, timezone="America/New_York", country=None) == utc(
        2026, 3, 9, 14, 0
    )


def test_daylight_saving_ends_over_the_weekend_in_berlin() -> None:
    # Friday 23 Oct 2026 17:30 CEST (15:30 UTC): half an hour; Monday 26 Oct opens 09:00 CET = 08:00 UTC.
    start = utc(2026, 10, 23, 15, 30)
    due = add_business_time(start, HOUR, timezone="Europe/Berlin", country=None)
    assert due == utc(2026, 10, 26, 8, 30)


def test_targets_longer_than_a_week() -> None:
    # 72 business hours from Monday 09:00 UTC = eight full days: ends Wednesday of the next week at 18:00.
    start = utc(2026, 12, 7, 9, 0)
    assert add_business_time(start, 72 * HOUR, timezone="UTC", country=None) == utc(2026, 12, 16, 18, 0)
    assert add_business_time(start, 73 * HOUR, timezone="UTC", country=None) == utc(2026, 12, 17, 10, 0)
    # 100 business hours over Christmas in Germany (25 and 26 Dec are holidays; 26 Dec 2026 is a Saturday).
    due = add_business_time(utc(2026, 12, 21, 8, 0), 100 * HOUR, timezone="Europe/Berlin", country="DE")
    # Mon 21 .. Thu 24 (36 h), Mon 28 .. Thu 31 (36 h), Fri 1 Jan holiday, Mon 4 .. Wed 6 (27 h),
    # one hour on Thursday 7 Jan: 10:00 CET = 09:00 UTC.
    assert due == utc(2027, 1, 7, 9, 0)


def test_business_time_between_counts_only_open_hours() -> None:
    friday_evening = tokyo(2026, 12, 11, 17, 0)
    monday_noon = tokyo(2026, 12, 14, 12, 0)
    assert business_time_between(friday_evening, monday_noon, timezone="Asia/Tokyo", country=None) == 4 * HOUR
    assert business_time_between(monday_noon, friday_evening, timezone="Asia/Tokyo", country=None) == 0


def test_calendars_are_checked() -> None:
    assert parse_timezone(" Asia/Tokyo ") == "Asia/Tokyo"
    assert parse_country("jp") == "JP"
    assert parse_country("") is None
    with pytest.raises(Invalid, match="unknown time zone 'Mars/Base'"):
        parse_timezone("Mars/Base")
    with pytest.raises(Invalid, match="unknown time zone"):
        parse_timezone("../../etc/passwd")
    with pytest.raises(Invalid, match="unknown holiday country 'XX'"):
        parse_country("XX")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("45m", 2700), ("4h", 14400), ("2d", 172800), (" 1.5h ", 5400), ("none", None)],
)
def test_durations(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0m", "0s", "-4h", "4x", "", "h", "400d"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(Invalid):
        parse_duration(text)


def test_durations_are_shown_in_their_largest_whole_unit() -> None:
    assert [format_duration(s) for s in (30, 2700, 14400, 172800, 90)] == ["30s", "45m", "4h", "2d", "90s"]
    # "24 business hours" (the plan page) is not one business day of nine hours: never in days.
    assert format_duration(86400, business_hours=True) == "24h"
