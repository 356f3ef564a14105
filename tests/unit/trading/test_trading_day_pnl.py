"""Day P&L (domain/trading/day_pnl): IBKR's per-position rule, and the property that over any
day of deposits, withdrawals, trades and price moves it equals NLV now − NLV at the start of
the day − net deposits today; its fraction is of the NLV at the start of the day plus today's
net deposits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.domain.errors import InsufficientFunds
from gatehouse.domain.trading.commission import commission
from gatehouse.domain.trading.day_pnl import day_pnl, day_pnl_base, day_pnl_ratio
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import (
    Book,
    CashEntryKind,
    apply_execution,
    deposit,
    record_cash,
    withdraw,
)
from gatehouse.domain.trading.orders import Side

D = Decimal
AAPL, MSFT, F = 265598, 272093, 9599491
START = datetime(2026, 12, 4, 5, 0, tzinfo=UTC)  # the start of the day (previous close)


def _fill(n: int, conid: int, side: Side, quantity: int, price: Decimal, at: datetime) -> Execution:
    q = D(quantity)
    return Execution(
        execution_id=f"E{n}",
        order_id=f"O{n}",
        account_id="U1",
        conid=conid,
        side=side,
        quantity=q,
        price=price,
        commission=commission(q, price),
        at=at,
    )


def _nlv(book: Book, prices: dict[int, Decimal]) -> Decimal:
    return book.cash + sum((q * prices[c] for c, q in book.positions().items()), D(0))


def test_position_opened_today_counts_from_its_fill_price_and_its_commission() -> None:
    """The issue's case: deposit 100,000, buy 10 AAPL at 229.72 (commission 1.00) while AAPL
    is up 1.42 on the day: NLV is 99,999.00 and the day P&L −1.00, not +14.20."""
    book = Book()
    deposit(book, D("100000"), at=START + timedelta(hours=5))
    fill = _fill(1, AAPL, Side.BUY, 10, D("229.72"), START + timedelta(hours=6))
    apply_execution(book, fill)
    found = day_pnl(
        positions=book.positions(),
        marks={AAPL: D("229.72")},
        prior_closes={AAPL: D("228.30")},
        executions_today=[fill],
        cash_today=book.entries,
    )
    assert _nlv(book, {AAPL: D("229.72")}) == D("99999.00")
    assert found.total == D("-1.00")
    assert found.of(AAPL) == D("-1.00")


def test_position_held_overnight_counts_from_the_prior_close_and_a_sale_realizes() -> None:
    book = Book()
    deposit(book, D("10000"), at=START - timedelta(days=3))
    apply_execution(book, _fill(1, MSFT, Side.BUY, 20, D("390.00"), START - timedelta(days=2)))
    sale = _fill(2, MSFT, Side.SELL, 5, D("404.00"), START + timedelta(hours=3))
    apply_execution(book, sale)
    found = day_pnl(
        positions=book.positions(),
        marks={MSFT: D("405.00")},
        prior_closes={MSFT: D("400.00")},
        executions_today=[sale],
    )
    # 15 held × (405 − 400) + 5 sold × (404 − 400) − commission 1.00
    assert found.total == D("75") + D("20") - D("1.00")
    assert found.instruments[0].start_quantity == D(20)


def test_interest_and_fees_count_but_transfers_do_not() -> None:
    book = Book()
    deposit(book, D("500"), at=START + timedelta(hours=1))
    withdraw(book, D("100"), at=START + timedelta(hours=2))
    record_cash(book, CashEntryKind.FEE, D("-2.50"), at=START, description="Data fee")
    found = day_pnl(
        positions={}, marks={}, prior_closes={}, executions_today=[], cash_today=book.entries
    )
    assert found.total == D("-2.50")


prices = st.integers(min_value=100, max_value=50_000).map(lambda c: D(c) / 100)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), st.integers(1, 20_000)),
        st.tuples(st.just("withdraw"), st.integers(1, 20_000)),
        st.tuples(
            st.sampled_from(["buy", "sell"]), st.sampled_from([AAPL, MSFT, F]), st.integers(1, 60)
        ),
        st.tuples(st.just("move"), st.sampled_from([AAPL, MSFT, F]), prices),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    cash=st.integers(0, 50_000),
    held=st.fixed_dictionaries({AAPL: st.integers(-30, 30), MSFT: st.integers(-30, 30)}),
    closes=st.fixed_dictionaries({AAPL: prices, MSFT: prices, F: prices}),
    script=steps,
)
def test_day_pnl_is_the_change_in_nlv_less_net_deposits(
    cash: int, held: dict[int, int], closes: dict[int, Decimal], script: list[tuple[object, ...]]
) -> None:
    book = Book()
    deposit(book, D(cash + 1), at=START - timedelta(days=5))
    n = 0
    for conid, quantity in held.items():  # positions opened on earlier days at other prices
        if quantity:
            n += 1
            side = Side.BUY if quantity > 0 else Side.SELL
            price = closes[conid] + 1
            apply_execution(book, _fill(n, conid, side, abs(quantity), price, START - timedelta(1)))
    nlv_start = _nlv(book, closes)
    marks = dict(closes)
    today: list[Execution] = []
    first_entry_today = len(book.entries)
    net_deposits = D(0)
    at = START
    for step in script:
        at += timedelta(minutes=1)
        kind = step[0]
        if kind == "deposit":
            amount = D(int(step[1]))  # type: ignore[call-overload]
            deposit(book, amount, at=at)
            net_deposits += amount
        elif kind == "withdraw":
            amount = D(int(step[1]))  # type: ignore[call-overload]
            try:
                withdraw(book, amount, at=at)
            except InsufficientFunds:
                continue
            net_deposits -= amount
        elif kind == "move":
            marks[int(step[1])] = step[2]  # type: ignore[call-overload, assignment]
        else:
            n += 1
            conid = int(step[1])  # type: ignore[call-overload]
            side = Side.BUY if kind == "buy" else Side.SELL
            fill = _fill(n, conid, side, int(step[2]), marks[conid], at)  # type: ignore[call-overload]
            apply_execution(book, fill)
            today.append(fill)
    found = day_pnl(
        positions=book.positions(),
        marks=marks,
        prior_closes=closes,
        executions_today=today,
        cash_today=book.entries[first_entry_today:],
    )
    assert found.total == _nlv(book, marks) - nlv_start - net_deposits
    base = nlv_start + net_deposits
    assert day_pnl_base(found.total, net_liquidation=_nlv(book, marks)) == base
    ratio = day_pnl_ratio(found.total, net_liquidation=_nlv(book, marks))
    assert ratio == (found.total / base if base > 0 else None)
    assert found.total == sum((found.of(c) for c in (AAPL, MSFT, F)), D(0))


def _held_overnight(cash: str, shares: int) -> Book:
    """An account that closed yesterday with ``cash`` and ``shares`` of AAPL."""
    book = Book()
    deposit(book, D(cash), at=START - timedelta(days=3))
    if shares:
        apply_execution(book, _fill(1, AAPL, Side.BUY, shares, D("200"), START - timedelta(2)))
    return book


def _ratio_now(book: Book, mark: str, today: list[Execution]) -> tuple[Decimal, Decimal | None]:
    marks = {AAPL: D(mark)}
    found = day_pnl(
        positions=book.positions(),
        marks=marks,
        prior_closes={AAPL: D("200")},
        executions_today=today,
        cash_today=[e for e in book.entries if e.at >= START],
    )
    return found.total, day_pnl_ratio(found.total, net_liquidation=_nlv(book, marks))


def test_a_deposit_today_is_no_profit_and_counts_in_the_base() -> None:
    """100 AAPL closed at 200 (NLV about 20,000), 10,000 deposited today, AAPL up 2: +200 of
    about 30,000 — not +10,200, and not +200 of 20,000."""
    book = _held_overnight("20000", 100)
    start = _nlv(book, {AAPL: D("200")})
    assert start == D("20000") - commission(D(100), D("200"))  # the buy paid its commission
    deposit(book, D("10000"), at=START + timedelta(hours=5))
    pnl, ratio = _ratio_now(book, "202", [])
    assert pnl == D("200")
    assert ratio == D("200") / (start + D("10000"))


def test_a_withdrawal_today_is_no_loss_and_leaves_the_base() -> None:
    """50 AAPL and 10,000 cash at the close, 6,000 withdrawn today, AAPL down 4: −200 of
    about 14,000."""
    book = _held_overnight("20000", 50)
    start = _nlv(book, {AAPL: D("200")})
    withdraw(book, D("6000"), at=START + timedelta(hours=5))
    pnl, ratio = _ratio_now(book, "196", [])
    assert pnl == D("-200")
    assert ratio == D("-200") / (start - D("6000"))


def test_an_account_opened_today_is_measured_against_what_was_deposited() -> None:
    """No prior close: the start of the day is 0, so the base is today's deposits."""
    book = Book()
    deposit(book, D("50000"), at=START + timedelta(hours=5))
    fill = _fill(1, AAPL, Side.BUY, 10, D("201"), START + timedelta(hours=6))
    apply_execution(book, fill)
    pnl, ratio = _ratio_now(book, "203", [fill])
    assert pnl == D("20") - fill.commission
    assert ratio == pnl / D("50000")


def test_no_base_no_fraction() -> None:
    """Opened today with nothing in it, or everything withdrawn today: no percentage (not a
    division by zero, not ±infinity)."""
    empty = Book()
    assert _ratio_now(empty, "200", []) == (D(0), None)
    emptied = _held_overnight("5000", 0)
    withdraw(emptied, D("5000"), at=START + timedelta(hours=5))
    assert _ratio_now(emptied, "200", []) == (D(0), None)
    assert day_pnl_ratio(D("-10"), net_liquidation=D("-50")) is None  # a base below 0
    assert day_pnl_base(D("-10"), net_liquidation=D("-50")) == D("-40")
