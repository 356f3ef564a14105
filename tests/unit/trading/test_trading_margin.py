"""Account values as IBKR defines them: NLV, ELV, margin, available funds, buying power, cushion."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.domain.trading.ledger import Book, apply_fill, deposit
from gatehouse.domain.trading.margin import (
    AccountType,
    initial_requirement,
    maintenance_requirement,
    short_requirement_per_share,
    snapshot,
)
from gatehouse.domain.trading.orders import Side

T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
D = Decimal
AAPL, IBM = 265598, 8314
MARGIN, CASH = AccountType.MARGIN, AccountType.CASH


def book_with(cash: str, *fills: tuple[Side, int, int, str]) -> Book:
    book = Book()
    deposit(book, D(cash), at=T0)
    for side, conid, quantity, price in fills:
        apply_fill(
            book, conid=conid, side=side, quantity=D(quantity), price=D(price),
            commission=D(0), at=T0,
        )  # fmt: skip
    return book


def test_empty_margin_account() -> None:
    s = snapshot(book_with("10000"), {}, account_type=MARGIN, previous_day_elv=None)
    assert s.net_liquidation == s.total_cash == s.settled_cash == s.equity_with_loan == 10000
    assert s.gross_position_value == s.stock_market_value == 0
    assert s.init_margin == s.maint_margin == 0
    assert s.available_funds == s.excess_liquidity == 10000
    assert s.buying_power == 40000
    assert s.cushion == 1 and s.leverage == 0
    assert s.day_trades_remaining == 3
    assert s.sma == 10000


def test_long_position_in_a_margin_account() -> None:
    book = book_with("10000", (Side.BUY, AAPL, 100, "50"))
    s = snapshot(book, {AAPL: D(60)}, account_type=MARGIN, previous_day_elv=D(9000))
    assert s.total_cash == 5000
    assert s.long_market_value == s.stock_market_value == s.gross_position_value == 6000
    assert s.net_liquidation == s.equity_with_loan == 11000
    assert s.init_margin == s.maint_margin == 1500
    assert s.available_funds == 9500 and s.excess_liquidity == 9500
    assert s.buying_power == (D(9000) - 1500) * 4  # min(ELV, previous-day ELV)
    assert s.cushion == D("0.863636")
    assert s.leverage == D("0.545455")
    assert s.unrealized_pnl == 1000
    assert s.sma == 11000 - 3000


def test_short_position_in_a_margin_account() -> None:
    book = book_with("10000", (Side.SELL, IBM, 100, "200"))
    s = snapshot(book, {IBM: D(210)}, account_type=MARGIN, previous_day_elv=None)
    assert s.total_cash == 30000
    assert s.short_market_value == s.stock_market_value == -21000
    assert s.gross_position_value == 21000
    assert s.net_liquidation == s.equity_with_loan == 9000
    assert s.init_margin == s.maint_margin == D("6300.00")  # 30% of 21,000
    assert s.available_funds == D("2700.00")
    assert s.unrealized_pnl == -1000


@pytest.mark.parametrize(
    ("price", "per_share"),
    [
        ("100", "30.00"),
        ("16.68", "5.004"),
        ("16.67", "5.00"),
        ("10", "5.00"),
        ("5.01", "5.00"),
        ("5", "5"),
        ("3", "3"),
        ("2.51", "2.51"),
        ("2.50", "2.50"),
        ("0.40", "2.50"),
    ],
)
def test_short_requirement_floors(price: str, per_share: str) -> None:
    assert short_requirement_per_share(D(price)) == D(per_share)
    assert initial_requirement(MARGIN, D(-10), D(price)) == 10 * D(per_share)
    assert maintenance_requirement(CASH, D(-10), D(price)) == 10 * D(per_share)


def test_cash_account_values() -> None:
    book = book_with("10000", (Side.BUY, AAPL, 100, "50"))
    s = snapshot(book, {AAPL: D(55)}, account_type=CASH, previous_day_elv=D(4000))
    assert s.net_liquidation == 10500
    assert s.equity_with_loan == s.settled_cash == s.total_cash == 5000
    assert s.init_margin == s.maint_margin == 0  # paid in full
    assert s.available_funds == s.excess_liquidity == 5000
    assert s.buying_power == 4000  # min(ELV, previous-day ELV) with no multiplier
    assert s.cushion == D("0.476190")
    assert s.sma == 0


def test_cushion_is_zero_when_net_liquidation_is_not_positive() -> None:
    book = book_with("1000", (Side.SELL, IBM, 100, "10"))
    s = snapshot(book, {IBM: D(40)}, account_type=MARGIN, previous_day_elv=None)
    assert s.net_liquidation == -2000
    assert s.cushion == 0 and s.leverage == 0 and s.buying_power == 0


def test_day_trades_remaining() -> None:
    small = snapshot(book_with("24999.99"), {}, account_type=MARGIN, previous_day_elv=None,
                     day_trades_used=2)  # fmt: skip
    assert small.day_trades_remaining == 1
    big = snapshot(book_with("25000"), {}, account_type=MARGIN, previous_day_elv=None)
    assert big.day_trades_remaining == -1


def test_every_position_needs_a_price() -> None:
    book = book_with("10000", (Side.BUY, AAPL, 1, "50"))
    with pytest.raises(ValueError):
        snapshot(book, {}, account_type=MARGIN, previous_day_elv=None)


fills = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.sampled_from([AAPL, IBM]),
        st.integers(min_value=1, max_value=300),
        st.decimals(min_value="1", max_value="400", places=2),
    ),
    max_size=10,
)


@settings(max_examples=80, deadline=None)
@given(
    cash=st.decimals(min_value="0.01", max_value="1000000", places=2),
    trades=fills,
    marks=st.tuples(
        st.decimals(min_value="0.01", max_value="500", places=2),
        st.decimals(min_value="0.01", max_value="500", places=2),
    ),
    account_type=st.sampled_from(list(AccountType)),
)
def test_net_liquidation_is_cash_plus_market_value(
    cash: Decimal,
    trades: list[tuple[Side, int, int, Decimal]],
    marks: tuple[Decimal, Decimal],
    account_type: AccountType,
) -> None:
    book = book_with(str(cash), *((s, c, q, str(p)) for s, c, q, p in trades))
    prices = {AAPL: marks[0], IBM: marks[1]}
    s = snapshot(book, prices, account_type=account_type, previous_day_elv=None)
    market_value = sum((q * prices[c] for c, q in book.positions().items()), D(0))
    assert s.net_liquidation == book.cash + market_value == s.total_cash + s.stock_market_value
    assert s.stock_market_value == s.long_market_value + s.short_market_value
    assert s.gross_position_value == s.long_market_value - s.short_market_value >= 0
    assert s.available_funds == s.equity_with_loan - s.init_margin
    assert s.excess_liquidity == s.equity_with_loan - s.maint_margin
    assert s.buying_power >= 0
    if account_type is AccountType.MARGIN:
        assert s.equity_with_loan == s.net_liquidation
    else:
        assert s.equity_with_loan == book.cash
