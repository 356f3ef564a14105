"""Parsers of IBKR market data requests: conids, field ids, bars, periods, times, windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gatehouse.domain.errors import InvalidInput, UnknownInstrument
from gatehouse.domain.trading import market_fields
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.instruments import by_symbol
from gatehouse.domain.trading.market_requests import (
    MAX_POINTS,
    PeriodUnit,
    parse_bar,
    parse_conids,
    parse_flag,
    parse_period,
    parse_start_time,
    plan_history,
)
from gatehouse.domain.trading.quotes import Bar

AAPL, MSFT = 265598, 272093
NOW = datetime(2026, 1, 7, 17, 0, tzinfo=UTC)  # a Wednesday, 12:00 in New York


@pytest.mark.parametrize(
    ("text", "seconds", "label"),
    [
        ("1min", 60, "1min"),
        ("5mins", 300, "5min"),
        ("30 min", 1800, "30min"),
        ("1h", 3600, "1h"),
        ("2hrs", 7200, "2h"),
        ("8h", 28800, "8h"),
        ("1d", 86400, "1d"),
        ("1D", 86400, "1d"),
        ("1w", 604800, "1w"),
    ],
)
def test_bar_sizes_in_ibkr_spelling(text: str, seconds: int, label: str) -> None:
    bar = parse_bar(text)
    assert (bar.seconds, bar.label) == (seconds, label)


@pytest.mark.parametrize("text", ["", "min", "0min", "7min", "5h", "2d", "1m", "1y", "abc", "-1d"])
def test_bar_sizes_that_do_not_exist_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_bar(text)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [("1d", 1, PeriodUnit.DAY), ("2w", 2, PeriodUnit.WEEK), ("6m", 6, PeriodUnit.MONTH),
     ("1y", 1, PeriodUnit.YEAR), ("30min", 30, PeriodUnit.MINUTE), ("4h", 4, PeriodUnit.HOUR)],
)  # fmt: skip
def test_periods(text: str, amount: int, unit: PeriodUnit) -> None:
    period = parse_period(text)
    assert (period.amount, period.unit) == (amount, unit)
    assert period.label == f"{amount}{unit.value}"


@pytest.mark.parametrize("text", ["", "1", "d", "0d", "16y", "1001d", "1 fortnight", "1.5d"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_period(text)


def test_start_time_is_utc_and_never_in_the_future() -> None:
    assert parse_start_time(None, now=NOW) == NOW
    assert parse_start_time("20260105-15:30:00", now=NOW) == datetime(
        2026, 1, 5, 15, 30, tzinfo=UTC
    )
    assert parse_start_time("20300101-00:00:00", now=NOW) == NOW
    for bad in ("2026-01-05", "20260105 15:30:00", "20261305-00:00:00", "yesterday"):
        with pytest.raises(InvalidInput):
            parse_start_time(bad, now=NOW)


def test_conid_lists() -> None:
    assert parse_conids("265598, 272093,265598") == [AAPL, MSFT]
    assert parse_conids("265598@SMART") == [AAPL]
    for bad in (None, "", "AAPL", "1.5", "265598,,x"):
        with pytest.raises(InvalidInput):
            parse_conids(bad)
    with pytest.raises(UnknownInstrument):
        parse_conids("265598,1")
    with pytest.raises(InvalidInput):
        parse_conids(",".join([str(AAPL)] * 50 + [str(MSFT)] * 1) + "," + "9" * 13)


def test_flags_read_like_python_booleans() -> None:
    assert parse_flag("True", field="x") is True
    assert parse_flag("false", field="x") is False
    assert parse_flag(None, field="x") is False
    with pytest.raises(InvalidInput):
        parse_flag("maybe", field="x")


def test_field_ids() -> None:
    assert market_fields.parse_field_ids("31,84,86") == ("31", "84", "86")
    assert market_fields.parse_field_ids("031, 31") == ("31",)
    assert market_fields.parse_field_ids(None) == tuple(market_fields.FIELD_NAMES)
    assert market_fields.parse_field_ids("31,99999") == ("31", "99999")  # unknown ids: skipped
    for bad in ("31,last", "31;84", "-1"):
        with pytest.raises(InvalidInput):
            market_fields.parse_field_ids(bad)


def test_volume_is_abbreviated_like_ibkr_field_87() -> None:
    assert market_fields.compact_volume(900) == "900"
    assert market_fields.compact_volume(15_300) == "15.3K"
    assert market_fields.compact_volume(2_043_900) == "2.04M"
    assert market_fields.compact_volume(1_000_000) == "1M"


def _bar(t: datetime) -> Bar:
    from decimal import Decimal

    one = Decimal(1)
    return Bar(t=t, o=one, h=one, l=one, c=one, v=1)


def test_a_day_of_five_minute_bars_in_the_regular_session() -> None:
    calendar = TradingCalendar()
    plan = plan_history(calendar, end=NOW, bar=parse_bar("5min"), period=parse_period("1d"))
    assert plan.first_day == date(2026, 1, 7)
    assert plan.count >= 30  # 14:30 to 17:00 UTC holds 30 bars
    assert plan.keeps(_bar(datetime(2026, 1, 7, 14, 30, tzinfo=UTC)), calendar)
    assert not plan.keeps(_bar(datetime(2026, 1, 6, 20, 55, tzinfo=UTC)), calendar)


def test_trading_days_skip_weekends_and_holidays() -> None:
    calendar = TradingCalendar()
    plan = plan_history(calendar, end=NOW, bar=parse_bar("1d"), period=parse_period("3d"))
    assert plan.first_day == date(2026, 1, 5)  # Mon, Tue, Wed
    monday_before_open = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    plan = plan_history(
        calendar, end=monday_before_open, bar=parse_bar("1d"), period=parse_period("1d")
    )
    assert plan.first_day == date(2026, 1, 2)  # the last session was Friday's


def test_minute_periods_cut_by_time_and_long_periods_are_capped() -> None:
    calendar = TradingCalendar()
    plan = plan_history(calendar, end=NOW, bar=parse_bar("1min"), period=parse_period("30min"))
    assert plan.since == NOW - timedelta(minutes=30)
    assert plan.keeps(_bar(NOW - timedelta(minutes=30)), calendar)
    assert not plan.keeps(_bar(NOW - timedelta(minutes=31)), calendar)
    plan = plan_history(calendar, end=NOW, bar=parse_bar("1min"), period=parse_period("1y"))
    assert plan.count == MAX_POINTS
    weekly = plan_history(calendar, end=NOW, bar=parse_bar("1w"), period=parse_period("1y"))
    assert 52 <= weekly.count <= 60


def test_ibkr_search_symbols_resolve() -> None:
    found = by_symbol("brk b")
    assert found is not None and found.symbol == "BRK B"
