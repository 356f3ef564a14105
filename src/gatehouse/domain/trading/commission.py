"""IBKR's fixed commission for US stocks: USD 0.005 a share, at least USD 1.00, at most 1% of value.

Partial fills: the schedule applies to the whole order. Each execution is charged the order's
commission on everything filled so far minus what was already charged, so the minimum is
paid once (on the first fill) and the 1% cap applies to the order's total value.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from gatehouse.domain.trading.orders import Order

PER_SHARE = Decimal("0.005")
MINIMUM = Decimal("1.00")
MAXIMUM_RATE = Decimal("0.01")
_CENT = Decimal("0.01")
_ZERO = Decimal(0)


def commission_for_value(quantity: Decimal, value: Decimal) -> Decimal:
    """The commission on ``quantity`` shares worth ``value`` in total, rounded to cents."""
    if quantity <= 0:
        return _ZERO.quantize(_CENT)
    fee = max(quantity * PER_SHARE, MINIMUM)
    fee = min(fee, abs(value) * MAXIMUM_RATE)
    return fee.quantize(_CENT, rounding=ROUND_HALF_UP)


def commission(quantity: Decimal, price: Decimal) -> Decimal:
    """The commission on one order of ``quantity`` shares at ``price``, rounded to cents."""
    return commission_for_value(quantity, quantity * price)


def execution_commission(order: Order, *, quantity: Decimal, price: Decimal) -> Decimal:
    """The charge for one more execution of ``order`` (before it is recorded on the order)."""
    total = commission_for_value(
        order.filled_quantity + quantity, order.filled_value + quantity * price
    )
    return max(total - order.commission, _ZERO)


def remaining_commission(order: Order, *, price: Decimal) -> Decimal:
    """The most still to be charged if the rest of ``order`` fills at ``price``."""
    total = commission_for_value(order.quantity, order.filled_value + order.remaining * price)
    return max(total - order.commission, _ZERO)
