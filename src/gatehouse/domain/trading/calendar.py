"""US equity market hours: sessions, holidays and the trading day an instant belongs to.

Early (13:00) closes are not modelled; days outside the bundled holiday list are plain weekdays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# NYSE/Nasdaq full-day closures (observed dates).
US_MARKET_HOLIDAYS: frozenset[date] = frozenset(
    {
        # 2025
        date(2025, 1, 1),
        date(2025, 1, 9),  # national day of mourning for President Carter
        date(2025, 1, 20),
        date(2025, 2, 17),
        date(2025, 4, 18),
        date(2025, 5, 26),
        date(2025, 6, 19),
        date(2025, 7, 4),
        date(2025, 9, 1),
        date(2025, 11, 27),
        date(2025, 12, 25),
        # 2026
        date(2026, 1, 1),
        date(2026, 1, 19),
        date(2026, 2, 16),
        date(2026, 4, 3),
        date(2026, 5, 25),
        date(2026, 6, 19),
        date(2026, 7, 3),
        date(2026, 9, 7),
        date(2026, 11, 26),
        date(2026, 12, 25),
        # 2027
        date(2027, 1, 1),
        date(2027, 1, 18),
        date(2027, 2, 15),
        date(2027, 3, 26),
        date(2027, 5, 31),
        date(2027, 6, 18),
        date(2027, 7, 5),
        date(2027, 9, 6),
        date(2027, 11, 25),
        date(2027, 12, 24),
    }
)

_ONE_DAY = timedelta(days=1)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetimes passed to the trading calendar must be timezone-aware")


@dataclass(frozen=True)
class TradingCalendar:
    """Regular trading sessions (09:30–16:00 New York, Monday to Friday, minus holidays).

    With ``always_open`` every calendar day is a trading day whose session runs from local
    midnight to the next local midnight, so the market never closes (for demos and tests).
    All instants returned are in UTC.
    """

    always_open: bool = False
    timezone: str = "America/New_York"
    open_time: time = time(9, 30)
    close_time: time = time(16, 0)
    extended_open: time = time(4, 0)  # pre-market: orders marked outsideRTH may fill
    extended_close: time = time(20, 0)  # after hours
    holidays: frozenset[date] = US_MARKET_HOLIDAYS

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, at: datetime) -> date:
        """The calendar date of ``at`` in the exchange's timezone."""
        _require_aware(at)
        return at.astimezone(self.zone).date()

    def is_trading_day(self, day: date) -> bool:
        if self.always_open:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def next_trading_day(self, day: date) -> date:
        """The first trading day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_trading_day(day):
            day += _ONE_DAY
        return day

    def previous_trading_day(self, day: date) -> date:
        """The last trading day strictly before ``day``."""
        day -= _ONE_DAY
        while not self.is_trading_day(day):
            day -= _ONE_DAY
        return day

    def session_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The (open, close) instants of ``day``'s session; ``ValueError`` on a non-trading day."""
        if not self.is_trading_day(day):
            raise ValueError(f"{day.isoformat()} is not a trading day")
        zone = self.zone
        if self.always_open:
            start = datetime.combine(day, time(0), tzinfo=zone)
            end = datetime.combine(day + _ONE_DAY, time(0), tzinfo=zone)
        else:
            start = datetime.combine(day, self.open_time, tzinfo=zone)
            end = datetime.combine(day, self.close_time, tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def is_open(self, at: datetime) -> bool:
        day = self.local_date(at)
        if not self.is_trading_day(day):
            return False
        start, end = self.session_bounds(day)
        return start <= at < end

    def extended_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The (pre-market open, after-hours close) instants of ``day``'s extended session."""
        if self.always_open:
            return self.session_bounds(day)
        if not self.is_trading_day(day):
            raise ValueError(f"{day.isoformat()} is not a trading day")
        zone = self.zone
        start = datetime.combine(day, self.extended_open, tzinfo=zone)
        end = datetime.combine(day, self.extended_close, tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def is_extended(self, at: datetime) -> bool:
        """Within pre-market or after hours (or the regular session) of a trading day."""
        day = self.local_date(at)
        if not self.is_trading_day(day):
            return False
        start, end = self.extended_bounds(day)
        return start <= at < end

    def trading_day(self, at: datetime) -> date:
        """The trading day ``at`` belongs to: today until today's close, else the next one.

        An order entered after the close or on a holiday works in the next session.
        """
        day = self.local_date(at)
        if self.is_trading_day(day) and at < self.session_bounds(day)[1]:
            return day
        return self.next_trading_day(day)

    def session_open(self, at: datetime) -> datetime:
        """The open of :meth:`trading_day` (may be later than ``at``)."""
        return self.session_bounds(self.trading_day(at))[0]

    def session_close(self, at: datetime) -> datetime:
        """The close of :meth:`trading_day`: when a DAY order entered at ``at`` expires."""
        return self.session_bounds(self.trading_day(at))[1]

    def previous_close(self, at: datetime) -> datetime:
        """The latest session close at or before ``at`` (when previous-day values are taken)."""
        day = self.local_date(at)
        if self.is_trading_day(day):
            close = self.session_bounds(day)[1]
            if close <= at:
                return close
        return self.session_bounds(self.previous_trading_day(day))[1]

    def day_start(self, at: datetime) -> datetime:
        """When the day P&L at ``at`` starts: the close before the latest session that has
        opened at or before ``at`` (quotes' ``prior_close`` is that close's price)."""
        day = self.local_date(at)
        if not self.is_trading_day(day) or at < self.session_bounds(day)[0]:
            day = self.previous_trading_day(day)
        return self.session_bounds(self.previous_trading_day(day))[1]
