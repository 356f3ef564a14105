"""Linked orders through the use cases and the matching engine: brackets (children held
until the parent fills, then one-cancels-all), named OCA groups, trailing stops that follow
the market, and ``outsideRTH``."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.trading import F, ScriptedMarket, principal, step

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.orders import Order, OrderStatus
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading import orders, portfolio

D = Decimal
_tags = itertools.count()


@pytest.fixture
def market(runtime: Any) -> ScriptedMarket:
    scripted = ScriptedMarket()
    scripted.set(F, bid="9.99", ask="10.01")
    runtime.ctx.market = scripted
    runtime.ctx.trading = type(runtime.ctx.trading)(  # no questions about these prices
        **{**runtime.ctx.trading.__dict__, "price_percentage": D(1000)}
    )
    return scripted


async def place(runtime: Any, who: Principal, *bodies: dict[str, Any]) -> list[Order]:
    account = who.account_ids[0]
    placed = await orders.place(runtime.ctx, who, account, list(bodies))
    while isinstance(placed, orders.Prompt):  # confirm every question
        placed = await orders.reply(runtime.ctx, who, placed.reply_id, confirmed=True)
    assert isinstance(placed, list)
    return placed


async def current(runtime: Any, who: Principal, order: Order) -> Order:
    return await portfolio.order_status(runtime.ctx, who, order.order_id)


def bracket(take: str, stop: str, quantity: int = 300, tag: str = "p") -> list[dict[str, Any]]:
    return [
        {"conid": F, "side": "BUY", "quantity": quantity, "orderType": "LMT", "price": "9.00",
         "tif": "GTC", "cOID": tag},
        {"conid": F, "side": "SELL", "quantity": quantity, "orderType": "LMT", "price": take,
         "tif": "GTC", "parentId": tag, "cOID": f"{tag}-tp"},
        {"conid": F, "side": "SELL", "quantity": quantity, "orderType": "STP", "price": stop,
         "tif": "GTC", "parentId": tag, "cOID": f"{tag}-sl"},
    ]  # fmt: skip


async def test_a_bracket_waits_for_its_parent_then_one_child_cancels_the_other(
    runtime, alice, clock, market
):
    who = await principal(runtime, "alice", "paper")
    parent, take, stop = await place(runtime, who, *bracket("11.00", "9.50"))
    assert parent.status is OrderStatus.SUBMITTED  # 9.00 is below the ask: resting
    assert take.parent_id == stop.parent_id == parent.order_id
    assert take.oca_group == stop.oca_group == f"B{parent.order_id}"
    assert take.status is stop.status is OrderStatus.PRE_SUBMITTED
    market.set(F, bid="11.50", ask="11.52")  # the take-profit would fill, but it is held
    await step(runtime, clock)
    assert (await current(runtime, who, take)).filled_quantity == 0
    market.set(F, bid="8.98", ask="9.00")  # the parent fills; the stop is touched at once
    await step(runtime, clock)
    assert (await current(runtime, who, parent)).status is OrderStatus.FILLED
    assert (await current(runtime, who, stop)).status is OrderStatus.FILLED
    assert (await current(runtime, who, take)).status is OrderStatus.CANCELLED


async def test_cancelling_the_parent_cancels_its_children(runtime, alice, clock, market):
    who = await principal(runtime, "alice", "paper")
    parent, take, stop = await place(runtime, who, *bracket("11.00", "9.50"))
    await orders.cancel(runtime.ctx, who, who.account_ids[0], parent.order_id)
    for order in (take, stop):
        assert (await current(runtime, who, order)).status is OrderStatus.CANCELLED


async def test_a_named_oca_group_and_a_single_group_request(runtime, alice, clock, market):
    who = await principal(runtime, "alice", "paper")
    buy = {"conid": F, "side": "BUY", "quantity": 100, "orderType": "LMT", "tif": "GTC"}
    low, high = await place(runtime, who, {**buy, "price": "9.00", "ocaGroup": "dip"},
                            {**buy, "price": "9.50", "ocaGroup": "dip"})  # fmt: skip
    market.set(F, bid="9.40", ask="9.45")
    await step(runtime, clock)
    assert (await current(runtime, who, high)).status is OrderStatus.FILLED
    assert (await current(runtime, who, low)).status is OrderStatus.CANCELLED
    first, second = await place(runtime, who, {**buy, "price": "9.60", "isSingleGroup": True},
                                {**buy, "price": "9.70", "isSingleGroup": True})  # fmt: skip
    assert first.oca_group == second.oca_group == f"G{first.order_id}"


async def test_bad_links_are_refused_and_nothing_is_placed(runtime, alice, clock, market):
    who = await principal(runtime, "alice", "paper")
    parent, take, _ = bracket("11.00", "9.50")
    before = await portfolio.live_orders(runtime.ctx, who, None)
    for bodies in (
        [parent, {**take, "parentId": "nobody"}],  # no such cOID in the request
        [{**take, "parentId": "p"}, parent],  # the parent must come first
        [parent, {**take, "side": "BUY"}],  # a child is on the other side
        [parent, {**take, "quantity": 200}],  # of the same quantity
        [parent, take, {**take, "cOID": "x", "parentId": "p-tp"}],  # no grandchildren
    ):
        with pytest.raises(InvalidInput):
            await place(runtime, who, *bodies)
    assert await portfolio.live_orders(runtime.ctx, who, None) == before


async def test_a_trailing_stop_follows_the_market_and_sells_when_it_turns(
    runtime, alice, clock, market
):
    who = await principal(runtime, "alice", "paper")
    await place(runtime, who, {"conid": F, "side": "BUY", "quantity": 100, "orderType": "MKT"})
    (trail,) = await place(runtime, who, {"conid": F, "side": "SELL", "quantity": 100,
                                          "orderType": "TRAIL", "trailingAmt": "0.50",
                                          "trailingType": "amt", "tif": "GTC"})  # fmt: skip
    assert trail.stop_price == D("9.50")  # half a dollar under the mark (10.00)
    for bid in ("10.49", "10.99", "10.60"):
        market.set(F, bid=bid, ask=str(D(bid) + D("0.02")))
        await step(runtime, clock)
    moved = await current(runtime, who, trail)
    assert moved.stop_price == D("10.50") and moved.status is OrderStatus.PRE_SUBMITTED
    market.set(F, bid="10.48", ask="10.50")
    await step(runtime, clock)
    assert (await current(runtime, who, trail)).status is OrderStatus.FILLED
    (pct,) = await place(runtime, who, {"conid": F, "side": "BUY", "quantity": 100,
                                        "orderType": "TRAILLMT", "trailingAmt": 10,
                                        "trailingType": "%", "tif": "GTC"})  # fmt: skip
    assert pct.stop_price == pct.limit_price == D("11.54")  # the mark 10.49, plus 10%


@pytest.mark.parametrize("settings_overrides", [{"market_always_open": False}])
async def test_outside_rth_orders_fill_in_the_extended_session_only(runtime, alice, clock, market):
    runtime.ctx.calendar = TradingCalendar()
    clock.set(clock.now().replace(hour=12))  # 07:00 New York, a Monday: pre-market
    who = await principal(runtime, "alice", "paper")
    buy = {"conid": F, "side": "BUY", "quantity": 100, "orderType": "LMT", "price": "10.05",
           "tif": "GTC"}  # fmt: skip
    early, regular = await place(runtime, who, {**buy, "outsideRTH": True}, buy)
    assert early.outside_rth and early.status is OrderStatus.FILLED
    assert regular.status is OrderStatus.SUBMITTED and regular.filled_quantity == 0
    with pytest.raises(InvalidInput):
        await place(runtime, who, {**buy, "orderType": "MKT", "price": None, "outsideRTH": True})


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    take=st.decimals(min_value=D("8"), max_value=D("12"), places=2),
    stop=st.decimals(min_value=D("8"), max_value=D("12"), places=2),
    path=st.lists(
        st.tuples(
            st.decimals(min_value=D("7"), max_value=D("13"), places=2),
            st.integers(min_value=1, max_value=5),
        ),
        min_size=1,
        max_size=8,
    ),
)
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_brackets_children_never_both_fill(runtime, alice, clock, market, take, stop, path):
    who = await principal(runtime, "alice", "paper")
    market.set(F, bid="9.99", ask="10.01")
    tag = f"b{next(_tags)}"
    parent, tp, sl = await place(runtime, who, *bracket(str(take), str(stop), 300, tag))
    for bid, lots in path:  # a displayed size of 100..500 shares: partial fills happen
        market.set(F, bid=str(bid), ask=str(bid + D("0.02")), size=100 * lots)
        await step(runtime, clock)
    children = [await current(runtime, who, o) for o in (tp, sl)]
    assert sum(1 for c in children if c.filled_quantity > 0) <= 1
    if (await current(runtime, who, parent)).filled_quantity == 0:
        assert all(c.filled_quantity == 0 for c in children)
    await orders.cancel(runtime.ctx, who, who.account_ids[0], "-1")
