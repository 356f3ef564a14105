"""A deterministic market-data simulator: reproducible quotes and bars for the bundled instruments.

Every price is a pure function of (seed, conid, trading day, minute, tick), so the same seed
and instant give the same quote whatever order calls arrive in; caches only save time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from gatehouse.adapters.marketdata.fx import PER_USD
from gatehouse.adapters.marketdata.fx import fx_rate as _fx_rate
from gatehouse.adapters.marketdata.price_path import InstrumentProfile, PricePaths, mix
from gatehouse.domain.errors import InvalidInput, UnknownInstrument
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.instruments import INSTRUMENTS, Instrument
from gatehouse.domain.trading.quotes import Bar, BookLevel, Quote

DAILY_BAR_SECONDS = 86_400
WEEKLY_BAR_SECONDS = 7 * DAILY_BAR_SECONDS
MAX_BARS = 10_000

_MINUTE_US = 60_000_000
_SALT_TICK = 5
_SALT_BOOK = 6
MAX_BOOK_LEVELS = 20
_Position = tuple[date, int, int]  # (trading day, minute of the session, tick of the minute)


class MarketSimulator:
    """Quotes and bars for ``instruments``, ticking every ``tick_seconds`` in regular sessions.

    Each price follows a mean-reverting geometric random walk from the instrument's
    ``base_price``: the session of the trading day containing ``start`` opens at the base
    price, and earlier and later days walk away from it, overnight gaps included. Outside
    the session the quote stays at the last session's close. Prices are whole cents and
    at least $0.01; bid < ask; sizes are round lots. Not thread-safe.
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        instruments: Iterable[Instrument] = INSTRUMENTS,
        tick_seconds: float = 1.0,
        start: datetime,
        calendar: TradingCalendar | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        tick_us = round(tick_seconds * 1_000_000)
        if tick_us <= 0 or _MINUTE_US % tick_us or _MINUTE_US // tick_us < 3:
            raise ValueError("tick_seconds must divide a minute into at least 3 ticks")
        self.seed = seed
        self.tick_seconds = tick_seconds
        self.calendar = calendar or TradingCalendar()
        self._tick = timedelta(microseconds=tick_us)
        self._ticks = _MINUTE_US // tick_us
        self._profiles = {i.conid: InstrumentProfile.of(i) for i in instruments}
        self._paths = PricePaths(
            seed=seed,
            calendar=self.calendar,
            anchor=self.calendar.trading_day(start),
            ticks=self._ticks,
        )
        self._located: tuple[datetime, _Position] | None = None
        self._last_quote: dict[int, tuple[_Position, Quote]] = {}

    @property
    def instruments(self) -> list[Instrument]:
        return [p.instrument for p in self._profiles.values()]

    # --- quotes --------------------------------------------------------------------------------
    def quote(self, conid: int, at: datetime) -> Quote:
        """The quote for ``conid`` at the tick containing ``at`` (``Quote.at`` is that tick)."""
        profile = self._profile(conid)
        position = self._locate(at)
        cached = self._last_quote.get(conid)
        if cached is not None and cached[0] == position:
            return cached[1]
        day, k, j = position
        session = self._paths.session(profile, day)
        price, high, low = session.running(k, j + 1)
        noise = mix(self.seed, conid, day.toordinal(), k * 65_536 + j, _SALT_TICK)
        spread = max(1 + noise % 3, round(price * profile.spread_bps / 10_000))
        bid = max(price - (noise >> 8) % (spread + 1), 1)
        prior_close = self._paths.close_cents(profile, self.calendar.previous_trading_day(day))
        last = _money(price)
        quote = Quote(
            conid=conid,
            bid=_money(bid),
            ask=_money(bid + spread),
            bid_size=_lot_size(noise >> 16),
            ask_size=_lot_size(noise >> 32),
            last=last,
            last_size=100 * (1 + (noise >> 48) % 5),
            volume=session.volume_through(k, j),
            open=_money(session.o[0]),
            high=_money(max(session.pre_high[k], high)),
            low=_money(min(session.pre_low[k], low)),
            close=last,
            prior_close=_money(prior_close),
            at=session.opens_at + timedelta(minutes=k) + j * self._tick,
        )
        self._last_quote[conid] = (position, quote)
        return quote

    def quotes(self, at: datetime, conids: Iterable[int] | None = None) -> dict[int, Quote]:
        """Quotes for several instruments (all of them by default) at one instant."""
        chosen = self._profiles if conids is None else conids
        return {conid: self.quote(conid, at) for conid in chosen}

    def prices(self, at: datetime) -> dict[int, Decimal]:
        """The last price of every instrument: marks for valuing positions."""
        return {conid: q.last for conid, q in self.quotes(at).items()}

    def tick_at(self, at: datetime) -> datetime:
        """The start of the tick whose quote :meth:`quote` returns for ``at``."""
        day, k, j = self._locate(at)
        return self._paths.bounds(day)[0] + timedelta(minutes=k) + j * self._tick

    def next_tick(self, at: datetime) -> datetime:
        """When the quote next changes: the next tick, or the next session's open."""
        if self.calendar.is_open(at):
            following = self.tick_at(at) + self._tick
            if self.calendar.is_open(following):
                return following
            at = following
        return self.calendar.session_open(at)

    def book(self, conid: int, at: datetime, *, levels: int = 5) -> list[BookLevel]:
        """The order book at the tick containing ``at``: ``levels`` offers a cent apart from
        the ask up, and ``levels`` bids down from the bid, highest price first. The best
        level on each side shows the quote's size; deeper sizes are round lots."""
        if not 1 <= levels <= MAX_BOOK_LEVELS:
            raise InvalidInput(f"A book has 1 to {MAX_BOOK_LEVELS} levels a side.")
        quote = self.quote(conid, at)
        stamp = int(quote.at.timestamp() * 1000)
        cent = Decimal("0.01")

        def size(side: int, level: int, best: int) -> int:
            return (
                best
                if level == 0
                else _lot_size(mix(self.seed, conid, stamp, side, level, _SALT_BOOK))
            )

        asks = [
            BookLevel(quote.ask + cent * i, 0, size(1, i, quote.ask_size))
            for i in reversed(range(levels))
        ]
        bids = [
            BookLevel(quote.bid - cent * i, size(0, i, quote.bid_size), 0)
            for i in range(levels)
            if quote.bid - cent * i > 0
        ]
        return asks + bids

    # --- foreign exchange ----------------------------------------------------------------------
    def currencies(self) -> list[str]:
        return sorted(PER_USD)

    def fx_rate(self, source: str, target: str, at: datetime) -> Decimal:
        """Units of ``target`` one ``source`` buys (``adapters/marketdata/fx.py``)."""
        return _fx_rate(source, target, at, seed=self.seed)

    # --- bars ----------------------------------------------------------------------------------
    def history(self, conid: int, *, end: datetime, bar_seconds: int, count: int) -> list[Bar]:
        """The ``count`` bars up to ``end``, oldest first; the last one may still be forming.

        ``bar_seconds``: a multiple of 60 below a day (bars start at the session open and
        cover the regular session only), 86400 (daily) or 604800 (weekly, by ISO week).
        Bars agree with :meth:`quote`: the last bar closes at the quote's last price.
        """
        profile = self._profile(conid)
        if not 1 <= count <= MAX_BARS:
            raise InvalidInput(f"count must be between 1 and {MAX_BARS}.")
        position = self._locate(end)
        if bar_seconds == DAILY_BAR_SECONDS:
            return _oldest_first(self._daily_bars(profile, position), count)
        if bar_seconds == WEEKLY_BAR_SECONDS:
            return self._weekly(profile, position, count)
        if bar_seconds % 60 == 0 and 60 <= bar_seconds < DAILY_BAR_SECONDS:
            return _oldest_first(self._intraday_bars(profile, position, bar_seconds // 60), count)
        raise InvalidInput(
            "bar_seconds must be a multiple of 60 below a day, 86400 (daily) or 604800 (weekly)."
        )

    def _bar(self, profile: InstrumentProfile, day: date, first: int, last: int, tick: int) -> Bar:
        session = self._paths.session(profile, day)
        o, h, low, c, v = session.span(first, last, tick)
        return Bar(
            t=session.opens_at + timedelta(minutes=first),
            o=_money(o),
            h=_money(h),
            l=_money(low),
            c=_money(c),
            v=v,
        )

    def _earlier(self, day: date) -> _Position:
        """The final tick of the session before ``day``."""
        before = self.calendar.previous_trading_day(day)
        return before, self._paths.minutes(before) - 1, self._ticks - 1

    def _intraday_bars(
        self, profile: InstrumentProfile, position: _Position, size: int
    ) -> Iterator[Bar]:
        day, k, j = position
        while True:
            minutes = self._paths.minutes(day)
            for index in range(k // size, -1, -1):
                first = index * size
                last = min(first + size, minutes) - 1
                if last >= k:
                    yield self._bar(profile, day, first, k, j)
                else:
                    yield self._bar(profile, day, first, last, self._ticks - 1)
            day, k, j = self._earlier(day)

    def _daily_bars(self, profile: InstrumentProfile, position: _Position) -> Iterator[Bar]:
        day, k, j = position
        if (k, j) != (self._paths.minutes(day) - 1, self._ticks - 1):
            yield self._bar(profile, day, 0, k, j)  # today, still forming
            day, k, j = self._earlier(day)
        while True:
            o, h, low, c, v = self._paths.summary(profile, day)
            opens_at = self._paths.bounds(day)[0]
            yield Bar(t=opens_at, o=_money(o), h=_money(h), l=_money(low), c=_money(c), v=v)
            day, k, j = self._earlier(day)

    def _weekly(self, profile: InstrumentProfile, position: _Position, count: int) -> list[Bar]:
        weeks: list[list[Bar]] = []
        current: tuple[int, int] | None = None
        for bar in self._daily_bars(profile, position):
            iso = self.calendar.local_date(bar.t).isocalendar()
            if (iso.year, iso.week) != current:
                if len(weeks) == count:
                    break
                weeks.append([])
                current = (iso.year, iso.week)
            weeks[-1].append(bar)
        return [_merge(days[::-1]) for days in reversed(weeks)]

    # --- helpers -------------------------------------------------------------------------------
    def _profile(self, conid: int) -> InstrumentProfile:
        profile = self._profiles.get(conid)
        if profile is None:
            raise UnknownInstrument(f"No instrument has the contract id {conid!r}.")
        return profile

    def _locate(self, at: datetime) -> _Position:
        """Where the quote in force at ``at`` sits: inside a session, or that session's end."""
        if self._located is not None and self._located[0] == at:
            return self._located[1]
        calendar = self.calendar
        day = calendar.local_date(at)
        position: _Position | None = None
        if calendar.is_trading_day(day):
            opens, closes = self._paths.bounds(day)
            if opens <= at < closes:
                elapsed = (at - opens) // timedelta(microseconds=1)
                tick_us = self._tick // timedelta(microseconds=1)
                position = (day, elapsed // _MINUTE_US, elapsed % _MINUTE_US // tick_us)
            elif at >= closes:
                position = (day, self._paths.minutes(day) - 1, self._ticks - 1)
        if position is None:
            position = self._earlier(day)
        self._located = (at, position)
        return position


def _oldest_first(bars: Iterator[Bar], count: int) -> list[Bar]:
    taken = [bar for _, bar in zip(range(count), bars, strict=False)]
    taken.reverse()
    return taken


def _merge(days: Sequence[Bar]) -> Bar:
    return Bar(
        t=days[0].t,
        o=days[0].o,
        h=max(d.h for d in days),
        l=min(d.l for d in days),
        c=days[-1].c,
        v=sum(d.v for d in days),
    )


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _lot_size(noise: int) -> int:
    """A displayed size in round lots: often a single lot (so fills are partial), up to 2,000."""
    if noise % 100 < 20:
        return 100
    return 100 * (2 + (noise >> 8) % 19)
