"""The simulator's price model: a reproducible one-minute path per instrument and trading day.

Built on a counter-based hash of (seed, conid, day, ...), so any day can be rebuilt alone.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.instruments import Instrument, InstrumentKind

_MASK = (1 << 64) - 1
MEAN_REVERSION = 0.01  # daily pull of the log price back towards the base price
GAP_SHARE = 0.3  # share of the daily variance that happens overnight
_SALT_PROFILE, _SALT_GAP, _SALT_DAY, _SALT_SESSION, _SALT_RANGE = 1, 2, 3, 4, 6


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def mix(*parts: int) -> int:
    """A stable 64-bit hash of integers (splitmix64 chained over the parts)."""
    h = 0
    for part in parts:
        h = _splitmix(h ^ (part & _MASK))
    return h


def uniform(*parts: int) -> float:
    """A uniform float in [0, 1) determined by ``parts``."""
    return (mix(*parts) >> 11) * (1.0 / (1 << 53))


def normal(*parts: int) -> float:
    """A standard normal determined by ``parts`` (Box-Muller)."""
    u1 = uniform(*parts, 0)
    u2 = uniform(*parts, 1)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


def _lerp(x: int, y: int, num: int, den: int) -> int:
    """x + (y - x) * num / den, rounded to a whole cent."""
    return x + (2 * (y - x) * num + den) // (2 * den)


@dataclass(frozen=True, slots=True)
class InstrumentProfile:
    """How an instrument moves: volatility, typical daily volume and quoted spread."""

    instrument: Instrument
    base_cents: int
    daily_sigma: float
    daily_shares: int
    spread_bps: int

    @classmethod
    def of(cls, instrument: Instrument) -> InstrumentProfile:
        """The profile depends on the conid only, so an instrument keeps its character."""
        u1 = uniform(instrument.conid, _SALT_PROFILE, 1)
        u2 = uniform(instrument.conid, _SALT_PROFILE, 2)
        if instrument.kind is InstrumentKind.ETF:
            annual_vol, shares, bps = 0.12 + 0.10 * u1, 10_000_000 + 70_000_000 * u2, 1
        else:
            annual_vol, shares, bps = 0.20 + 0.35 * u1, 5_000_000 + 55_000_000 * u2, 2
        return cls(
            instrument=instrument,
            base_cents=max(int(instrument.base_price * 100), 1),
            daily_sigma=annual_vol / math.sqrt(252),
            daily_shares=int(shares),
            spread_bps=bps,
        )

    def cents(self, log_price: float) -> int:
        return max(1, round(self.base_cents * math.exp(log_price)))


@dataclass(slots=True)
class SessionPath:
    """One session of one instrument at one-minute resolution; prices in cents.

    Inside minute ``k`` the price moves in straight lines from the open (position 0)
    through the high and the low (positions ``i1 < i2``, in either order) to the close
    (position ``ticks``); tick ``j`` of the minute is position ``j + 1``.
    """

    opens_at: datetime
    minutes: int
    ticks: int
    o: array[int]
    h: array[int]
    lo: array[int]
    c: array[int]
    i1: array[int]
    i2: array[int]
    high_first: array[int]
    vol: array[int]
    pre_high: array[int]  # pre_high[k]: the session high before minute k, the open included
    pre_low: array[int]
    pre_vol: array[int]

    def running(self, k: int, position: int) -> tuple[int, int, int]:
        """(price, high, low) of minute ``k`` from its open through ``position`` (1..ticks)."""
        o, i1, i2 = self.o[k], self.i1[k], self.i2[k]
        a, b = (self.h[k], self.lo[k]) if self.high_first[k] else (self.lo[k], self.h[k])
        if position <= i1:
            price = _lerp(o, a, position, i1)
        elif position <= i2:
            price = _lerp(a, b, position - i1, i2 - i1)
        else:
            price = _lerp(b, self.c[k], position - i2, self.ticks - i2)
        high, low = max(o, price), min(o, price)
        if position >= i1:
            high, low = max(high, a), min(low, a)
        if position >= i2:
            high, low = max(high, b), min(low, b)
        return price, high, low

    def volume_through(self, k: int, tick: int) -> int:
        """Shares traded in the session up to tick ``tick`` of minute ``k``, in round lots."""
        return self.pre_vol[k] + (self.vol[k] * (tick + 1) // self.ticks) // 100 * 100

    def span(self, first: int, last: int, tick: int) -> tuple[int, int, int, int, int]:
        """(open, high, low, close, volume) of minutes ``first..last``, the last to ``tick``."""
        price, high, low = self.running(last, tick + 1)
        if first == 0:
            high, low = max(high, self.pre_high[last]), min(low, self.pre_low[last])
        else:
            for k in range(first, last):
                high, low = max(high, self.h[k]), min(low, self.lo[k])
        volume = self.volume_through(last, tick) - self.pre_vol[first]
        return self.o[first], high, low, price, volume


class PricePaths:
    """Builds and caches :class:`SessionPath` objects for a seed.

    Day level: a mean-reverting walk of log prices over trading days, anchored at
    ``anchor`` (whose session opens at the base price) and walked both ways from it, plus
    each day's range and volume. Minute level: a Brownian bridge from the day's open to its
    close, stretched to touch the day's high and low.
    """

    def __init__(
        self, *, seed: int, calendar: TradingCalendar, anchor: date, ticks: int, cache: int = 512
    ) -> None:
        if ticks < 3:
            raise ValueError("a minute needs at least 3 ticks")
        self.seed = seed
        self.calendar = calendar
        self.anchor = anchor
        self.ticks = ticks
        self._cache_size = cache
        self._walks: dict[int, dict[date, tuple[float, float]]] = {}
        self._edges: dict[int, tuple[date, date]] = {}
        self._bounds: dict[date, tuple[datetime, datetime]] = {}
        self._sessions: OrderedDict[tuple[int, date], SessionPath] = OrderedDict()
        self._summaries: dict[tuple[int, date], tuple[int, int, int, int, int]] = {}

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        found = self._bounds.get(day)
        if found is None:
            found = self._bounds[day] = self.calendar.session_bounds(day)
        return found

    def minutes(self, day: date) -> int:
        opens, closes = self.bounds(day)
        return (closes - opens) // timedelta(minutes=1)

    def close_cents(self, profile: InstrumentProfile, day: date) -> int:
        """The official close of ``day`` (a trading day), without building its session."""
        return profile.cents(self._walk(profile, day)[1])

    def session(self, profile: InstrumentProfile, day: date) -> SessionPath:
        key = (profile.instrument.conid, day)
        found = self._sessions.get(key)
        if found is not None:
            self._sessions.move_to_end(key)
            return found
        built = self._build(profile, day)
        self._sessions[key] = built
        if len(self._sessions) > self._cache_size:
            self._sessions.popitem(last=False)
        return built

    def _move(self, profile: InstrumentProfile, day: date) -> float:
        sigma = profile.daily_sigma * math.sqrt(1 - GAP_SHARE)
        return sigma * normal(self.seed, profile.instrument.conid, day.toordinal(), _SALT_DAY)

    def _gap(self, profile: InstrumentProfile, day: date) -> float:
        sigma = profile.daily_sigma * math.sqrt(GAP_SHARE)
        return sigma * normal(self.seed, profile.instrument.conid, day.toordinal(), _SALT_GAP)

    def _walk(self, profile: InstrumentProfile, day: date) -> tuple[float, float]:
        """(log open, log close) of ``day`` relative to the base price."""
        conid = profile.instrument.conid
        walk = self._walks.get(conid)
        if walk is None:
            walk = self._walks[conid] = {self.anchor: (0.0, self._move(profile, self.anchor))}
            self._edges[conid] = (self.anchor, self.anchor)
        found = walk.get(day)
        if found is not None:
            return found
        earliest, latest = self._edges[conid]
        keep = 1 - MEAN_REVERSION
        while latest < day:
            after = self.calendar.next_trading_day(latest)
            opens = walk[latest][1] + self._gap(profile, after)
            walk[after] = (opens, keep * opens + self._move(profile, after))
            latest = after
        while earliest > day:
            before = self.calendar.previous_trading_day(earliest)
            closes = walk[earliest][0] - self._gap(profile, earliest)
            walk[before] = (keep * closes - self._move(profile, before), closes)
            earliest = before
        self._edges[conid] = (earliest, latest)
        return walk[day]

    def summary(self, profile: InstrumentProfile, day: date) -> tuple[int, int, int, int, int]:
        """(open, high, low, close, volume) of the whole of ``day``'s session, in O(1).

        Drawn first, at day level; the minute path of :meth:`session` is then fitted to it.
        """
        key = (profile.instrument.conid, day)
        found = self._summaries.get(key)
        if found is not None:
            return found
        log_open, log_close = self._walk(profile, day)
        opens, closes = profile.cents(log_open), profile.cents(log_close)
        top, bottom = max(opens, closes), min(opens, closes)
        sigma = profile.daily_sigma * math.sqrt(1 - GAP_SHARE)
        parts = (self.seed, profile.instrument.conid, day.toordinal(), _SALT_RANGE)
        high = top + round(top * sigma * (0.25 + 0.5 * abs(normal(*parts, 1))))
        low = max(1, bottom - round(bottom * sigma * (0.25 + 0.5 * abs(normal(*parts, 2)))))
        shares = profile.daily_shares * math.exp(0.3 * normal(*parts, 3))
        volume = max(round(shares / 100), self.minutes(day)) * 100
        found = self._summaries[key] = (opens, high, low, closes, volume)
        return found

    def _build(self, profile: InstrumentProfile, day: date) -> SessionPath:
        opens_at, _ = self.bounds(day)
        minutes = self.minutes(day)
        day_open, day_high, day_low, day_close, day_volume = self.summary(profile, day)
        rng = random.Random(
            mix(self.seed, profile.instrument.conid, day.toordinal(), _SALT_SESSION)
        )
        gauss, rand, log = rng.gauss, rng.random, math.log

        # A Brownian bridge from the open to the close, stretched to touch the day's range.
        walk = [0.0] * (minutes + 1)
        for k in range(1, minutes + 1):
            walk[k] = walk[k - 1] + gauss(0.0, 1.0)
        end = walk[minutes]
        bridge = [walk[k] - end * k / minutes for k in range(minutes + 1)]
        line = [day_open + (day_close - day_open) * k / minutes for k in range(minutes + 1)]
        up = min(((day_high - line[k]) / b for k, b in enumerate(bridge) if b > 0), default=0.0)
        down = min(((line[k] - day_low) / -b for k, b in enumerate(bridge) if b < 0), default=0.0)
        points = [
            min(day_high, max(day_low, round(line[k] + (up if b > 0 else down) * b)))
            for k, b in enumerate(bridge)
        ]
        points[0], points[minutes] = day_open, day_close

        step = profile.daily_sigma * math.sqrt(1 - GAP_SHARE) / math.sqrt(minutes)
        ticks = self.ticks
        o, h, lo, c = array("q"), array("q"), array("q"), array("q")
        i1s, i2s, firsts = array("q"), array("q"), array("q")
        weights = []
        for k in range(minutes):
            start, finish = points[k], points[k + 1]
            top, bottom = (start, finish) if start >= finish else (finish, start)
            o.append(start)
            c.append(finish)
            h.append(min(day_high, top + round(-log(1.0 - rand()) * 0.4 * step * top)))
            lo.append(max(day_low, bottom - round(-log(1.0 - rand()) * 0.4 * step * bottom)))
            bits = int(rand() * (1 << 40))
            first = 1 + bits % (ticks - 2)
            i1s.append(first)
            i2s.append(first + 1 + (bits >> 12) % (ticks - 1 - first))
            firsts.append((bits >> 24) & 1)
            weights.append((1.0 + 1.5 * (2.0 * (k + 0.5) / minutes - 1.0) ** 2) * (0.5 + rand()))
        h[max(range(minutes), key=h.__getitem__)] = day_high
        lo[min(range(minutes), key=lo.__getitem__)] = day_low

        # Volume in round lots: one lot a minute, the rest in proportion to the weights.
        lots = day_volume // 100 - minutes
        scale = lots / sum(weights)
        shares = [1 + int(w * scale) for w in weights]
        for k in range(lots + minutes - sum(shares)):
            shares[k % minutes] += 1
        vol = array("q", (100 * s for s in shares))

        pre_high, pre_low, pre_vol = array("q", [day_open]), array("q", [day_open]), array("q", [0])
        for k in range(minutes):
            pre_high.append(max(pre_high[k], h[k]))
            pre_low.append(min(pre_low[k], lo[k]))
            pre_vol.append(pre_vol[k] + vol[k])
        return SessionPath(
            opens_at, minutes, ticks, o, h, lo, c, i1s, i2s, firsts, vol, pre_high, pre_low, pre_vol
        )
