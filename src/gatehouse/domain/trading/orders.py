"""Orders: sides, types, time in force, IBKR's status strings and the legal moves between them.

Orders are validated when created (``new_order``); the lifecycle functions change an
``Order`` in place. Parsing IBKR order bodies lives in ``order_requests``. Linked orders:
a bracket child names its parent (``parent_id``) and waits, ``PreSubmitted``, until the
parent has filled; orders sharing an ``oca_group`` are one-cancels-all. Trailing stops
(``TRAIL``, ``TRAILLMT``) move their stop with the market (:func:`trailing_stop`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from gatehouse.domain.errors import InvalidInput, InvalidOrderTransition
from gatehouse.domain.trading.calendar import TradingCalendar

MAX_PRICE_DECIMALS = 4
MAX_CLIENT_ORDER_ID_LENGTH = 64
_AVG_PRICE_QUANTUM = Decimal("0.00000001")
_ZERO = Decimal(0)


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: the direction the position moves."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    MKT = "MKT"
    LMT = "LMT"
    STP = "STP"
    STP_LIMIT = "STP_LIMIT"
    TRAIL = "TRAIL"  # a stop that trails the market by an amount or a percentage
    TRAILLMT = "TRAILLMT"  # the same, trading as a limit order (stop ± a fixed offset)


class TrailType(StrEnum):
    AMOUNT = "amt"
    PERCENT = "%"


STOP_TYPES = frozenset({OrderType.STP, OrderType.STP_LIMIT, OrderType.TRAIL, OrderType.TRAILLMT})
TRAILING_TYPES = frozenset({OrderType.TRAIL, OrderType.TRAILLMT})
LIMIT_TYPES = frozenset({OrderType.LMT, OrderType.STP_LIMIT, OrderType.TRAILLMT})
MAX_TRAIL_PERCENT = Decimal(50)


class TimeInForce(StrEnum):
    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"


class OrderStatus(StrEnum):
    """IBKR's order status strings, exactly as its API reports them."""

    PENDING_SUBMIT = "PendingSubmit"
    PRE_SUBMITTED = "PreSubmitted"  # accepted, waiting for a trigger (an untriggered stop)
    SUBMITTED = "Submitted"  # working at the venue, possibly partly filled
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    INACTIVE = "Inactive"  # rejected or expired by the system

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.INACTIVE})
_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_SUBMIT: _TERMINAL | {OrderStatus.PRE_SUBMITTED, OrderStatus.SUBMITTED},
    OrderStatus.PRE_SUBMITTED: _TERMINAL | {OrderStatus.SUBMITTED},
    OrderStatus.SUBMITTED: _TERMINAL,
    OrderStatus.FILLED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.INACTIVE: frozenset(),
}


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    """Whether an order may move from ``current`` to ``new``.

    Staying in the same working status is allowed (a partial fill keeps ``Submitted``);
    the terminal statuses Filled, Cancelled and Inactive never change again.
    """
    if current == new:
        return not current.is_terminal
    return new in _TRANSITIONS[current]


@dataclass(kw_only=True)
class Order:
    """One order and its progress.

    ``commission`` is the total charged on its fills so far and ``filled_value`` the exact
    sum of fill quantity times price (``avg_fill_price`` is that over the filled quantity,
    to 8 decimals).
    """

    order_id: str
    account_id: str
    conid: int
    side: Side
    order_type: OrderType
    quantity: Decimal
    limit_price: Decimal | None
    stop_price: Decimal | None
    tif: TimeInForce
    status: OrderStatus
    filled_quantity: Decimal = _ZERO
    avg_fill_price: Decimal | None = None
    created_at: datetime
    updated_at: datetime
    client_order_id: str | None = None
    stop_triggered: bool = False
    reject_reason: str | None = None
    commission: Decimal = _ZERO
    filled_value: Decimal = _ZERO
    parent_id: str | None = None  # a bracket child: waits until this order has filled
    oca_group: str | None = None  # one-cancels-all: a fill cancels the group's others
    trailing_amount: Decimal | None = None
    trailing_type: TrailType | None = None
    outside_rth: bool = False  # may also fill outside regular trading hours

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_quantity

    @property
    def is_active(self) -> bool:
        """Still working: not filled, cancelled or inactive."""
        return not self.status.is_terminal

    @property
    def is_stop(self) -> bool:
        return self.order_type in STOP_TYPES

    @property
    def is_trailing(self) -> bool:
        return self.order_type in TRAILING_TYPES

    @property
    def triggered_type(self) -> OrderType:
        """What a stop trades as once touched: MKT (STP, TRAIL) or LMT (STP_LIMIT, TRAILLMT)."""
        return OrderType.LMT if self.order_type in LIMIT_TYPES else OrderType.MKT

    @property
    def effective_type(self) -> OrderType:
        """What the order trades as now: a triggered stop as its :attr:`triggered_type`."""
        if self.is_stop:
            return self.triggered_type if self.stop_triggered else self.order_type
        return self.order_type


