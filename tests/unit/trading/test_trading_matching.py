"""Matching: touch prices, displayed-size partial fills, limits, stop triggers and IOC."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from gatehouse.domain.trading.commission import commission
from gatehouse.domain.trading.matching import Fill, apply_match, marketable, match
from gatehouse.domain.trading.orders import (
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    cancel,
    new_order,
    submit,
)
from gatehouse.domain.trading.quotes import Quote

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
D = Decimal


def quote(
    bid: str = "99.98",
    ask: str = "100.02",
    last: str = "100.00",
    *,
    bid_size: int = 300,
    ask_size: int = 200,
) -> Quote:
    return Quote(
        conid=265598,
        bid=D(bid),
        ask=D(ask),
        bid_size=bid_size,
        ask_size=ask_size,
        last=D(last),
        last_size=100,
        volume=10_000,
        open=D("99.00"),
        high=D("101.00"),
        low=D("98.00"),
        close=D(last),
        prior_close=D("99.50"),
        at=NOW,
    )


def order(
    order_type: OrderType = OrderType.MKT,
    side: Side = Side.BUY,
    quantity: int = 500,
    *,
    limit: str | None = None,
    stop: str | None = None,
    tif: TimeInForce = TimeInForce.DAY,
) -> Order:
    o = new_order(
        order_id="o-1",
        account_id="DU1",
        conid=265598,
        side=side,
        order_type=order_type,
        quantity=D(quantity),
        limit_price=None if limit is None else D(limit),
        stop_price=None if stop is None else D(stop),
        tif=tif,
        now=NOW,
    )
    submit(o, now=NOW)
    return o


def test_market_buy_takes_the_ask_up_to_its_size() -> None:
    result = match(order(), quote(), now=NOW)
    assert result.fill == Fill(quantity=D(200), price=D("100.02"))
    assert result.fills == (Fill(quantity=D(200), price=D("100.02")),)
    assert not result.cancel_remainder and not result.stop_triggered
    assert result.at == NOW


def test_market_sell_hits_the_bid_up_to_its_size() -> None:
    result = match(order(side=Side.SELL, quantity=100), quote(), now=NOW)
    assert result.fill == Fill(quantity=D(100), price=D("99.98"))


def test_match_is_pure() -> None:
    o = order()
    match(o, quote(), now=NOW)
    assert o.filled_quantity == 0 and o.status is OrderStatus.SUBMITTED


@pytest.mark.parametrize(
    ("side", "limit", "fills_at"),
    [
        (Side.BUY, "100.02", "100.02"),
        (Side.BUY, "100.50", "100.02"),  # price improvement: the ask, not the limit
        (Side.BUY, "100.01", None),
        (Side.SELL, "99.98", "99.98"),
        (Side.SELL, "99.00", "99.98"),
        (Side.SELL, "99.99", None),
    ],
)
def test_limit_orders(side: Side, limit: str, fills_at: str | None) -> None:
    result = match(order(OrderType.LMT, side, 100, limit=limit), quote(), now=NOW)
    if fills_at is None:
        assert result.fill is None
    else:
        assert result.fill == Fill(quantity=D(100), price=D(fills_at))


def test_buy_stop_waits_then_trades_as_market() -> None:
    o = order(OrderType.STP, stop="101.00", quantity=100)
    below = match(o, quote(), now=NOW)
    assert below.fill is None and not below.stop_triggered
    assert below.fills == ()
    assert not marketable(o, quote())
    touched = quote("100.98", "101.01", "100.99")  # the ask reaches the stop
    result = match(o, touched, now=NOW)
    assert result.stop_triggered
    assert result.fill == Fill(quantity=D(100), price=D("101.01"))
    by_last = match(o, quote("101.00", "101.02", "101.00"), now=NOW)
    assert by_last.stop_triggered


def test_sell_stop_triggers_on_the_bid_or_last() -> None:
    o = order(OrderType.STP, Side.SELL, 100, stop="99.00")
    assert match(o, quote(), now=NOW).fill is None
    result = match(o, quote("98.99", "99.03", "99.01"), now=NOW)
    assert result.stop_triggered and result.fill == Fill(D(100), D("98.99"))


def test_stop_limit_becomes_a_limit_order() -> None:
    o = order(OrderType.STP_LIMIT, limit="101.00", stop="100.50", quantity=100)
    gapped = quote("101.40", "101.45", "101.42")
    result = match(o, gapped, now=NOW)
    assert (
        result.stop_triggered and result.fill is None
    )  # triggered, but the ask is above the limit
    apply_match(o, result)
    assert o.stop_triggered and o.effective_type is OrderType.LMT
    later = match(o, quote("100.90", "100.95", "100.92"), now=NOW)
    assert not later.stop_triggered  # already triggered before
    assert later.fill == Fill(D(100), D("100.95"))


def test_ioc_cancels_whatever_does_not_fill_at_once() -> None:
    partial = match(order(tif=TimeInForce.IOC), quote(), now=NOW)
    assert partial.fill is not None and partial.cancel_remainder
    whole = match(order(quantity=200, tif=TimeInForce.IOC), quote(), now=NOW)
    assert not whole.cancel_remainder
    none = match(order(OrderType.LMT, limit="90", tif=TimeInForce.IOC), quote(), now=NOW)
    assert none.fill is None and none.cancel_remainder


def test_no_liquidity_no_fill() -> None:
    assert match(order(), quote(ask_size=0), now=NOW).fill is None
    assert match(order(), quote(ask="0"), now=NOW).fill is None


def test_finished_orders_do_not_match() -> None:
    o = order()
    cancel(o, now=NOW)
    assert match(o, quote(), now=NOW).fill is None


def test_quote_must_be_for_the_same_instrument() -> None:
    q = quote()
    o = order()
    o.conid = 8314
    with pytest.raises(ValueError):
        match(o, q, now=NOW)


def test_marketable() -> None:
    assert marketable(order(), quote())
    assert marketable(order(OrderType.LMT, limit="100.02"), quote())
    assert not marketable(order(OrderType.LMT, limit="100.01"), quote())
    assert marketable(order(OrderType.STP, stop="100.00"), quote())  # already through the stop


def test_apply_match_over_several_quotes_fills_the_order() -> None:
    o = order(quantity=500)
    charges = D(0)
    for _ in range(3):
        charges += apply_match(o, match(o, quote(), now=NOW))
    assert o.status is OrderStatus.FILLED and o.filled_quantity == 500
    assert o.avg_fill_price == D("100.02")
    assert charges == o.commission == commission(D(500), D("100.02"))
    assert apply_match(o, match(o, quote(), now=NOW)) == 0


def test_apply_match_cancels_an_ioc_remainder() -> None:
    o = order(tif=TimeInForce.IOC)
    apply_match(o, match(o, quote(), now=NOW))
    assert o.status is OrderStatus.CANCELLED and o.filled_quantity == 200
