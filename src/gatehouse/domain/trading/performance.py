"""Portfolio performance from the daily NAV history: each day's net liquidation value, its
cash flows (deposits less withdrawals) and the day's time-weighted return; periods, the
cumulative return over a period and returns by month (IBKR's portfolio analyst)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gatehouse.domain.errors import InvalidInput

PERIODS = ("1D", "7D", "MTD", "1M", "3M", "YTD", "1Y")
_ZERO = Decimal(0)
_RETURN_QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class NavSnapshot:
    """One account's day: NAV at the close, net cash flow of the day, the day's return."""

    account_id: str
    day: date
    nav: Decimal
    cash_flow: Decimal
    daily_return: Decimal


def day_return(previous_nav: Decimal | None, nav: Decimal, cash_flow: Decimal) -> Decimal:
    """The day's return with the day's flows taken out: ``(nav − flow) / previous − 1``.

    The first day (no previous NAV) and a day after an empty account return 0: money
    arriving is not performance.
    """
    if previous_nav is None or previous_nav <= 0:
        return _ZERO
    return ((nav - cash_flow) / previous_nav - 1).quantize(_RETURN_QUANTUM)


def snapshot_day(
    account_id: str, day: date, nav: Decimal, cash_flow: Decimal, previous: NavSnapshot | None
) -> NavSnapshot:
    """The snapshot of ``day`` following ``previous`` (the latest earlier one, if any)."""
    before = previous.nav if previous is not None and previous.day < day else None
    return NavSnapshot(account_id, day, nav, cash_flow, day_return(before, nav, cash_flow))


def period_start(period: str, today: date) -> date:
    """The first day a period covers, ending ``today``; ``InvalidInput`` for an unknown one."""
    code = period.strip().upper() if isinstance(period, str) else ""
    if code not in PERIODS:
        raise InvalidInput(f"Unknown period {period!r}; use {', '.join(PERIODS)}.", field="period")
    if code == "1D":
        return today - timedelta(days=1)
    if code == "7D":
        return today - timedelta(days=7)
    if code == "MTD":
        return today.replace(day=1)
    if code == "1M":
        return today - timedelta(days=30)
    if code == "3M":
        return today - timedelta(days=91)
    if code == "YTD":
        return today.replace(month=1, day=1)
    return today - timedelta(days=365)


def cumulative(days: Sequence[NavSnapshot]) -> list[Decimal]:
    """The cumulative return at each day, from the first day of ``days`` (which counts 0)."""
    growth = Decimal(1)
    out: list[Decimal] = []
    for index, snap in enumerate(days):
        if index:
            growth *= 1 + snap.daily_return
        out.append((growth - 1).quantize(_RETURN_QUANTUM))
    return out


def monthly(days: Sequence[NavSnapshot]) -> list[tuple[str, Decimal]]:
    """Each month's compounded return (``"YYYYMM"``), oldest first; the first day of the
    series starts it and counts nothing."""
    months: dict[str, Decimal] = {}
    for index, snap in enumerate(days):
        key = snap.day.strftime("%Y%m")
        growth = months.get(key, Decimal(1))
        months[key] = growth * (1 + snap.daily_return) if index else growth
    return [(key, (g - 1).quantize(_RETURN_QUANTUM)) for key, g in months.items()]