# --- validation --------------------------------------------------------------------------------
def _check_price(value: Decimal, what: str) -> None:
    if not value.is_finite() or value <= 0:
        raise InvalidInput(f"The {what} must be a number greater than 0.")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PRICE_DECIMALS:
        raise InvalidInput(f"The {what} may have at most {MAX_PRICE_DECIMALS} decimal places.")


def validate_terms(
    *,
    order_type: OrderType,
    quantity: Decimal,
    limit_price: Decimal | None,
    stop_price: Decimal | None,
) -> None:
    """Raise ``InvalidInput`` unless quantity and prices fit the order type."""
    if not quantity.is_finite() or quantity <= 0 or quantity != quantity.to_integral_value():
        raise InvalidInput("The quantity must be a positive whole number of shares.")
    needs_limit = order_type in LIMIT_TYPES
    needs_stop = order_type in STOP_TYPES
    if needs_limit and limit_price is None:
        raise InvalidInput(f"A {order_type} order needs a limit price.")
    if needs_stop and stop_price is None:
        raise InvalidInput(f"A {order_type} order needs a stop price.")
    if not needs_limit and limit_price is not None:
        raise InvalidInput(f"A {order_type} order cannot have a limit price.")
    if not needs_stop and stop_price is not None:
        raise InvalidInput(f"A {order_type} order cannot have a stop price.")
    if limit_price is not None:
        _check_price(limit_price, "limit price")
    if stop_price is not None:
        _check_price(stop_price, "stop price")


def new_order(
    *,
    order_id: str,
    account_id: str,
    conid: int,
    side: Side,
    order_type: OrderType,
    quantity: Decimal,
    limit_price: Decimal | None = None,
    stop_price: Decimal | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    client_order_id: str | None = None,
    parent_id: str | None = None,
    oca_group: str | None = None,
    trailing_amount: Decimal | None = None,
    trailing_type: TrailType | None = None,
    outside_rth: bool = False,
    now: datetime,
) -> Order:
    """A validated new order in ``PendingSubmit``; ``InvalidInput`` explains what is wrong."""
    validate_terms(
        order_type=order_type, quantity=quantity, limit_price=limit_price, stop_price=stop_price
    )
    validate_trailing(order_type, trailing_amount, trailing_type)
    if client_order_id is not None and not 0 < len(client_order_id) <= MAX_CLIENT_ORDER_ID_LENGTH:
        raise InvalidInput(
            f"The client order id (cOID) must be 1 to {MAX_CLIENT_ORDER_ID_LENGTH} characters."
        )
    return Order(
        order_id=order_id,
        account_id=account_id,
        conid=conid,
        side=side,
        order_type=order_type,
        quantity=quantity,
        limit_price=limit_price,
        stop_price=stop_price,
        tif=tif,
        status=OrderStatus.PENDING_SUBMIT,
        created_at=now,
        updated_at=now,
        client_order_id=client_order_id,
        parent_id=parent_id,
        oca_group=oca_group,
        trailing_amount=trailing_amount,
        trailing_type=trailing_type,
        outside_rth=outside_rth,
    )


def validate_trailing(
    order_type: OrderType, amount: Decimal | None, kind: TrailType | None
) -> None:
    """A trailing order needs a positive ``trailingAmt`` and its ``trailingType``; no other may."""
    if order_type not in TRAILING_TYPES:
        if amount is not None or kind is not None:
            raise InvalidInput(f"A {order_type} order cannot have a trailing amount.")
        return
    if amount is None or kind is None:
        raise InvalidInput(f"A {order_type} order needs 'trailingAmt' and 'trailingType'.")
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("The trailing amount must be a number greater than 0.")
    if kind is TrailType.PERCENT and amount >= MAX_TRAIL_PERCENT:
        raise InvalidInput(f"A trailing percentage must be below {MAX_TRAIL_PERCENT}%.")


# --- lifecycle -----------------------------------------------------------------------------------
def advance(order: Order, status: OrderStatus, *, now: datetime) -> None:
    """Move ``order`` to ``status``; ``InvalidOrderTransition`` if the move is not allowed."""
    if not can_transition(order.status, status):
        raise InvalidOrderTransition(
            f"Order {order.order_id} is {order.status} and cannot become {status}.",
            order_id=order.order_id,
            status=str(order.status),
        )
    order.status = status
    order.updated_at = now


