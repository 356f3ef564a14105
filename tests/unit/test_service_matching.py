"""The matching engine and fills at the service level: partial fills at the displayed size,
IBKR's commission over partial fills, resting limits, stops, once-per-tick matching, DAY
expiry at the close, and a cash account that can never pay more than its cash.

Runs on the embedded SQLite store with a scripted market (quotes set by hand).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tests.support.trading import AAPL, F, ScriptedMarket, events, principal, step

from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.orders import OrderStatus
from gatehouse.service.trading import funding, matching_engine, orders, portfolio
from gatehouse.service.trading.orders import Prompt

D = Decimal


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def market(runtime) -> ScriptedMarket:
    scripted = ScriptedMarket()
    scripted.set(AAPL, bid="99.99", ask="100.01")
    scripted.set(F, bid="9.99", ask="10.01")
    runtime.ctx.market = scripted
    return scripted


@pytest.fixture
async def paper(runtime, alice, market):
    return await principal(runtime, "alice", "paper")


async def _place(runtime, who, **order):
    result = await orders.place(runtime.ctx, who, who.account_ids[0], [order])
    while isinstance(result, Prompt):
        result = await orders.reply(runtime.ctx, who, result.reply_id, confirmed=True)
    assert isinstance(result, list)
    return result[0]


async def _order(runtime, who, order_id):
    return await portfolio.order_status(runtime.ctx, who, order_id)


async def _trades(runtime, who):
    return sorted(
        await portfolio.trades(runtime.ctx, who, days=1, account_id=None), key=lambda e: e.at
    )


async def test_a_large_market_order_fills_over_several_ticks_at_the_displayed_size(
    runtime, paper, market, clock
):
    market.set(F, bid="9.99", ask="10.01", ask_size=300)
    order = await _place(runtime, paper, conid=F, side="BUY", quantity=1000, orderType="MKT")
    assert order.status is OrderStatus.SUBMITTED and order.filled_quantity == 300

    for expected in (600, 900, 1000):
        await step(runtime, clock)
        assert (await _order(runtime, paper, order.order_id)).filled_quantity == expected
    assert (await _order(runtime, paper, order.order_id)).status is OrderStatus.FILLED

    fills = await _trades(runtime, paper)
    assert [e.quantity for e in fills] == [300, 300, 300, 100]
    # IBKR fixed: USD 0.005 a share on the whole order (5.00), charged as it fills.
    assert [e.commission for e in fills] == [D("1.50"), D("1.50"), D("1.50"), D("0.50")]
    figures = (await portfolio.figures(runtime.ctx, paper, None)).figures
    assert figures.total_cash == D(1_000_000) - 1000 * D("10.01") - D("5.00")

    kinds = [e.type for e in await events(runtime, "alice")]
    assert kinds.count("execution.created") == 4
    assert kinds.count("order.updated") == 3 and kinds.count("order.filled") == 1
    assert kinds.count("position.changed") == 4 and kinds.count("balance.changed") == 4


async def test_the_minimum_commission_is_charged_once_per_order(runtime, paper, market, clock):
    market.set(AAPL, bid="99.99", ask="100.01", ask_size=50)
    order = await _place(runtime, paper, conid=AAPL, side="BUY", quantity=100, orderType="MKT")
    await step(runtime, clock)
    assert (await _order(runtime, paper, order.order_id)).status is OrderStatus.FILLED
    assert [e.commission for e in await _trades(runtime, paper)] == [D("1.00"), D("0.00")]


async def test_a_resting_limit_fills_when_the_market_comes_to_it(runtime, paper, market, clock):
    order = await _place(
        runtime, paper, conid=AAPL, side="BUY", quantity=100, orderType="LMT", price="99.50"
    )
    assert order.status is OrderStatus.SUBMITTED
    await step(runtime, clock)
    assert (await _order(runtime, paper, order.order_id)).filled_quantity == 0

    market.set(AAPL, bid="99.40", ask="99.45")
    report = await step(runtime, clock)
    assert report.fills == 1
    done = await _order(runtime, paper, order.order_id)
    assert done.status is OrderStatus.FILLED and done.avg_fill_price == D("99.45")


async def test_a_stop_waits_for_its_trigger_then_trades_at_market(runtime, paper, market, clock):
    order = await _place(
        runtime, paper, conid=AAPL, side="BUY", quantity=10, orderType="STP", price="101"
    )
    assert order.status is OrderStatus.PRE_SUBMITTED
    await step(runtime, clock)
    assert (await _order(runtime, paper, order.order_id)).status is OrderStatus.PRE_SUBMITTED

    market.set(AAPL, bid="101.10", ask="101.20")
    await step(runtime, clock)
    done = await _order(runtime, paper, order.order_id)
    assert done.status is OrderStatus.FILLED and done.avg_fill_price == D("101.20")


async def test_an_order_is_matched_once_per_tick(runtime, paper, market, clock):
    order = await _place(
        runtime, paper, conid=AAPL, side="BUY", quantity=300, orderType="LMT", price="99.50"
    )
    market.set(AAPL, bid="99.40", ask="99.45", ask_size=100)
    clock.advance(1)
    for _ in range(3):  # several nodes (or steps) at the same instant take the size once
        await matching_engine.step(runtime.ctx, clock.now())
    assert (await _order(runtime, paper, order.order_id)).filled_quantity == 100
    await step(runtime, clock)
    assert (await _order(runtime, paper, order.order_id)).filled_quantity == 200


async def test_day_orders_expire_at_the_close_and_gtc_orders_wait(runtime, paper, market, clock):
    runtime.ctx.calendar = TradingCalendar()  # real hours: 09:30-16:00 New York
    assert runtime.ctx.calendar.is_open(clock.now())
    day = await _place(
        runtime, paper, conid=AAPL, side="BUY", quantity=10, orderType="LMT", price="99", tif="DAY"
    )
    gtc = await _place(
        runtime, paper, conid=AAPL, side="BUY", quantity=10, orderType="LMT", price="99", tif="GTC"
    )
    clock.set(datetime(2026, 1, 5, 21, 0, 1, tzinfo=UTC))  # 16:00:01 New York
    market.set(AAPL, bid="98.00", ask="98.50")  # crosses both limits, but the market is shut
    report = await matching_engine.step(runtime.ctx, clock.now())
    assert report.expired == 1 and report.fills == 0

    expired = await _order(runtime, paper, day.order_id)
    assert expired.status is OrderStatus.INACTIVE and "Expired" in (expired.reject_reason or "")
    assert (await _order(runtime, paper, gtc.order_id)).status is OrderStatus.SUBMITTED
    assert "order.expired" in [e.type for e in await events(runtime, "alice")]

    clock.set(datetime(2026, 1, 6, 14, 30, 1, tzinfo=UTC))  # 09:30:01 next day
    await matching_engine.step(runtime.ctx, clock.now())
    assert (await _order(runtime, paper, gtc.order_id)).status is OrderStatus.FILLED


async def test_a_cash_account_never_pays_more_than_its_cash(runtime, paper, market, clock):
    await funding.reset(runtime.ctx, paper, paper.account_ids[0], cash="1000", account_type="cash")
    market.set(F, bid="9.99", ask="10.01", ask_size=50)
    order = await _place(runtime, paper, conid=F, side="BUY", quantity=95, orderType="MKT")
    assert order.filled_quantity == 50

    market.set(F, bid="19.99", ask="20.00", ask_size=500)  # the rest now costs twice as much
    await step(runtime, clock)
    await step(runtime, clock)
    done = await _order(runtime, paper, order.order_id)
    assert done.status is OrderStatus.INACTIVE and "cash" in (done.reject_reason or "")
    assert done.filled_quantity == 74  # 50 at 10.01, then the 24 the cash covered at 20.00
    figures = (await portfolio.figures(runtime.ctx, paper, None)).figures
    assert figures.total_cash == D(1000) - 50 * D("10.01") - 24 * D(20) - D("1.00")
    assert figures.total_cash >= 0
