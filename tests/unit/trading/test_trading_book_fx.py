"""The simulator's order book (levels of bid and ask size around the quote) and its FX rates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gatehouse.adapters.marketdata.simulator import MarketSimulator
from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.instruments import INSTRUMENTS

START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("instrument", INSTRUMENTS[:10], ids=lambda i: i.symbol)
def test_the_book_brackets_the_quote(instrument) -> None:
    market = MarketSimulator(start=START)
    at = START + timedelta(minutes=7)
    quote = market.quote(instrument.conid, at)
    book = market.book(instrument.conid, at, levels=5)
    asks = [level for level in book if level.ask_size]
    bids = [level for level in book if level.bid_size]
    assert len(asks) == 5 and len(bids) == 5
    assert [level.price for level in book] == sorted((lv.price for lv in book), reverse=True)
    assert min(a.price for a in asks) == quote.ask and max(b.price for b in bids) == quote.bid
    assert asks[-1].ask_size == quote.ask_size and bids[0].bid_size == quote.bid_size
    assert all(level.bid_size % 100 == 0 and level.ask_size % 100 == 0 for level in book)
    assert book == MarketSimulator(start=START).book(instrument.conid, at, levels=5)  # pure


def test_book_depth_is_bounded() -> None:
    market = MarketSimulator(start=START)
    with pytest.raises(InvalidInput):
        market.book(INSTRUMENTS[0].conid, START, levels=0)
    with pytest.raises(InvalidInput):
        market.book(INSTRUMENTS[0].conid, START, levels=21)


def test_fx_rates_are_reciprocal_and_near_their_level() -> None:
    market = MarketSimulator(start=START)
    for at in (START, START + timedelta(days=3, minutes=17)):
        eur = market.fx_rate("USD", "EUR", at)
        assert Decimal("0.90") < eur < Decimal("0.94")
        assert abs(eur * market.fx_rate("EUR", "USD", at) - 1) < Decimal("0.00001")
        assert market.fx_rate("USD", "USD", at) == 1
    assert market.fx_rate("USD", "JPY", START) != market.fx_rate(
        "USD", "JPY", START + timedelta(days=1)
    )
    with pytest.raises(InvalidInput):
        market.fx_rate("USD", "XYZ", START)
