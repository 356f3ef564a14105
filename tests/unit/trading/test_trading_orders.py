"""Orders: validation of new orders, IBKR statuses and their transitions, fills and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gatehouse.domain.errors import Conflict, InvalidInput, InvalidOrderTransition
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.orders import (
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    advance,
    can_transition,
    cancel,
    expires_at,
    is_expired,
    modify,
    new_order,
    record_fill,
    reject,
    submit,
    trigger_stop,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
D = Decimal


def order(
    order_type: OrderType = OrderType.LMT,
    *,
    side: Side = Side.BUY,
    quantity: str = "100",
    limit: str | None = "190.00",
    stop: str | None = None,
    tif: TimeInForce = TimeInForce.DAY,
) -> Order:
    return new_order(
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


def test_new_order_starts_pending_with_nothing_filled() -> None:
    o = order()
    assert o.status is OrderStatus.PENDING_SUBMIT
    assert o.status == "PendingSubmit"
    assert o.filled_quantity == 0 and o.remaining == 100
    assert o.avg_fill_price is None
    assert o.created_at == o.updated_at == NOW
    assert o.is_active


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quantity": "0"}, "positive whole number"),
        ({"quantity": "-5"}, "positive whole number"),
        ({"quantity": "1.5"}, "positive whole number"),
        ({"quantity": "NaN"}, "positive whole number"),
        ({"limit": None}, "needs a limit price"),
        ({"order_type": OrderType.STP, "limit": None}, "needs a stop price"),
        ({"order_type": OrderType.STP_LIMIT, "stop": None}, "needs a stop price"),
        ({"order_type": OrderType.STP_LIMIT, "limit": None, "stop": "1"}, "needs a limit price"),
        ({"order_type": OrderType.MKT}, "cannot have a limit price"),
        ({"order_type": OrderType.MKT, "limit": None, "stop": "5"}, "cannot have a stop price"),
        ({"stop": "180"}, "cannot have a stop price"),
        ({"limit": "0"}, "greater than 0"),
        ({"limit": "-1"}, "greater than 0"),
        ({"limit": "Infinity"}, "greater than 0"),
        ({"limit": "190.12345"}, "at most 4 decimal places"),
        ({"order_type": OrderType.STP, "limit": None, "stop": "0.00001"}, "4 decimal places"),
    ],
)
def test_new_order_rejects_bad_terms(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        order(**kwargs)  # type: ignore[arg-type]
    assert message in raised.value.message


def test_prices_with_four_decimals_or_trailing_zeros_are_fine() -> None:
    assert order(limit="0.1234").limit_price == D("0.1234")
    assert order(limit="190.500000").limit_price == D("190.500000")
    assert order(quantity="100.000").quantity == 100


def test_client_order_id_length() -> None:
    with pytest.raises(InvalidInput):
        new_order(
            order_id="o",
            account_id="DU1",
            conid=1,
            side=Side.BUY,
            order_type=OrderType.MKT,
            quantity=D(1),
            client_order_id="x" * 65,
            now=NOW,
        )


ALL = list(OrderStatus)
ALLOWED = {
    (OrderStatus.PENDING_SUBMIT, OrderStatus.PENDING_SUBMIT),
    (OrderStatus.PENDING_SUBMIT, OrderStatus.PRE_SUBMITTED),
    (OrderStatus.PENDING_SUBMIT, OrderStatus.SUBMITTED),
    (OrderStatus.PENDING_SUBMIT, OrderStatus.FILLED),
    (OrderStatus.PENDING_SUBMIT, OrderStatus.CANCELLED),
    (OrderStatus.PENDING_SUBMIT, OrderStatus.INACTIVE),
    (OrderStatus.PRE_SUBMITTED, OrderStatus.PRE_SUBMITTED),
    (OrderStatus.PRE_SUBMITTED, OrderStatus.SUBMITTED),
    (OrderStatus.PRE_SUBMITTED, OrderStatus.FILLED),
    (OrderStatus.PRE_SUBMITTED, OrderStatus.CANCELLED),
    (OrderStatus.PRE_SUBMITTED, OrderStatus.INACTIVE),
    (OrderStatus.SUBMITTED, OrderStatus.SUBMITTED),
    (OrderStatus.SUBMITTED, OrderStatus.FILLED),
    (OrderStatus.SUBMITTED, OrderStatus.CANCELLED),
    (OrderStatus.SUBMITTED, OrderStatus.INACTIVE),
}


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("new", ALL)
def test_transition_table(current: OrderStatus, new: OrderStatus) -> None:
    assert can_transition(current, new) is ((current, new) in ALLOWED)


def test_status_strings_are_ibkrs() -> None:
    assert [s.value for s in OrderStatus] == [
        "PendingSubmit",
        "PreSubmitted",
        "Submitted",
        "Filled",
        "Cancelled",
        "Inactive",
    ]


def test_illegal_advance_is_a_conflict_and_changes_nothing() -> None:
    o = order()
    advance(o, OrderStatus.CANCELLED, now=NOW)
    later = NOW + timedelta(seconds=5)
    with pytest.raises(InvalidOrderTransition) as raised:
        advance(o, OrderStatus.SUBMITTED, now=later)
    assert isinstance(raised.value, Conflict)
    assert raised.value.code == "invalid_order_transition"
    assert o.status is OrderStatus.CANCELLED and o.updated_at == NOW


def test_submit_puts_untriggered_stops_in_presubmitted() -> None:
    limit = order()
    submit(limit, now=NOW)
    assert limit.status is OrderStatus.SUBMITTED
    stop = order(OrderType.STP, limit=None, stop="200")
    submit(stop, now=NOW)
    assert stop.status is OrderStatus.PRE_SUBMITTED


def test_trigger_stop() -> None:
    stop = order(OrderType.STP_LIMIT, limit="201", stop="200")
    submit(stop, now=NOW)
    assert stop.effective_type is OrderType.STP_LIMIT
    trigger_stop(stop, now=NOW)
    assert stop.stop_triggered and stop.status is OrderStatus.SUBMITTED
    assert stop.effective_type is OrderType.LMT
    plain = order(OrderType.STP, limit=None, stop="200")
    trigger_stop(plain, now=NOW)
    assert plain.effective_type is OrderType.MKT
    with pytest.raises(InvalidInput):
        trigger_stop(order(), now=NOW)
    cancel(plain, now=NOW)
    with pytest.raises(InvalidOrderTransition):
        trigger_stop(plain, now=NOW)


def test_record_fill_tracks_quantity_average_price_and_commission() -> None:
    o = order(quantity="300")
    submit(o, now=NOW)
    record_fill(o, quantity=D(100), price=D("189.50"), commission=D("1.00"), now=NOW)
    assert o.status is OrderStatus.SUBMITTED and o.remaining == 200
    record_fill(o, quantity=D(200), price=D("189.80"), commission=D("0.50"), now=NOW)
    assert o.status is OrderStatus.FILLED and o.remaining == 0
    assert o.avg_fill_price == D("189.70")
    assert o.filled_value == D("56910.00")
    assert o.commission == D("1.50")
    assert not o.is_active


def test_record_fill_refuses_overfills_and_bad_prices() -> None:
    o = order()
    with pytest.raises(InvalidInput):
        record_fill(o, quantity=D(101), price=D(1), commission=D(0), now=NOW)
    with pytest.raises(InvalidInput):
        record_fill(o, quantity=D(1), price=D(0), commission=D(0), now=NOW)
    with pytest.raises(InvalidInput):
        record_fill(o, quantity=D(1), price=D(1), commission=D(-1), now=NOW)
    assert o.filled_quantity == 0 and o.status is OrderStatus.PENDING_SUBMIT


def test_cancel_keeps_the_filled_part() -> None:
    o = order()
    submit(o, now=NOW)
    record_fill(o, quantity=D(40), price=D(190), commission=D(1), now=NOW)
    cancel(o, now=NOW)
    assert o.status is OrderStatus.CANCELLED and o.filled_quantity == 40
    with pytest.raises(InvalidOrderTransition):
        cancel(o, now=NOW)


def test_reject_makes_the_order_inactive_with_a_reason() -> None:
    o = order()
    reject(o, "Not enough available funds.", now=NOW)
    assert o.status is OrderStatus.INACTIVE
    assert o.reject_reason == "Not enough available funds."


def test_modify() -> None:
    o = order(quantity="100")
    submit(o, now=NOW)
    record_fill(o, quantity=D(30), price=D(190), commission=D(1), now=NOW)
    later = NOW + timedelta(minutes=1)
    modify(o, limit_price=D("191.00"), quantity=D(80), tif=TimeInForce.GTC, now=later)
    assert (o.limit_price, o.quantity, o.tif, o.updated_at) == (D("191.00"), 80, "GTC", later)
    with pytest.raises(InvalidInput):
        modify(o, quantity=D(30), now=later)
    with pytest.raises(InvalidInput):
        modify(o, limit_price=D("-1"), now=later)
    cancel(o, now=later)
    with pytest.raises(InvalidOrderTransition):
        modify(o, quantity=D(90), now=later)


def test_expiry_by_time_in_force() -> None:
    cal = TradingCalendar()
    day = order(tif=TimeInForce.DAY)
    assert expires_at(day, cal) == datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    assert not is_expired(day, calendar=cal, now=datetime(2026, 3, 10, 19, 59, tzinfo=UTC))
    assert is_expired(day, calendar=cal, now=datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    gtc = order(tif=TimeInForce.GTC)
    assert expires_at(gtc, cal) is None
    assert not is_expired(gtc, calendar=cal, now=NOW + timedelta(days=400))