def submit(order: Order, *, now: datetime, held: bool = False) -> None:
    """Accept a ``PendingSubmit`` order: an untriggered stop, or a bracket child whose parent
    has not filled (``held``), waits in ``PreSubmitted``."""
    target = (
        OrderStatus.PRE_SUBMITTED
        if held or (order.is_stop and not order.stop_triggered)
        else OrderStatus.SUBMITTED
    )
    advance(order, target, now=now)


def release(order: Order, *, now: datetime) -> None:
    """A bracket child's parent has filled: a non-stop child starts working."""
    if order.status is OrderStatus.PRE_SUBMITTED and not order.is_stop:
        advance(order, OrderStatus.SUBMITTED, now=now)


def trigger_stop(order: Order, *, now: datetime) -> None:
    """Mark a stop order's trigger as touched; it now trades as MKT (STP) or LMT (STP_LIMIT)."""
    if not order.is_stop:
        raise InvalidInput(f"Order {order.order_id} is not a stop order.")
    if not order.is_active:
        raise InvalidOrderTransition(
            f"Order {order.order_id} is {order.status}; it cannot trigger."
        )
    if order.stop_triggered:
        return
    if order.status is OrderStatus.PRE_SUBMITTED:
        advance(order, OrderStatus.SUBMITTED, now=now)
    order.stop_triggered = True
    order.updated_at = now


def record_fill(
    order: Order, *, quantity: Decimal, price: Decimal, commission: Decimal, now: datetime
) -> None:
    """Add an execution to ``order``: filled quantity, average price, commission and status."""
    if quantity <= 0 or quantity > order.remaining:
        raise InvalidInput(
            f"A fill of {quantity} does not fit order {order.order_id}: {order.remaining} remain."
        )
    if price <= 0 or commission < 0:
        raise InvalidInput("A fill needs a positive price and a non-negative commission.")
    filled = order.filled_quantity + quantity
    target = OrderStatus.FILLED if filled == order.quantity else OrderStatus.SUBMITTED
    advance(order, target, now=now)
    order.filled_value += price * quantity
    order.filled_quantity = filled
    order.avg_fill_price = (order.filled_value / filled).quantize(_AVG_PRICE_QUANTUM)
    order.commission += commission


def cancel(order: Order, *, now: datetime) -> None:
    """Cancel the unfilled remainder (the filled part stays filled)."""
    advance(order, OrderStatus.CANCELLED, now=now)


def reject(order: Order, reason: str, *, now: datetime) -> None:
    """Make the order ``Inactive`` with a reason the user can read."""
    advance(order, OrderStatus.INACTIVE, now=now)
    order.reject_reason = reason


def modify(
    order: Order,
    *,
    quantity: Decimal | None = None,
    limit_price: Decimal | None = None,
    stop_price: Decimal | None = None,
    tif: TimeInForce | None = None,
    now: datetime,
) -> None:
    """Change a working order's terms; arguments left ``None`` keep their current value."""
    if not order.is_active:
        raise InvalidOrderTransition(f"Order {order.order_id} is {order.status}; it cannot change.")
    new_quantity = order.quantity if quantity is None else quantity
    new_limit = order.limit_price if limit_price is None else limit_price
    new_stop = order.stop_price if stop_price is None else stop_price
    validate_terms(
        order_type=order.order_type,
        quantity=new_quantity,
        limit_price=new_limit,
        stop_price=new_stop,
    )
    if new_quantity <= order.filled_quantity:
        raise InvalidInput(
            f"The quantity must stay above the {order.filled_quantity} shares already filled."
        )
    order.quantity = new_quantity
    order.limit_price = new_limit
    order.stop_price = new_stop
    order.tif = order.tif if tif is None else tif
    order.updated_at = now


def expires_at(order: Order, calendar: TradingCalendar) -> datetime | None:
    """When the order lapses by its time in force: DAY at its session's close, GTC never.

    IOC orders have no time: the matching engine cancels their remainder after one attempt.
    """
    if order.tif is TimeInForce.DAY:
        return calendar.session_close(order.created_at)
    return None


def is_expired(order: Order, *, calendar: TradingCalendar, now: datetime) -> bool:
    """Whether an active order has passed its :func:`expires_at` time."""
    deadline = expires_at(order, calendar)
    return order.is_active and deadline is not None and now >= deadline
