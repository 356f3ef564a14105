"""Brackets, OCA groups, trailing stops and outsideRth through the TWS API with the real
ib_async client against a real Gatehouse server whose market the test sets by hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
from ib_async import IB, Contract, LimitOrder, MarketOrder, Order, Stock, Trade
from tests.support.sync import EVENTUALLY
from tests.support.trading import AAPL, ScriptedMarket, step, trader
from tests.support.tws import tws_server


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def market(runtime: Any) -> ScriptedMarket:
    scripted = ScriptedMarket()
    scripted.set(AAPL, bid="99.99", ask="100.01")
    runtime.ctx.market = scripted
    runtime.ctx.trading = type(runtime.ctx.trading)(  # no questions about these prices
        **{**runtime.ctx.trading.__dict__, "price_percentage": Decimal(1000)}
    )
    return scripted


async def until(condition: Callable[[], object], timeout: float = EVENTUALLY) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@asynccontextmanager
async def bots(client: Any, base_url: str, alice: Any, clock: Any) -> AsyncIterator[
    tuple[IB, IB, Contract, list[tuple[int, int]]]
]:  # fmt: skip
    """A trading bot (clientId 3), clientId 0 watching every order, AAPL, the bot's errors."""
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token) as (_server, port):
        ib, ib0 = IB(), IB()
        errors: list[tuple[int, int]] = []
        ib.errorEvent += lambda req_id, code, *rest: errors.append((req_id, code))
        await ib.connectAsync("127.0.0.1", port, clientId=3, timeout=15)
        await ib0.connectAsync("127.0.0.1", port, clientId=0, timeout=15)
        try:
            [aapl] = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
            yield ib, ib0, aapl, errors
        finally:
            ib.disconnect()
            ib0.disconnect()


def seen(ib0: IB, trade: Trade) -> Order | None:
    """The order as clientId 0 decoded it from its own openOrder messages."""
    for other in ib0.trades():
        if other.order.orderId == trade.order.orderId and other.order.clientId == 3:
            return other.order
    return None


