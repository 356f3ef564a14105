"""Ledger: cash journal, FIFO lots, short positions and realized gains that reconcile with cash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.domain.errors import InsufficientFunds, InvalidInput
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import (
    Book,
    CashEntryKind,
    Lot,
    RealizedLot,
    apply_execution,
    apply_fill,
    deposit,
    record_cash,
    withdraw,
)
from gatehouse.domain.trading.orders import Side

T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
D = Decimal
AAPL = 265598


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def funded(amount: str = "100000") -> Book:
    book = Book()
    deposit(book, D(amount), at=T0)
    return book


def test_deposit_and_withdraw() -> None:
    book = funded("1000")
    entry = withdraw(book, D("250.50"), at=T0)
    assert entry.kind is CashEntryKind.WITHDRAWAL and entry.amount == D("-250.50")
    assert book.cash == D("749.50")
    assert sum(e.amount for e in book.entries) == book.cash


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "NaN"])
def test_bad_amounts_are_refused(amount: str) -> None:
    book = funded("1000")
    with pytest.raises(InvalidInput):
        deposit(book, D(amount), at=T0)
    with pytest.raises(InvalidInput):
        withdraw(book, D(amount), at=T0)
    assert book.cash == 1000 and len(book.entries) == 1


def test_cannot_withdraw_more_than_the_cash() -> None:
    book = funded("1000")
    with pytest.raises(InsufficientFunds):
        withdraw(book, D("1000.01"), at=T0)
    assert book.cash == 1000 and len(book.entries) == 1


def test_buy_then_sell_realizes_a_gain_net_of_commissions() -> None:
    book = funded("10000")
    assert (
        apply_fill(
            book, conid=AAPL, side=Side.BUY, quantity=D(10), price=D(100), commission=D(1), at=at(0)
        )
        == []
    )
    assert book.cash == D("8999")
    assert book.position(AAPL) == 10
    assert book.average_cost(AAPL) == D("100.1")
    realized = apply_fill(
        book, conid=AAPL, side=Side.SELL, quantity=D(10), price=D(110), commission=D(1), at=at(3)
    )
    assert realized == [
        RealizedLot(AAPL, D(10), at(0), at(3), proceeds=D(1099), cost_basis=D(1001))
    ]
    assert realized[0].gain == D(98)
    assert book.position(AAPL) == 0 and book.average_cost(AAPL) is None
    assert AAPL not in book.lots
    assert book.cash == D("10098")
    assert book.realized_gain() == D(98) == book.realized_gain(AAPL)


def test_fifo_closes_the_oldest_lot_first_and_splits_commissions() -> None:
    book = funded()
    apply_fill(
        book, conid=AAPL, side=Side.BUY, quantity=D(100), price=D(10), commission=D(1), at=at(0)
    )
    apply_fill(
        book, conid=AAPL, side=Side.BUY, quantity=D(100), price=D(12), commission=D(1), at=at(1)
    )
    realized = apply_fill(
        book,
        conid=AAPL,
        side=Side.SELL,
        quantity=D(150),
        price=D(15),
        commission=D("1.50"),
        at=at(2),
    )
    assert [(r.quantity, r.opened_at) for r in realized] == [(100, at(0)), (50, at(1))]
    assert realized[0].proceeds == D(1500) - D("1.00")
    assert realized[0].cost_basis == D(1001)
    assert realized[1].proceeds == D(750) - D("0.50")
    assert realized[1].cost_basis == D(600) + D("0.50")
    assert book.lots[AAPL] == [Lot(AAPL, D(50), D(12), at(1), D("0.50"))]


def test_selling_with_no_position_opens_a_short_that_a_buy_covers() -> None:
    book = funded("5000")
    apply_fill(
        book, conid=AAPL, side=Side.SELL, quantity=D(100), price=D(20), commission=D(1), at=at(0)
    )
    assert book.position(AAPL) == -100
    assert book.cash == D(5000) + D(2000) - D(1)
    assert book.cost_basis(AAPL) == D(-1999)
    assert book.average_cost(AAPL) == D("19.99")
    realized = apply_fill(
        book, conid=AAPL, side=Side.BUY, quantity=D(40), price=D(18), commission=D(1), at=at(1)
    )
    assert realized == [
        RealizedLot(
            AAPL,
            D(40),
            at(0),
            at(1),
            proceeds=D(800) - D("0.40"),
            cost_basis=D(720) + D(1),
            short=True,
        )
    ]
    assert book.position(AAPL) == -60


def test_a_fill_through_zero_closes_then_opens_the_other_way() -> None:
    book = funded()
    apply_fill(
        book, conid=AAPL, side=Side.BUY, quantity=D(50), price=D(10), commission=D(1), at=at(0)
    )
    realized = apply_fill(
        book,
        conid=AAPL,
        side=Side.SELL,
        quantity=D(80),
        price=D(11),
        commission=D("1.60"),
        at=at(1),
    )
    assert len(realized) == 1 and realized[0].quantity == 50
    assert realized[0].proceeds == D(550) - D("1.00")
    assert book.lots[AAPL] == [Lot(AAPL, D(-30), D(11), at(1), D("0.60"))]


def test_journal_records_trades_and_commissions() -> None:
    book = funded("1000")
    apply_fill(
        book, conid=AAPL, side=Side.BUY, quantity=D(2), price=D("230.10"), commission=D(1), at=at(0)
    )
    kinds = [(e.kind, e.amount) for e in book.entries]
    assert kinds == [
        (CashEntryKind.DEPOSIT, D(1000)),
        (CashEntryKind.TRADE, D("-460.20")),
        (CashEntryKind.COMMISSION, D(-1)),
    ]
    assert book.entries[1].description == "Bought 2 AAPL @ 230.10"
    assert book.entries[1].conid == AAPL
    record_cash(book, CashEntryKind.INTEREST, D("0.42"), at=at(1), description="Interest")
    assert sum(e.amount for e in book.entries) == book.cash


def test_apply_execution() -> None:
    book = funded()
    execution = Execution("e1", "o1", "DU1", AAPL, Side.BUY, D(5), D(100), D(1), at(0))
    apply_execution(book, execution)
    assert book.position(AAPL) == 5 and book.cash == D(100000) + execution.net_amount
    assert execution.net_amount == D(-501)


@pytest.mark.parametrize(
    ("quantity", "price", "fee"), [("0", "1", "0"), ("1", "0", "0"), ("1", "1", "-1")]
)
def test_bad_fills_change_nothing(quantity: str, price: str, fee: str) -> None:
    book = funded()
    with pytest.raises(InvalidInput):
        apply_fill(
            book,
            conid=AAPL,
            side=Side.BUY,
            quantity=D(quantity),
            price=D(price),
            commission=D(fee),
            at=T0,
        )
    assert book.cash == 100000 and not book.lots and len(book.entries) == 1


def test_copy_is_independent() -> None:
    book = funded()
    copy = book.copy()
    apply_fill(copy, conid=AAPL, side=Side.BUY, quantity=D(1), price=D(1), commission=D(0), at=T0)
    assert book.position(AAPL) == 0 and copy.position(AAPL) == 1


# --- property: the books always reconcile ---------------------------------------------------------
prices = st.decimals(min_value="0.01", max_value="500", places=2)
events = st.one_of(
    st.tuples(st.just("deposit"), st.decimals(min_value="0.01", max_value="50000", places=2)),
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.sampled_from([AAPL, 8314, 756733]),
        st.integers(min_value=1, max_value=500),
        prices,
        st.decimals(min_value="0", max_value="9.99", places=2),
    ),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(events, min_size=1, max_size=25))
def test_cash_and_cost_basis_reconcile_with_the_journal(
    steps: list[tuple[object, ...]],
) -> None:
    book = Book()
    deposits = D(0)
    traded: dict[int, Decimal] = {}
    for i, step in enumerate(steps):
        when = at(i)
        if step[0] == "deposit":
            amount = step[1]
            assert isinstance(amount, Decimal)
            deposit(book, amount, at=when)
            deposits += amount
            continue
        side, conid, quantity, price, fee = step
        assert isinstance(side, Side) and isinstance(conid, int)
        assert isinstance(quantity, int) and isinstance(price, Decimal)
        assert isinstance(fee, Decimal)
        apply_fill(
            book, conid=conid, side=side, quantity=D(quantity), price=price, commission=fee, at=when
        )
        traded[conid] = traded.get(conid, D(0)) + side.sign * quantity

    assert sum((e.amount for e in book.entries), D(0)) == book.cash
    open_basis = sum((lot.cost_basis for lots in book.lots.values() for lot in lots), D(0))
    assert book.cash + open_basis == deposits + book.realized_gain()
    for conid, net in traded.items():
        lots = book.lots.get(conid, [])
        assert book.position(conid) == net == sum((lot.quantity for lot in lots), D(0))
        assert all(lot.quantity > 0 for lot in lots) or all(lot.quantity < 0 for lot in lots)
        assert all(lot.commission >= 0 for lot in lots)
    assert all(r.quantity > 0 for r in book.realized)
