"""Reading IBKR market data requests: conid lists, bar sizes, periods, start times, windows.

IBKR writes a bar size as ``1min``, ``5mins``, ``1h``, ``1d``, ``1w`` and a period as
``30min``, ``2h``, ``1d``, ``1w``, ``6m`` (months), ``1y``. A history request names the
bar size and how far back to go; :func:`plan_history` turns that into how many bars to ask
the market data source for and which of them fall inside the period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.instruments import by_conid
from gatehouse.domain.trading.quotes import Bar

MAX_CONIDS = 100
MAX_POINTS = 1000  # IBKR answers at most this many bars
DAY_SECONDS = 86_400
WEEK_SECONDS = 7 * DAY_SECONDS

_AMOUNT = re.compile(r"^\s*(\d{1,4})\s*([a-z]+)\s*$", re.IGNORECASE)
_UNITS = {
    "min": "min",
    "mins": "min",
    "minute": "min",
    "minutes": "min",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "d": "d",
    "day": "d",
    "days": "d",
    "w": "w",
    "week": "w",
    "weeks": "w",
    "m": "m",
    "mo": "m",
    "month": "m",
    "months": "m",
    "y": "y",
    "year": "y",
    "years": "y",
}
_BAR_MINUTES = {"min": (1, 2, 3, 5, 10, 15, 20, 30), "h": (1, 2, 3, 4, 8)}
_PERIOD_LIMITS = {"min": 1440, "h": 72, "d": 1000, "w": 520, "m": 120, "y": 15}


class PeriodUnit(StrEnum):
    MINUTE = "min"
    HOUR = "h"
    DAY = "d"
    WEEK = "w"
    MONTH = "m"
    YEAR = "y"


@dataclass(frozen=True, slots=True)
class BarSize:
    seconds: int
    label: str


@dataclass(frozen=True, slots=True)
class Period:
    amount: int
    unit: PeriodUnit

    @property
    def label(self) -> str:
        return f"{self.amount}{self.unit.value}"


def parse_conids(text: str | None) -> list[int]:
    """``"265598,272093"`` → known conids, in order, without repeats (max 100)."""
    if text is None or not text.strip():
        raise InvalidInput("Name at least one contract id in 'conids'.", field="conids")
    conids: list[int] = []
    for part in text.split(","):
        conid = parse_conid(part, field="conids")
        if conid not in conids:
            conids.append(conid)
    if len(conids) > MAX_CONIDS:
        raise InvalidInput(f"Ask for at most {MAX_CONIDS} contracts at a time.", field="conids")
    return conids


def parse_conid(value: object, *, field: str = "conid") -> int:
    """One known conid, from an int or a digit string (``"265598@SMART"`` too)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"'{field}' must be a contract id number.", field=field)
    text = str(value).split("@")[0].strip()
    if not text.isdigit() or len(text) > 12:
        raise InvalidInput(f"'{field}' must be a contract id number, not {text[:20]!r}.")
    return by_conid(int(text)).conid


def _amount(text: str | None, what: str) -> tuple[int, str]:
    found = _AMOUNT.match(text or "")
    unit = _UNITS.get(found.group(2).lower()) if found else None
    if found is None or unit is None or int(found.group(1)) < 1:
        raise InvalidInput(f"{text!r} is not a {what} like 5min, 1h, 1d or 1w.", field=what)
    return int(found.group(1)), unit


def parse_bar(text: str | None) -> BarSize:
    """A bar size: 1, 2, 3, 5, 10, 15, 20 or 30 minutes, 1–4 or 8 hours, a day or a week."""
    amount, unit = _amount(text, "bar")
    if unit in _BAR_MINUTES and amount in _BAR_MINUTES[unit]:
        minutes = amount * (60 if unit == "h" else 1)
        return BarSize(minutes * 60, f"{amount}{unit}")
    if (unit, amount) == ("d", 1):
        return BarSize(DAY_SECONDS, "1d")
    if (unit, amount) == ("w", 1):
        return BarSize(WEEK_SECONDS, "1w")
    raise InvalidInput(
        f"Bars of {text!r} are not available; use 1, 2, 3, 5, 10, 15, 20 or 30min, "
        "1, 2, 3, 4 or 8h, 1d or 1w.",
        field="bar",
    )


