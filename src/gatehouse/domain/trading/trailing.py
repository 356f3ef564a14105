"""Trailing stops: where a ``TRAIL``/``TRAILLMT`` order's stop sits as the market moves.

A sell stop trails the best price seen by an amount or a percentage and only ever rises; a
buy stop trails the lowest price seen and only ever falls. A TRAILLMT's limit moves with its
stop, keeping the offset it was placed with.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from gatehouse.domain.trading.orders import Order, Side, TrailType


def trail_distance(reference: Decimal, amount: Decimal, kind: TrailType) -> Decimal:
    """How far the stop sits from ``reference``: the amount, or that percentage of it."""
    if kind is TrailType.PERCENT:
        return (reference * amount / 100).quantize(Decimal("0.01"))
    return amount


def trailing_stop(
    side: Side, reference: Decimal, amount: Decimal, kind: TrailType, current: Decimal | None
) -> Decimal:
    """The stop of a trailing order after the market is at ``reference``.

    A sell stop sits ``distance`` below the best price seen and only ever rises; a buy stop
    sits above the lowest price seen and only ever falls. ``current`` is the stop so far.
    """
    distance = trail_distance(reference, amount, kind)
    if side is Side.SELL:
        candidate = max(reference - distance, Decimal("0.01"))
        return candidate if current is None else max(current, candidate)
    candidate = reference + distance
    return candidate if current is None else min(current, candidate)


def ratchet(order: Order, reference: Decimal, *, now: datetime) -> bool:
    """Move an untriggered trailing order's stop (and a TRAILLMT's limit with it, keeping
    their offset); whether it moved."""
    if not order.is_trailing or order.stop_triggered or not order.is_active:
        return False
    assert order.trailing_amount is not None and order.trailing_type is not None
    new = trailing_stop(
        order.side, reference, order.trailing_amount, order.trailing_type, order.stop_price
    )
    if new == order.stop_price:
        return False
    if order.limit_price is not None and order.stop_price is not None:
        order.limit_price += new - order.stop_price
    order.stop_price = new
    order.updated_at = now
    return True
