"""Matching an order against the top of book: stop triggers, limit checks and displayed-size fills.

A buy takes the ask up to the ask size and a sell hits the bid up to the bid size, so a large
order fills over several quotes; a limit order fills at the quote when it is better than the
limit. Call :func:`match` while the market is open, then :func:`apply_match` to record it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gatehouse.domain.trading.commission import execution_commission
from gatehouse.domain.trading.orders import (
    Order,
    OrderType,
    Side,
    TimeInForce,
    cancel,
    record_fill,
    trigger_stop,
)
from gatehouse.domain.trading.quotes import Quote

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Fill:
    quantity: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What one quote did to one order.

    ``fill`` is at most one execution; ``stop_triggered`` is true when this quote touched
    the stop for the first time; ``cancel_remainder`` is true for an IOC order whose
    remainder (after ``fill``) must now be cancelled.
    """

    at: datetime
    fill: Fill | None = None
    stop_triggered: bool = False
    cancel_remainder: bool = False

    @property
    def fills(self) -> tuple[Fill, ...]:
        """The execution as a sequence: empty or one fill."""
        return () if self.fill is None else (self.fill,)


def stop_touched(order: Order, quote: Quote) -> bool:
    """A buy stop triggers when the last trade or the ask reaches the stop from below;
    a sell stop when the last trade or the bid reaches it from above."""
    stop = order.stop_price
    if stop is None:
        return False
    if order.side is Side.BUY:
        return (quote.last > 0 and quote.last >= stop) or (quote.ask > 0 and quote.ask >= stop)
    return (quote.last > 0 and quote.last <= stop) or (quote.bid > 0 and quote.bid <= stop)


def _trades_as(order: Order, quote: Quote) -> OrderType | None:
    """The type the order trades as against ``quote``, or ``None`` while its stop is untouched."""
    if order.is_stop and not order.stop_triggered:
        if not stop_touched(order, quote):
            return None
        return order.triggered_type
    return order.effective_type


def _touch(side: Side, quote: Quote) -> tuple[Decimal, int]:
    return (quote.ask, quote.ask_size) if side is Side.BUY else (quote.bid, quote.bid_size)


def _crosses(order_type: OrderType, side: Side, limit: Decimal | None, quote: Quote) -> bool:
    price, size = _touch(side, quote)
    if price <= 0 or size <= 0:
        return False
    if order_type is OrderType.MKT:
        return True
    assert limit is not None
    return price <= limit if side is Side.BUY else price >= limit


def marketable(order: Order, quote: Quote) -> bool:
    """Whether ``order`` would (trigger and) execute against ``quote`` right now."""
    trades_as = _trades_as(order, quote)
    return trades_as is not None and _crosses(trades_as, order.side, order.limit_price, quote)


def match(order: Order, quote: Quote, *, now: datetime) -> MatchResult:
    """Match one working order against one quote; pure: the order is not changed."""
    if order.conid != quote.conid:
        raise ValueError(f"quote for {quote.conid} cannot match an order for {order.conid}")
    if not order.is_active or order.remaining <= 0:
        return MatchResult(at=now)
    triggered_now = order.is_stop and not order.stop_triggered and stop_touched(order, quote)
    trades_as = _trades_as(order, quote)
    fill = None
    if trades_as is not None and _crosses(trades_as, order.side, order.limit_price, quote):
        price, size = _touch(order.side, quote)
        fill = Fill(quantity=min(order.remaining, Decimal(size)), price=price)
    left = order.remaining - (fill.quantity if fill else _ZERO)
    return MatchResult(
        at=now,
        fill=fill,
        stop_triggered=triggered_now,
        cancel_remainder=order.tif is TimeInForce.IOC and left > 0,
    )


def apply_match(order: Order, result: MatchResult) -> Decimal:
    """Record ``result`` on ``order`` (trigger, fill, IOC cancel); return the fill's commission.

    The commission follows :mod:`gatehouse.domain.trading.commission` (minimum once per
    order); it is zero when nothing filled. The caller books the same fill in the ledger.
    """
    charged = _ZERO
    if result.stop_triggered:
        trigger_stop(order, now=result.at)
    if result.fill is not None:
        charged = execution_commission(
            order, quantity=result.fill.quantity, price=result.fill.price
        )
        record_fill(
            order,
            quantity=result.fill.quantity,
            price=result.fill.price,
            commission=charged,
            now=result.at,
        )
    if result.cancel_remainder and order.is_active:
        cancel(order, now=result.at)
    return charged