def rejected(errors: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [e for e in errors if e[1] in (200, 201, 321, 322)]


def status(trade: Trade) -> str:
    return trade.orderStatus.status


async def test_a_bracket_whose_take_profit_fills_cancels_its_stop(
    runtime, client, base_url, alice, clock, market
):
    async with bots(client, base_url, alice, clock) as (ib, _ib0, aapl, errors):
        parent, take, stop = ib.bracketOrder("BUY", 10, 100.05, 99.90, 95.0)
        trades = [ib.placeOrder(aapl, o) for o in (parent, take, stop)]
        # one request: the parent fills at once, its released children meet the market
        await until(lambda: [status(t) for t in trades] == ["Filled", "Filled", "Cancelled"])
        assert trades[1].orderStatus.avgFillPrice == 99.99  # sold at the bid
        assert (stop.orderId, 202) in errors and not rejected(errors)
        await until(lambda: len(ib.fills()) == 2)


async def test_cancelling_a_bracket_parent_cancels_its_children(
    runtime, client, base_url, alice, clock, market
):
    async with bots(client, base_url, alice, clock) as (ib, ib0, aapl, errors):
        parent, take, stop = ib.bracketOrder("BUY", 10, 99.00, 101.0, 95.0, tif="GTC")
        trades = [ib.placeOrder(aapl, o) for o in (parent, take, stop)]
        await until(
            lambda: [status(t) for t in trades] == ["Submitted", "PreSubmitted", "PreSubmitted"]
        )
        await until(lambda: all(seen(ib0, t) is not None for t in trades))
        watched = [seen(ib0, t) for t in trades]
        assert [o.parentId for o in watched if o] == [0, parent.orderId, parent.orderId]
        assert watched[1] and watched[2] and watched[1].ocaGroup == watched[2].ocaGroup != ""
        assert (watched[2].orderType, watched[2].auxPrice) == ("STP", 95.0)
        ib.cancelOrder(parent)
        await until(lambda: [status(t) for t in trades] == ["Cancelled"] * 3)
        assert (parent.orderId, 202) in errors


async def test_an_oca_pair_and_a_refused_oca_type(runtime, client, base_url, alice, clock, market):
    async with bots(client, base_url, alice, clock) as (ib, ib0, aapl, errors):
        low, high = ib.oneCancelsAll(
            [LimitOrder("BUY", 5, 99.00, tif="GTC"), LimitOrder("BUY", 5, 100.05)], "pair-1", 1
        )
        resting = ib.placeOrder(aapl, low)
        await until(lambda: status(resting) == "Submitted")
        await until(lambda: seen(ib0, resting) is not None)
        watched = seen(ib0, resting)
        assert watched and (watched.ocaGroup, watched.ocaType) == ("pair-1", 1)
        filled = ib.placeOrder(aapl, high)
        await until(lambda: (status(filled), status(resting)) == ("Filled", "Cancelled"))
        [reducing] = ib.oneCancelsAll([LimitOrder("BUY", 5, 99.00)], "pair-2", 2)
        ib.placeOrder(aapl, reducing)
        await until(lambda: (reducing.orderId, 201) in errors)


async def test_trailing_stops_follow_the_market_and_trigger(
    runtime, client, base_url, alice, clock, market
):
    async with bots(client, base_url, alice, clock) as (ib, ib0, aapl, errors):
        bought = ib.placeOrder(aapl, MarketOrder("BUY", 20))
        await until(lambda: status(bought) == "Filled")
        trail = ib.placeOrder(
            aapl, Order(action="SELL", totalQuantity=10, orderType="TRAIL", auxPrice=0.5, tif="GTC")
        )
        limit = ib.placeOrder(
            aapl,
            Order(action="SELL", totalQuantity=10, orderType="TRAIL LIMIT", trailingPercent=1.0,
                  trailStopPrice=99.0, lmtPriceOffset=0.1, tif="GTC"),
        )  # fmt: skip
        await until(lambda: (status(trail), status(limit)) == ("PreSubmitted",) * 2)
        await until(lambda: seen(ib0, trail) is not None and seen(ib0, limit) is not None)
        shown = seen(ib0, trail)
        assert shown and (shown.orderType, shown.auxPrice, shown.trailStopPrice) == (
            "TRAIL", 0.5, 99.5
        )  # fmt: skip  # half a dollar under the mark (100.00)
        shown = seen(ib0, limit)
        assert shown and (shown.orderType, shown.trailingPercent) == ("TRAIL LIMIT", 1.0)
        assert (shown.trailStopPrice, shown.lmtPriceOffset, shown.lmtPrice) == (99.0, 0.1, 98.9)

        offset = ib.placeOrder(  # no trailStopPrice: the stop starts one trail from the last
            aapl,
            Order(action="BUY", totalQuantity=1, orderType="TRAIL LIMIT", auxPrice=1.0,
                  lmtPriceOffset=0.2, tif="GTC"),
        )  # fmt: skip
        await until(lambda: seen(ib0, offset) is not None)
        shown = seen(ib0, offset)
        assert shown and (shown.trailStopPrice, shown.lmtPrice, shown.lmtPriceOffset) == (
            101.0, 101.2, 0.2
        )  # fmt: skip
        ib.cancelOrder(offset.order)
        await until(lambda: status(offset) == "Cancelled")

        market.set(AAPL, bid="101.99", ask="102.01")  # up: the stops rise
        await step(runtime, clock)
        fresh = IB()  # a client that decodes the orders anew (ib_async keeps the first view)
        await fresh.connectAsync("127.0.0.1", ib.client.port, clientId=9, timeout=15)
        try:
            now = {t.order.orderId: t.order for t in await fresh.reqAllOpenOrdersAsync()}
        finally:
            fresh.disconnect()
        assert now[trail.order.orderId].trailStopPrice == 101.5  # 0.50 under the mark 102.00
        assert now[limit.order.orderId].trailStopPrice == 100.98  # 1% under it
        assert now[limit.order.orderId].lmtPrice == 100.88  # still 0.10 under the stop
        market.set(AAPL, bid="101.39", ask="101.41")  # down through 101.50: the TRAIL sells
        await step(runtime, clock)
        await until(lambda: status(trail) == "Filled")
        assert status(limit) == "PreSubmitted" and not rejected(errors)


async def test_outside_rth_passes_through(runtime, client, base_url, alice, clock, market):
    async with bots(client, base_url, alice, clock) as (ib, ib0, aapl, errors):
        extended = ib.placeOrder(aapl, LimitOrder("BUY", 1, 90.0, outsideRth=True, tif="GTC"))
        await until(lambda: status(extended) == "Submitted")
        await until(lambda: seen(ib0, extended) is not None)
        assert (o := seen(ib0, extended)) is not None and o.outsideRth is True
        market_order = ib.placeOrder(aapl, MarketOrder("BUY", 1, outsideRth=True))
        await until(lambda: (market_order.order.orderId, 201) in errors)


async def test_held_orders_and_a_child_without_a_held_parent(
    runtime, client, base_url, alice, clock, market
):
    async with bots(client, base_url, alice, clock) as (ib, ib0, aapl, errors):
        held = ib.placeOrder(aapl, LimitOrder("BUY", 5, 99.0, transmit=False))
        orphan = LimitOrder("SELL", 5, 101.0, parentId=held.order.orderId + 100)
        ib.placeOrder(aapl, orphan)
        await until(lambda: (orphan.orderId, 201) in errors)
        assert status(held) == "PendingSubmit" and seen(ib0, held) is None  # not transmitted
        ib.cancelOrder(held.order)  # ib_async marks it Cancelled itself; the gateway drops it
        await until(lambda: (held.order.orderId, 202) in errors)
        again = ib.placeOrder(aapl, LimitOrder("BUY", 5, 99.0, tif="GTC"))
        await until(lambda: status(again) == "Submitted")
        assert {t.order.permId for t in ib0.openTrades()} == {again.order.permId}
