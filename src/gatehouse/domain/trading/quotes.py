"""Market data values: a top-of-book quote with session statistics, and an OHLCV bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Quote:
    """The market for one instrument at one instant (``at``, UTC).

    ``open``/``high``/``low`` are today's session so far; ``close`` is today's running close
    (the last trade while the session is open, the official close once it has ended);
    ``prior_close`` is the previous session's close; ``volume`` is cumulative for the session.
    """

    conid: int
    bid: Decimal
    ask: Decimal
    bid_size: int
    ask_size: int
    last: Decimal
    last_size: int
    volume: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    prior_close: Decimal
    at: datetime

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> Decimal:
        return self.ask - self.bid

    @property
    def mark(self) -> Decimal:
        """The price positions are valued at: the last trade, kept inside the bid/ask."""
        if self.bid <= self.last <= self.ask:
            return self.last
        return self.mid

    @property
    def change(self) -> Decimal:
        """Last minus the prior close (IBKR field 82)."""
        return self.last - self.prior_close

    @property
    def change_pct(self) -> Decimal:
        """The change as a percentage of the prior close, to 2 decimals (IBKR field 83)."""
        if self.prior_close == 0:
            return Decimal("0.00")
        return (self.change * 100 / self.prior_close).quantize(_CENT)


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV bar; ``t`` is the bar's start (UTC), ``v`` its traded volume in shares."""

    t: datetime
    o: Decimal
    h: Decimal
    l: Decimal  # noqa: E741 - IBKR's own field name
    c: Decimal
    v: int


@dataclass(frozen=True, slots=True)
class BookLevel:
    """One price level of the order book: the size bid or offered there (0 when none)."""

    price: Decimal
    bid_size: int
    ask_size: int
