"""A deterministic market-data simulator: reproducible quotes and bars for the bundled instruments.

Every price is a pure function of (seed, conid, trading day, minute, tick), so the same seed
and instant give the same quote whatever order calls arrive in; caches only save time.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from gatehouse.domain.errors import InvalidInput, UnknownInstrument
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.instruments import INSTRUMENTS, Instrument, InstrumentKind
from gatehouse.domain.trading.quotes import Bar, Quote

DAILY_BAR_SECONDS = 86_400
WEEKLY_BAR_SECONDS = 7 * DAILY_BAR_SECONDS
MAX_BARS = 10_000

_MASK = (1 << 64) - 1
_MINUTE_US = 60_000_000
_MEAN_REVERSION = 0.01  # daily pull of the log price back towards the base price
_GAP_SHARE = 0.3  # share of the daily variance that happens overnight
_SALT_PROFILE, _SALT_GAP, _SALT_DAY, _SALT_SKELETON, _SALT_TICK = 1, 2, 3, 4, 5
_SKELETON_CACHE = 512


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _hash(*parts: int) -> int:
    h = 0
    for part in parts:
        h = _splitmix(h ^ (part & _MASK))
    return h


def _uniform(*parts: int) -> float:
    """A uniform float in [0, 1) from the hash of ``parts``."""
    return (_hash(*parts) >> 11) * (1.0 / (1 << 53))


def _normal(*parts: int) -> float:
    """A standard normal from the hash of ``parts`` (Box-Muller)."""
    u1 = _uniform(*parts, 0)
    u2 = _uniform(*parts, 1)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


def _lerp(x: int, y: int, num: int, den: int) -> int:
    """x + (y - x) * num / den, rounded to the nearest cent."""
    return x + (2 * (y - x) * num + den) // (2 * den)


@dataclass(frozen=True, slots=True)
class _Profile:
    instrument: Instrument
    base_cents: int
    daily_sigma: float
    daily_shares: int
    spread_bps: int


@dataclass(slots=True)
class _Day:
    """One session of one instrument at one-minute resolution (prices in cents).

    Inside minute ``k`` the price moves in straight lines from the open (position 0)
    through the high and the low (positions ``i1 < i2``, in either order) to the close
    (position ``n``); tick ``j`` of the minute is position ``j + 1``.
    """

    open_at: datetime
    minutes: int
    o: array[int]
    h: array[int]
    lo: array[int]
    c: array[int]
    i1: array[int]
    i2: array[int]
    high_first: array[int]
    vol: array[int]
    pre_high: array[int]  # pre_high[k]: session high before minute k (the open included)
    pre_low: array[int]
    pre_vol: array[int]


class MarketSimulator:
    """Quotes and bars for ``instruments``, ticking every ``tick_seconds`` in regular sessions.

    The price of each instrument follows a mean-reverting geometric random walk from its
    ``base_price``: the session of the trading day containing ``start`` opens at the base
    price, earlier and later days walk away from it; overnight gaps are part of the walk.
    Outside the session the quote stays at the last session's close. Not thread-safe.
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
        self._tick_us = tick_us
        self._ticks = _MINUTE_US // tick_us
        self._profiles = {i.conid: self._profile(i) for i in instruments}
        self._anchor = self.calendar.trading_day(start)
        self._walks: dict[int, dict[date, tuple[float, float]]] = {}
        self._walk_edges: dict[int, tuple[date, date]] = {}
        self._bounds: dict[date, tuple[datetime, datetime]] = {}
        self._days: OrderedDict[tuple[int, date], _Day] = OrderedDict()
        self._located: tuple[datetime, tuple[date, int, int]] | None = None
        self._last_quote: dict[int, tuple[tuple[date, int, int], Quote]] = {}

    # --- public API --------------------------------------------------------------------------
    @property
    def instruments(self) -> list[Instrument]:
        return [p.instrument for p in self._profiles.values()]

    def quote(self, conid: int, at: datetime) -> Quote:
        """The quote for ``conid`` at the tick containing ``at`` (``Quote.at`` is that tick)."""
        profile = self._require(conid)
        position = self._locate(at)
        cached = self._last_quote.get(conid)
        if cached is not None and cached[0] == position:
            return cached[1]
        day, k, j = position
        session = self._day(profile, day)
        price, high, low = self._running(session, k, j + 1)
        n = self._ticks
        volume = session.pre_vol[k] + (session.vol[k] * (j + 1) // n) // 100 * 100
        noise = _hash(self.seed, conid, day.toordinal(), k * 65_536 + j, _SALT_TICK)
        spread = max(1 + noise % 3, round(price * profile.spread_bps / 10_000))
        bid = max(price - (noise >> 8) % (spread + 1), 1)
        prior_close = self._cents(profile, self._walk(profile, self.calendar.previous_trading_day(day))[1])
        last = _money(price)
        quote = Quote(
            conid=conid,
            bid=_money(bid),
            ask=_money(bid + spread),
            bid_size=_lot_size(noise >> 16),
            ask_size=_lot_size(noise >> 32),
            last=last,
            last_size=100 * (1 + (noise >> 48) % 5),
            volume=volume,
            open=_money(session.o[0]),
            high=_money(max(session.pre_high[k], high)),
            low=_money(min(session.pre_low[k], low)),
            close=last,
            prior_close=_money(prior_close),
            at=session.open_at + timedelta(minutes=k, microseconds=j * self._tick_us),
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
        return self._session_bounds(day)[0] + timedelta(minutes=k, microseconds=j * self._tick_us)

    def next_tick(self, at: datetime) -> datetime:
        """When the quote next changes: the next tick, or the next session's open."""
        if self.calendar.is_open(at):
            following = self.tick_at(at) + timedelta(microseconds=self._tick_us)
            if following < self._session_bounds(self.calendar.local_date(at))[1]:
                return following
            at = following
        return self.calendar.session_open(at)

    def history(self, conid: int, *, end: datetime, bar_seconds: int, count: int) -> list[Bar]:
        """The ``count`` bars up to ``end``, oldest first; the last one may still be forming.

        ``bar_seconds``: a multiple of 60 below a day (bars start at the session open and
        cover the regular session only), 86400 (daily) or 604800 (weekly, by ISO week).
        Bars agree with :meth:`quote`: the last bar closes at the quote's last price.
        """
        profile = self._require(conid)
        if not 1 <= count <= MAX_BARS:
            raise InvalidInput(f"count must be between 1 and {MAX_BARS}.")
        day, k, j = self._locate(end)
        if bar_seconds == DAILY_BAR_SECONDS:
            return self._daily(profile, day, k, j, count)
        if bar_seconds == WEEKLY_BAR_SECONDS:
            return self._weekly(profile, day, k, j, count)
        if bar_seconds % 60 == 0 and 60 <= bar_seconds < DAILY_BAR_SECONDS:
            return self._intraday(profile, day, k, j, bar_seconds // 60, count)
        raise InvalidInput(
            "bar_seconds must be a multiple of 60 below a day, 86400 (daily) or 604800 (weekly)."
        )

    # --- time ----------------------------------------------------------------------------------
    def _session_bounds(self, day: date) -> tuple[datetime, datetime]:
        bounds = self._bounds.get(day)
        if bounds is None:
            bounds = self._bounds[day] = self.calendar.session_bounds(day)
        return bounds

    def _locate(self, at: datetime) -> tuple[date, int, int]:
        """(trading day, minute, tick) of the quote in force at ``at``."""
        if self._located is not None and self._located[0] == at:
            return self._located[1]
        calendar = self.calendar
        day = calendar.local_date(at)
        position: tuple[date, int, int] | None = None
        if calendar.is_trading_day(day):
            opens, closes = self._session_bounds(day)
            if opens <= at < closes:
                elapsed = (at - opens) // timedelta(microseconds=1)
                position = (day, elapsed // _MINUTE_US, elapsed % _MINUTE_US // self._tick_us)
            elif at < opens:
                day = calendar.previous_trading_day(day)
        else:
            day = calendar.previous_trading_day(day)
        if position is None:
            opens, closes = self._session_bounds(day)
            minutes = (closes - opens) // timedelta(minutes=1)
            position = (day, minutes - 1, self._ticks - 1)
        self._located = (at, position)
        return position

    # --- the price path ------------------------------------------------------------------------
    def _require(self, conid: int) -> _Profile:
        profile = self._profiles.get(conid)
        if profile is None:
            raise UnknownInstrument(f"No instrument has the contract id {conid!r}.")
        return profile

    @staticmethod
    def _profile(instrument: Instrument) -> _Profile:
        u1 = _uniform(instrument.conid, _SALT_PROFILE, 1)
        u2 = _uniform(instrument.conid, _SALT_PROFILE, 2)
        if instrument.kind is InstrumentKind.ETF:
            annual_vol, shares, bps = 0.12 + 0.10 * u1, 10_000_000 + 70_000_000 * u2, 1
        else:
            annual_vol, shares, bps = 0.20 + 0.35 * u1, 5_000_000 + 55_000_000 * u2, 2
        return _Profile(
            instrument=instrument,
            base_cents=max(int(instrument.base_price * 100), 1),
            daily_sigma=annual_vol / math.sqrt(252),
            daily_shares=int(shares),
            spread_bps=bps,
        )

    @staticmethod
    def _cents(profile: _Profile, log_price: float) -> int:
        return max(1, round(profile.base_cents * math.exp(log_price)))

    def _walk(self, profile: _Profile, day: date) -> tuple[float, float]:
        """(log open, log close) of ``day`` relative to the base price."""
        conid = profile.instrument.conid
        walk = self._walks.get(conid)
        if walk is None:
            first = self._anchor
            walk = self._walks[conid] = {first: (0.0, self._intraday_move(profile, first, 0.0))}
            self._walk_edges[conid] = (first, first)
        found = walk.get(day)
        if found is not None:
            return found
        earliest, latest = self._walk_edges[conid]
        gap_sigma = profile.daily_sigma * math.sqrt(_GAP_SHARE)
        calendar = self.calendar
        while latest < day:
            nxt = calendar.next_trading_day(latest)
            opens = walk[latest][1] + gap_sigma * _normal(self.seed, conid, nxt.toordinal(), _SALT_GAP)
            walk[nxt] = (opens, self._intraday_move(profile, nxt, opens))
            latest = nxt
        while earliest > day:
            before = calendar.previous_trading_day(earliest)
            gap = gap_sigma * _normal(self.seed, conid, earliest.toordinal(), _SALT_GAP)
            closes = walk[earliest][0] - gap
            intraday = self._intraday_move(profile, before, 0.0)  # noise term only
            walk[before] = ((1 - _MEAN_REVERSION) * closes - intraday, closes)
            earliest = before
        self._walk_edges[conid] = (earliest, latest)
        return walk[day]

    def _intraday_move(self, profile: _Profile, day: date, opens: float) -> float:
        """The log close of ``day`` from its log open: mean reversion plus the day's move."""
        sigma = profile.daily_sigma * math.sqrt(1 - _GAP_SHARE)
        noise = sigma * _normal(self.seed, profile.instrument.conid, day.toordinal(), _SALT_DAY)
        return (1 - _MEAN_REVERSION) * opens + noise

    def _day(self, profile: _Profile, day: date) -> _Day:
        key = (profile.instrument.conid, day)
        found = self._days.get(key)
        if found is not None:
            self._days.move_to_end(key)
            return found
        built = self._build_day(profile, day)
        self._days[key] = built
        if len(self._days) > _SKELETON_CACHE:
            self._days.popitem(last=False)
        return built

    def _build_day(self, profile: _Profile, day: date) -> _Day:
        opens_at, closes_at = self._session_bounds(day)
        minutes = (closes_at - opens_at) // timedelta(minutes=1)
        log_open, log_close = self._walk(profile, day)
        conid = profile.instrument.conid
        rng = random.Random(_hash(self.seed, conid, day.toordinal(), _SALT_SKELETON))
        step = profile.daily_sigma * math.sqrt(1 - _GAP_SHARE) / math.sqrt(minutes)
        gauss = rng.gauss
        walk = [0.0] * (minutes + 1)
        total = 0.0
        for k in range(1, minutes + 1):
            total += gauss(0.0, step)
            walk[k] = total
        drift = log_close - log_open
        weights = [1.0 + 1.5 * (2.0 * (k + 0.5) / minutes - 1.0) ** 2 for k in range(minutes)]
        per_weight = profile.daily_shares / sum(weights)
        n = self._ticks
        o, h, lo, c = array("q"), array("q"), array("q"), array("q")
        i1s, i2s, firsts, vol = array("q"), array("q"), array("b"), array("q")
        previous = self._cents(profile, log_open)
        close_cents = self._cents(profile, log_close)
        for k in range(minutes):
            frac = (k + 1) / minutes
            if k == minutes - 1:
                now = close_cents
            else:
                now = self._cents(profile, log_open + frac * drift + walk[k + 1] - frac * total)
            top, bottom = max(previous, now), min(previous, now)
            o.append(previous)
            h.append(top + round(abs(gauss(0.0, 0.5)) * step * top))
            lo.append(max(1, bottom - round(abs(gauss(0.0, 0.5)) * step * bottom)))
            c.append(now)
            first = rng.randrange(1, n - 1)
            i1s.append(first)
            i2s.append(rng.randrange(first + 1, n))
            firsts.append(1 if rng.random() < 0.5 else 0)
            shares = per_weight * weights[k] * rng.lognormvariate(0.0, 0.4)
            vol.append(max(100, round(shares / 100) * 100))
            previous = now
        pre_high, pre_low, pre_vol = array("q", [o[0]]), array("q", [o[0]]), array("q", [0])
        for k in range(minutes):
            pre_high.append(max(pre_high[k], h[k]))
            pre_low.append(min(pre_low[k], lo[k]))
            pre_vol.append(pre_vol[k] + vol[k])
        return _Day(opens_at, minutes, o, h, lo, c, i1s, i2s, firsts, vol, pre_high, pre_low, pre_vol)

    def _running(self, session: _Day, k: int, position: int) -> tuple[int, int, int]:
        """(price, high, low) of minute ``k`` from its open through ``position`` (1..n)."""
        o, c = session.o[k], session.c[k]
        i1, i2 = session.i1[k], session.i2[k]
        a, b = (session.h[k], session.lo[k]) if session.high_first[k] else (session.lo[k], session.h[k])
        if position <= i1:
            price = _lerp(o, a, position, i1)
        elif position <= i2:
            price = _lerp(a, b, position - i1, i2 - i1)
        else:
            price = _lerp(b, c, position - i2, self._ticks - i2)
        high, low = max(o, price), min(o, price)
        if position >= i1:
            high, low = max(high, a), min(low, a)
        if position >= i2:
            high, low = max(high, b), min(low, b)
        return price, high, low

    # --- bars ----------------------------------------------------------------------------------
    def _bar(self, session: _Day, first: int, last: int, tick: int) -> Bar:
        """The bar of minutes ``first..last``, the last one only through ``tick``."""
        price, high, low = self._running(session, last, tick + 1)
        for k in range(first, last):
            high = max(high, session.h[k])
            low = min(low, session.lo[k])
        partial = (session.vol[last] * (tick + 1) // self._ticks) // 100 * 100
        return Bar(
            t=session.open_at + timedelta(minutes=first),
            o=_money(session.o[first]),
            h=_money(high),
            l=_money(low),
            c=_money(price),
            v=session.pre_vol[last] - session.pre_vol[first] + partial,
        )

    def _intraday(
        self, profile: _Profile, day: date, k: int, j: int, size: int, count: int
    ) -> list[Bar]:
        bars: list[Bar] = []
        while True:
            session = self._day(profile, day)
            for index in range(k // size, -1, -1):
                first = index * size
                last = min(first + size, session.minutes) - 1
                bars.append(self._bar(session, first, min(last, k), j if last >= k else self._ticks - 1))
                if len(bars) == count:
                    bars.reverse()
                    return bars
            day = self.calendar.previous_trading_day(day)
            k, j = self._minutes(day) - 1, self._ticks - 1

    def _minutes(self, day: date) -> int:
        opens, closes = self._session_bounds(day)
        return (closes - opens) // timedelta(minutes=1)

    def _daily_bars(self, profile: _Profile, day: date, k: int, j: int) -> Iterable[Bar]:
        """Daily bars backwards from ``day`` (which is complete through minute k, tick j)."""
        while True:
            session = self._day(profile, day)
            bar = self._bar(session, 0, k, j)
            yield bar
            day = self.calendar.previous_trading_day(day)
            k, j = self._minutes(day) - 1, self._ticks - 1

    def _daily(self, profile: _Profile, day: date, k: int, j: int, count: int) -> list[Bar]:
        bars: list[Bar] = []
        for bar in self._daily_bars(profile, day, k, j):
            bars.append(bar)
            if len(bars) == count:
                break
        bars.reverse()
        return bars

    def _weekly(self, profile: _Profile, day: date, k: int, j: int, count: int) -> list[Bar]:
        weeks: list[list[Bar]] = []
        current: tuple[int, int] | None = None
        for bar in self._daily_bars(profile, day, k, j):
            week = self.calendar.local_date(bar.t).isocalendar()[:2]
            if week != current:
                if len(weeks) == count:
                    break
                weeks.append([])
                current = (week[0], week[1])
            weeks[-1].append(bar)
        return [_merge(list(reversed(days))) for days in reversed(weeks)]


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
