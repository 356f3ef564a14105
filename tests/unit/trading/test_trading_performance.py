"""Performance from the NAV history: a day's return without its cash flows, compounding,
months and periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.performance import (
    NavSnapshot,
    cumulative,
    day_return,
    monthly,
    period_start,
    snapshot_day,
)

D = Decimal


def test_a_deposit_is_not_a_return() -> None:
    assert day_return(D(1000), D(1500), D(500)) == 0
    assert day_return(D(1000), D(1100), D(0)) == D("0.1")
    assert day_return(D(1000), D(600), D(-500)) == D("0.1")  # a withdrawal, and 10% made
    assert day_return(None, D(1000), D(1000)) == 0 and day_return(D(0), D(5), D(5)) == 0


def test_returns_compound_and_months_split() -> None:
    prev = None
    days = []
    for day, nav in ((date(2026, 1, 30), "100"), (date(2026, 1, 31), "110"),
                     (date(2026, 2, 2), "121"), (date(2026, 2, 3), "108.9")):  # fmt: skip
        prev = snapshot_day("DU1", day, D(nav), D(0), prev)
        days.append(prev)
    assert [d.daily_return for d in days] == [0, D("0.1"), D("0.1"), D("-0.1")]
    assert cumulative(days) == [0, D("0.1"), D("0.21"), D("0.089")]
    assert monthly(days) == [("202601", D("0.1")), ("202602", D("-0.01"))]


def test_a_day_recorded_again_keeps_its_previous_day() -> None:
    before = NavSnapshot("DU1", date(2026, 1, 5), D(100), D(0), D(0))
    again = snapshot_day("DU1", date(2026, 1, 5), D(120), D(0), before)
    assert again.daily_return == 0  # the same day is not its own previous day


def test_periods() -> None:
    today = date(2026, 3, 15)
    assert period_start("ytd", today) == date(2026, 1, 1)
    assert period_start("MTD", today) == date(2026, 3, 1)
    assert period_start("7D", today) == date(2026, 3, 8)
    assert period_start("1Y", today) == date(2025, 3, 15)
    with pytest.raises(InvalidInput):
        period_start("2W", today)
