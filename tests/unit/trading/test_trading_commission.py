"""IBKR fixed US stock commission: per share, minimum, 1% cap, and one schedule per order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.domain.trading.commission import (
    commission,
    commission_for_value,
    execution_commission,
    remaining_commission,
)
from gatehouse.domain.trading.orders import OrderType, Side, new_order, record_fill

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
D = Decimal


@pytest.mark.parametrize(
    ("quantity", "price", "expected"),
    [
        ("100", "50", "1.00"),  # 0.50 per share, raised to the minimum
        ("1000", "50", "5.00"),  # 0.005 x 1000
        ("333", "100", "1.67"),  # 1.665 rounds half up
        ("1", "5", "0.05"),  # the 1% cap wins over the minimum
        ("10000", "0.10", "10.00"),  # 50.00 per share, capped at 1% of 1,000
        ("0", "10", "0.00"),
    ],
)
def test_fixed_schedule(quantity: str, price: str, expected: str) -> None:
    assert commission(D(quantity), D(price)) == D(expected)


def test_partial_fills_pay_the_minimum_once() -> None:
    order = new_order(
        order_id="o",
        account_id="DU1",
        conid=265598,
        side=Side.BUY,
        order_type=OrderType.MKT,
        quantity=D(300),
        now=NOW,
    )
    charges = []
    for _ in range(3):
        fee = execution_commission(order, quantity=D(100), price=D(50))
        charges.append(fee)
        record_fill(order, quantity=D(100), price=D(50), commission=fee, now=NOW)
    assert charges == [D("1.00"), D("0.00"), D("0.50")]
    assert order.commission == commission(D(300), D(50))


def test_remaining_commission_is_what_a_full_fill_would_still_cost() -> None:
    order = new_order(
        order_id="o",
        account_id="DU1",
        conid=265598,
        side=Side.BUY,
        order_type=OrderType.MKT,
        quantity=D(1000),
        now=NOW,
    )
    assert remaining_commission(order, price=D(50)) == D("5.00")
    record_fill(order, quantity=D(100), price=D(50), commission=D("1.00"), now=NOW)
    assert remaining_commission(order, price=D(50)) == D("4.00")


@settings(max_examples=60, deadline=None)
@given(
    fills=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=2_000),
            st.decimals(min_value="0.01", max_value="999.99", places=2),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_charges_over_any_fills_add_up_to_the_order_commission(
    fills: list[tuple[int, Decimal]],
) -> None:
    total_quantity = sum(q for q, _ in fills)
    order = new_order(
        order_id="o",
        account_id="DU1",
        conid=265598,
        side=Side.SELL,
        order_type=OrderType.MKT,
        quantity=D(total_quantity),
        now=NOW,
    )
    charged = D(0)
    for quantity, price in fills:
        fee = execution_commission(order, quantity=D(quantity), price=price)
        assert fee >= 0
        charged += fee
        record_fill(order, quantity=D(quantity), price=price, commission=fee, now=NOW)
    value = sum((q * p for q, p in fills), D(0))
    assert charged == commission_for_value(D(total_quantity), value)
    half_cent = D("0.005")  # rounding to cents
    assert charged <= max(D(total_quantity) * D("0.005"), D(1)) + half_cent
    assert charged <= value * D("0.01") + half_cent