def parse_period(text: str | None) -> Period:
    """How far back: minutes, hours, trading days, weeks, months or years."""
    amount, unit = _amount(text, "period")
    if amount > _PERIOD_LIMITS[unit]:
        raise InvalidInput(
            f"A period is at most {_PERIOD_LIMITS[unit]}{unit}; {text!r} is too long.",
            field="period",
        )
    return Period(amount, PeriodUnit(unit))


def parse_start_time(text: str | None, *, now: datetime) -> datetime:
    """``YYYYMMDD-HH:MM:SS`` (UTC) when the bars end; absent, or later than now, means now."""
    if text is None or not text.strip():
        return now
    try:
        at = datetime.strptime(text.strip(), "%Y%m%d-%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            f"'startTime' must look like 20260105-15:30:00, not {text[:30]!r}.", field="startTime"
        ) from None
    return min(at, now)


def parse_flag(text: str | None, *, field: str) -> bool:
    """IBKR clients send Python's ``True``/``False``; accept any case, and 1/0."""
    if text is None or not text.strip():
        return False
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise InvalidInput(f"'{field}' must be true or false.", field=field)


def format_ibkr_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")


@dataclass(frozen=True, slots=True)
class HistoryPlan:
    """Ask the source for the last ``count`` bars, then keep those inside the period.

    The period starts at ``since`` (minutes and hours) or on trading day ``first_day``
    (days, weeks, months, years).
    """

    bar: BarSize
    count: int
    since: datetime | None
    first_day: date | None

    def keeps(self, bar: Bar, calendar: TradingCalendar) -> bool:
        if self.since is not None:
            return bar.t + timedelta(seconds=self.bar.seconds) > self.since
        assert self.first_day is not None
        day = calendar.local_date(bar.t)
        if self.bar.seconds == WEEK_SECONDS:  # a week counts if it reaches into the period
            return day + timedelta(days=6) >= self.first_day
        return day >= self.first_day


def _last_session_day(calendar: TradingCalendar, end: datetime) -> date:
    day = calendar.local_date(end)
    if calendar.is_trading_day(day) and end >= calendar.session_bounds(day)[0]:
        return day
    return calendar.previous_trading_day(day)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, last)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def plan_history(
    calendar: TradingCalendar, *, end: datetime, bar: BarSize, period: Period
) -> HistoryPlan:
    """The bars of ``period`` ending at ``end`` (the last may still be forming)."""
    last_day = _last_session_day(calendar, end)
    since: datetime | None = None
    first_day: date
    unit = period.unit
    if unit in (PeriodUnit.MINUTE, PeriodUnit.HOUR):
        span = timedelta(minutes=period.amount * (60 if unit is PeriodUnit.HOUR else 1))
        since = end - span
        first_day = min(calendar.local_date(since), last_day)
    elif unit is PeriodUnit.DAY:
        first_day = last_day
        for _ in range(period.amount - 1):
            first_day = calendar.previous_trading_day(first_day)
    elif unit is PeriodUnit.WEEK:
        first_day = last_day - timedelta(days=7 * period.amount - 1)
    else:
        months = period.amount * (12 if unit is PeriodUnit.YEAR else 1)
        first_day = _months_back(last_day, months) + timedelta(days=1)
    return HistoryPlan(
        bar=bar,
        count=_estimate(calendar, bar, first_day, last_day),
        since=since,
        first_day=None if since is not None else first_day,
    )


def _estimate(calendar: TradingCalendar, bar: BarSize, first: date, last: date) -> int:
    """At least as many bars as the period holds, capped at :data:`MAX_POINTS`."""
    if bar.seconds == WEEK_SECONDS:
        return min((last - first).days // 7 + 2, MAX_POINTS)
    sessions = 0
    day = first
    while day <= last:
        if calendar.is_trading_day(day):
            sessions += 1
        day += timedelta(days=1)
    if bar.seconds >= DAY_SECONDS:
        return max(1, min(sessions, MAX_POINTS))
    opens, closes = calendar.session_bounds(last)
    per_session = int((closes - opens).total_seconds()) // bar.seconds + 2  # DST days, remainder
    return max(1, min(sessions * per_session, MAX_POINTS))
