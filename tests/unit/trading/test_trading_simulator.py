"""Market simulator: deterministic quotes whatever the call order, sane books, consistent bars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.adapters.marketdata.price_path import InstrumentProfile, PricePaths, SessionPath
from gatehouse.adapters.marketdata.simulator import MarketSimulator
from gatehouse.domain.errors import InvalidInput, UnknownInstrument
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.instruments import INSTRUMENTS, by_conid
from gatehouse.domain.trading.quotes import Quote

START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York
OPEN = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)
CLOSE = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
AAPL, SPY, F = 265598, 756733, 9599491
CONIDS = [i.conid for i in INSTRUMENTS]


@pytest.fixture(scope="module")
def sim() -> MarketSimulator:
    return MarketSimulator(start=START)


def assert_sane(q: Quote) -> None:
    assert 0 < q.bid < q.ask
    assert q.bid <= q.last <= q.ask
    assert q.low <= q.last <= q.high and q.low <= q.open <= q.high
    assert q.low > 0 and q.prior_close > 0 and q.close == q.last
    for price in (q.bid, q.ask, q.last, q.open, q.high, q.low, q.prior_close):
        assert price == price.quantize(Decimal("0.01"))
    assert q.bid_size % 100 == 0 and 100 <= q.bid_size <= 2000
    assert q.ask_size % 100 == 0 and 100 <= q.ask_size <= 2000
    assert q.last_size % 100 == 0 and q.last_size > 0
    assert q.volume > 0 and q.volume % 100 == 0


# --- determinism ---------------------------------------------------------------------------------
instants = st.integers(min_value=-3 * 86_400, max_value=3 * 86_400).map(
    lambda s: START + timedelta(seconds=s)
)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    calls=st.lists(st.tuples(st.sampled_from(CONIDS), instants), min_size=1, max_size=8),
)
def test_same_seed_and_time_give_the_same_quote_in_any_call_order(
    seed: int, calls: list[tuple[int, datetime]]
) -> None:
    forward = MarketSimulator(seed=seed, start=START)
    backward = MarketSimulator(seed=seed, start=START)
    first = [forward.quote(conid, at) for conid, at in calls]
    second = [backward.quote(conid, at) for conid, at in reversed(calls)]
    assert first == second[::-1]
    for q in first:
        assert_sane(q)


def test_a_fresh_simulator_agrees_with_a_warm_one(sim: MarketSimulator) -> None:
    at = START + timedelta(hours=2, seconds=17)
    for conid in (AAPL, SPY, F):
        sim.history(conid, end=at, bar_seconds=60, count=500)
        sim.quote(conid, at - timedelta(days=1))
    fresh = MarketSimulator(start=START)
    assert fresh.quotes(at) == sim.quotes(at)


def test_seeds_give_different_markets() -> None:
    at = START + timedelta(hours=1)
    a = MarketSimulator(seed=1, start=START).quotes(at)
    b = MarketSimulator(seed=2, start=START).quotes(at)
    assert sum(a[c].last != b[c].last for c in CONIDS) > len(CONIDS) // 2


def test_the_anchor_session_opens_at_the_base_price(sim: MarketSimulator) -> None:
    for conid in (AAPL, SPY, F):
        assert sim.quote(conid, START).open == by_conid(conid).base_price


# --- quotes over a session ---------------------------------------------------------------------
def test_quotes_tick_and_volume_only_grows(sim: MarketSimulator) -> None:
    previous = None
    lasts = set()
    for second in range(0, 600, 7):
        q = sim.quote(AAPL, OPEN + timedelta(seconds=second))
        assert_sane(q)
        assert q.at == OPEN + timedelta(seconds=second)
        lasts.add(q.last)
        if previous is not None:
            assert q.volume >= previous.volume
            assert q.high >= previous.high and q.low <= previous.low
        previous = q
    assert len(lasts) > 5


def test_quote_is_that_of_the_tick(sim: MarketSimulator) -> None:
    q = sim.quote(AAPL, START + timedelta(milliseconds=999))
    assert q.at == START and q == sim.quote(AAPL, START)
    assert sim.tick_at(START + timedelta(milliseconds=999)) == START


def test_small_displayed_sizes_occur(sim: MarketSimulator) -> None:
    sizes = [sim.quote(F, START + timedelta(seconds=s)).ask_size for s in range(200)]
    assert 100 in sizes and max(sizes) > 100


def test_closed_market_shows_the_last_close(sim: MarketSimulator) -> None:
    friday_close = sim.quote(AAPL, datetime(2026, 3, 13, 20, 0, tzinfo=UTC))
    weekend = sim.quote(AAPL, datetime(2026, 3, 14, 12, 0, tzinfo=UTC))
    monday_early = sim.quote(AAPL, datetime(2026, 3, 16, 12, 0, tzinfo=UTC))
    assert friday_close == weekend == monday_early
    assert weekend.at == datetime(2026, 3, 13, 19, 59, 59, tzinfo=UTC)
    monday = sim.quote(AAPL, datetime(2026, 3, 16, 13, 30, tzinfo=UTC))
    assert monday.prior_close == weekend.last
    assert monday.volume < weekend.volume


def test_next_tick(sim: MarketSimulator) -> None:
    assert sim.next_tick(START + timedelta(milliseconds=300)) == START + timedelta(seconds=1)
    assert sim.next_tick(CLOSE - timedelta(milliseconds=500)) == datetime(
        2026, 3, 11, 13, 30, tzinfo=UTC
    )
    assert sim.next_tick(datetime(2026, 3, 14, 12, tzinfo=UTC)) == datetime(
        2026, 3, 16, 13, 30, tzinfo=UTC
    )


def test_always_open_calendar_ticks_at_weekends() -> None:
    sim = MarketSimulator(start=START, calendar=TradingCalendar(always_open=True))
    saturday = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    a, b = sim.quote(AAPL, saturday), sim.quote(AAPL, saturday + timedelta(minutes=5))
    assert_sane(a)
    assert a.at == saturday and b.at == saturday + timedelta(minutes=5)


def test_unknown_instrument_and_bad_settings() -> None:
    sim = MarketSimulator(start=START)
    with pytest.raises(UnknownInstrument):
        sim.quote(1, START)
    with pytest.raises(ValueError):
        MarketSimulator(start=START, tick_seconds=7)
    with pytest.raises(ValueError):
        MarketSimulator(start=START, tick_seconds=30)
    with pytest.raises(ValueError):
        MarketSimulator(start=datetime(2026, 3, 10))
    fast = MarketSimulator(start=START, tick_seconds=0.25)
    assert fast.quote(AAPL, START + timedelta(milliseconds=260)).at == START + timedelta(
        milliseconds=250
    )


def test_quotes_for_all_instruments_build_each_days_path_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # what keeps a quote cheap (a few running sums over a path built once per instrument and
    # day), counted rather than timed: a loaded machine cannot sway a count
    built: list[tuple[int, object]] = []
    build = PricePaths._build

    def counting(self: PricePaths, profile: InstrumentProfile, day: date) -> SessionPath:
        built.append((profile.instrument.conid, day))
        return build(self, profile, day)

    monkeypatch.setattr(PricePaths, "_build", counting)
    sim = MarketSimulator(start=START)  # its own, with nothing built yet
    first = sim.quotes(START)  # builds today's sessions (and those a quote looks back on)
    assert len(first) == len(CONIDS) and len(built) == len(set(built)) >= len(CONIDS)
    before = len(built)
    for second in range(1, 21):
        assert len(sim.quotes(START + timedelta(seconds=second))) == len(CONIDS)
    assert len(built) == before  # 20 more seconds of quotes: no path built again


# --- bars ---------------------------------------------------------------------------------------
def test_daily_bars_agree_with_quotes(sim: MarketSimulator) -> None:
    at = START + timedelta(hours=3, seconds=21)
    q = sim.quote(AAPL, at)
    bars = sim.history(AAPL, end=at, bar_seconds=86_400, count=30)
    assert len(bars) == 30
    today = bars[-1]
    assert (today.o, today.h, today.l, today.c, today.v) == (
        q.open,
        q.high,
        q.low,
        q.last,
        q.volume,
    )
    assert today.t == OPEN
    assert bars[-2].c == q.prior_close
    assert all(a.t < b.t for a, b in pairwise(bars))
    for bar in bars:
        assert 0 < bar.l <= min(bar.o, bar.c) <= max(bar.o, bar.c) <= bar.h and bar.v > 0


def test_past_daily_bars_match_that_days_final_quote(sim: MarketSimulator) -> None:
    bars = sim.history(SPY, end=START, bar_seconds=86_400, count=5)
    monday = sim.quote(SPY, datetime(2026, 3, 9, 21, 0, tzinfo=UTC))
    assert (bars[-2].o, bars[-2].h, bars[-2].l, bars[-2].c, bars[-2].v) == (
        monday.open,
        monday.high,
        monday.low,
        monday.last,
        monday.volume,
    )


def test_minute_bars_add_up_to_the_session(sim: MarketSimulator) -> None:
    at = OPEN + timedelta(minutes=47, seconds=30)
    q = sim.quote(F, at)
    minutes = sim.history(F, end=at, bar_seconds=60, count=48)
    assert minutes[0].t == OPEN and minutes[-1].t == OPEN + timedelta(minutes=47)
    assert sum(b.v for b in minutes) == q.volume
    assert max(b.h for b in minutes) == q.high and min(b.l for b in minutes) == q.low
    assert minutes[0].o == q.open and minutes[-1].c == q.last
    assert all(a.c == b.o for a, b in pairwise(minutes))
    five = sim.history(F, end=at, bar_seconds=300, count=10)
    assert [b.t for b in five] == [OPEN + timedelta(minutes=5 * i) for i in range(10)]
    first = minutes[:5]
    assert (five[0].o, five[0].h, five[0].l, five[0].c, five[0].v) == (
        first[0].o,
        max(b.h for b in first),
        min(b.l for b in first),
        first[-1].c,
        sum(b.v for b in first),
    )


def test_intraday_bars_cross_into_the_previous_session(sim: MarketSimulator) -> None:
    hours = sim.history(AAPL, end=OPEN + timedelta(minutes=30), bar_seconds=3600, count=9)
    assert hours[-1].t == OPEN
    assert hours[-2].t == datetime(2026, 3, 9, 19, 30, tzinfo=UTC)  # the 30-minute last bar
    assert hours[0].t == datetime(2026, 3, 6, 20, 30, tzinfo=UTC)  # Friday, still EST


def test_weekly_bars(sim: MarketSimulator) -> None:
    weeks = sim.history(AAPL, end=START, bar_seconds=604_800, count=3)
    days = sim.history(AAPL, end=START, bar_seconds=86_400, count=12)
    this_week = [d for d in days if d.t >= datetime(2026, 3, 9, tzinfo=UTC)]
    assert weeks[-1].t == this_week[0].t and weeks[-1].c == this_week[-1].c
    assert weeks[-1].v == sum(d.v for d in this_week)
    assert weeks[-2].t == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def test_bad_history_requests(sim: MarketSimulator) -> None:
    for bar_seconds in (30, 90, 2 * 86_400):
        with pytest.raises(InvalidInput):
            sim.history(AAPL, end=START, bar_seconds=bar_seconds, count=1)
    for count in (0, 10_001):
        with pytest.raises(InvalidInput):
            sim.history(AAPL, end=START, bar_seconds=60, count=count)
    with pytest.raises(UnknownInstrument):
        sim.history(1, end=START, bar_seconds=60, count=1)
