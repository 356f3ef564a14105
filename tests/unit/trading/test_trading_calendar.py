"""Trading calendar: regular hours in New York, holidays, DAY-order expiry and previous close."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gatehouse.domain.trading.calendar import US_MARKET_HOLIDAYS, TradingCalendar

CAL = TradingCalendar()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def test_holidays_are_weekdays_in_2025_to_2027() -> None:
    assert all(day.weekday() < 5 for day in US_MARKET_HOLIDAYS)
    for year in (2025, 2026, 2027):
        assert sum(1 for d in US_MARKET_HOLIDAYS if d.year == year) >= 10


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (utc(2026, 3, 10, 13, 29, 59), False),  # 09:29:59 EDT
        (utc(2026, 3, 10, 13, 30), True),  # 09:30 EDT
        (utc(2026, 3, 10, 19, 59, 59), True),
        (utc(2026, 3, 10, 20, 0), False),  # 16:00 EDT
        (utc(2026, 1, 6, 14, 29), False),  # 09:29 EST
        (utc(2026, 1, 6, 14, 30), True),  # 09:30 EST
        (utc(2026, 3, 14, 15, 0), False),  # Saturday
        (utc(2026, 7, 3, 15, 0), False),  # Independence Day observed
        (utc(2026, 11, 26, 15, 0), False),  # Thanksgiving
    ],
)
def test_is_open(at: datetime, is_open: bool) -> None:
    assert CAL.is_open(at) is is_open


def test_trading_day_rolls_forward_after_the_close_and_over_weekends() -> None:
    assert CAL.trading_day(utc(2026, 3, 10, 12, 0)) == date(2026, 3, 10)  # before the open
    assert CAL.trading_day(utc(2026, 3, 10, 19, 0)) == date(2026, 3, 10)
    assert CAL.trading_day(utc(2026, 3, 10, 20, 0)) == date(2026, 3, 11)
    assert CAL.trading_day(utc(2026, 3, 13, 21, 0)) == date(2026, 3, 16)  # Friday evening
    assert CAL.trading_day(utc(2026, 7, 3, 15, 0)) == date(2026, 7, 6)  # holiday Friday


def test_session_close_is_when_a_day_order_expires() -> None:
    assert CAL.session_close(utc(2026, 3, 10, 15, 0)) == utc(2026, 3, 10, 20, 0)
    assert CAL.session_close(utc(2026, 3, 13, 21, 0)) == utc(2026, 3, 16, 20, 0)
    assert CAL.session_close(utc(2026, 1, 6, 15, 0)) == utc(2026, 1, 6, 21, 0)  # EST
    assert CAL.session_open(utc(2026, 3, 13, 21, 0)) == utc(2026, 3, 16, 13, 30)


def test_previous_close() -> None:
    assert CAL.previous_close(utc(2026, 3, 10, 15, 0)) == utc(2026, 3, 9, 20, 0)
    assert CAL.previous_close(utc(2026, 3, 10, 20, 0)) == utc(2026, 3, 10, 20, 0)
    assert CAL.previous_close(utc(2026, 3, 16, 14, 0)) == utc(2026, 3, 13, 20, 0)  # Monday
    assert CAL.previous_close(utc(2026, 7, 6, 15, 0)) == utc(2026, 7, 2, 20, 0)  # after July 3


def test_next_and_previous_trading_days_skip_holidays() -> None:
    assert CAL.next_trading_day(date(2026, 7, 2)) == date(2026, 7, 6)
    assert CAL.previous_trading_day(date(2026, 1, 20)) == date(2026, 1, 16)  # MLK Monday


def test_session_bounds_refuse_non_trading_days() -> None:
    with pytest.raises(ValueError):
        CAL.session_bounds(date(2026, 3, 14))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.is_open(datetime(2026, 3, 10, 15, 0))


def test_always_open_calendar() -> None:
    cal = TradingCalendar(always_open=True)
    saturday = utc(2026, 3, 14, 3, 0)  # Friday 23:00 in New York
    assert cal.is_open(saturday)
    assert cal.trading_day(saturday) == date(2026, 3, 13)
    assert cal.session_close(saturday) == utc(2026, 3, 14, 4, 0)
    assert cal.previous_close(saturday) == utc(2026, 3, 13, 4, 0)
