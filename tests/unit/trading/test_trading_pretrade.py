"""Pre-trade checks and what-if: environment, instrument, terms, cash, positions and margin."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.domain.errors import (
    InsufficientFunds,
    InvalidInput,
    NoMarketPrice,
    OrderRejected,
    SellExceedsPosition,
    ShortSaleNotAllowed,
    UnknownInstrument,
    WrongEnvironment,
)
from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.ledger import Book, apply_fill, deposit
from gatehouse.domain.trading.margin import AccountType
from gatehouse.domain.trading.matching import apply_match, match
from gatehouse.domain.trading.orders import (
    Order,
    OrderType,
    Side,
    TimeInForce,
    cancel,
    new_order,
    submit,
)
from gatehouse.domain.trading.pretrade import (
    AccountState,
    OrderEstimate,
    check_order,
    reserved_cash,
    whatif,
)
from gatehouse.domain.trading.quotes import Quote

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
D = Decimal
AAPL = 265598
PAPER, LIVE = Environment.PAPER, Environment.LIVE


def quote(bid: str = "99.98", ask: str = "100.02", *, size: int = 1000, conid: int = AAPL) -> Quote:
    last = (D(bid) + D(ask)) / 2
    return Quote(
        conid=conid,
        bid=D(bid),
        ask=D(ask),
        bid_size=size,
        ask_size=size,
        last=last,
        last_size=100,
        volume=1,
        open=last,
        high=last,
        low=last,
        close=last,
        prior_close=last,
        at=NOW,
    )


_ids = iter(range(1_000_000))


def order(
    side: Side = Side.BUY,
    quantity: int = 10,
    order_type: OrderType = OrderType.LMT,
    limit: str | None = "100.00",
    *,
    conid: int = AAPL,
    stop: str | None = None,
) -> Order:
    return new_order(
        order_id=f"o-{next(_ids)}",
        account_id="DU1",
        conid=conid,
        side=side,
        order_type=order_type,
        quantity=D(quantity),
        limit_price=None if limit is None else D(limit),
        stop_price=None if stop is None else D(stop),
        now=NOW,
    )


def account(
    cash: str = "10000",
    account_type: AccountType = AccountType.CASH,
    *,
    holding: int = 0,
    open_orders: tuple[Order, ...] = (),
    environment: Environment = PAPER,
) -> AccountState:
    book = Book()
    deposit(book, D(cash), at=NOW)
    if holding:
        apply_fill(
            book,
            conid=AAPL,
            side=Side.BUY,
            quantity=D(holding),
            price=D(100),
            commission=D(0),
            at=NOW,
        )
    return AccountState(
        account_id="DU1",
        account_type=account_type,
        environment=environment,
        book=book,
        prices={AAPL: D(100)},
        open_orders=open_orders,
    )


def check(o: Order, acct: AccountState, q: Quote | None = None) -> OrderEstimate:
    return check_order(o, account=acct, session_environment=acct.environment, quote=q or quote())


# --- environment, instrument, terms ---------------------------------------------------------------
def test_paper_session_cannot_trade_a_live_account() -> None:
    with pytest.raises(WrongEnvironment) as raised:
        check_order(
            order(), account=account(environment=LIVE), session_environment=PAPER, quote=quote()
        )
    assert "paper session" in raised.value.message and raised.value.code == "wrong_environment"


def test_unknown_instrument() -> None:
    with pytest.raises(UnknownInstrument):
        check(order(conid=1), account())


def test_bad_terms_are_invalid_input() -> None:
    o = order()
    o.quantity = D("0.5")
    with pytest.raises(InvalidInput):
        check(o, account())
    o = order()
    o.limit_price = D("-1")
    with pytest.raises(InvalidInput):
        check(o, account())


# --- cash accounts -------------------------------------------------------------------------------
def test_cash_buy_within_cash_is_accepted_and_valued() -> None:
    estimate = check(order(quantity=10, limit="100.00"), account())
    assert estimate == replace(estimate, price=D("100.00"), value=D(1000), commission=D("1.00"))


def test_market_buy_is_valued_at_the_ask() -> None:
    estimate = check_order(
        order(order_type=OrderType.MKT, limit=None),
        account=account(),
        session_environment=PAPER,
        quote=quote(),
    )
    assert estimate.price == D("100.02") and estimate.value == D("1000.20")


def test_cash_buy_beyond_cash_is_insufficient_funds() -> None:
    with pytest.raises(InsufficientFunds) as raised:
        check(order(quantity=100, limit="100.00"), account("10000"))  # 10,000 + 1.00 commission
    assert "10,001.00" in raised.value.message and "10,000.00" in raised.value.message
    assert raised.value.code == "insufficient_funds"


def test_open_buy_orders_reserve_cash() -> None:
    resting = order(quantity=60, limit="100.00")
    submit(resting, now=NOW)
    acct = account("10000", open_orders=(resting,))
    assert reserved_cash(acct.open_orders, prices=acct.prices) == D("6001.00")
    check(order(quantity=39, limit="100.00"), acct)
    with pytest.raises(InsufficientFunds):
        check(order(quantity=40, limit="100.00"), acct)
    cancel(resting, now=NOW)
    check(order(quantity=99, limit="100.00"), acct)


def test_the_order_being_modified_does_not_reserve_against_itself() -> None:
    resting = order(quantity=90, limit="100.00")
    submit(resting, now=NOW)
    resting.quantity = D(99)
    check(resting, account("10000", open_orders=(resting,)))


def test_cash_account_cannot_sell_short() -> None:
    with pytest.raises(ShortSaleNotAllowed) as raised:
        check(order(Side.SELL), account())
    assert raised.value.code == "short_not_allowed"
    assert isinstance(raised.value, OrderRejected)


def test_cash_account_cannot_sell_more_than_it_holds() -> None:
    with pytest.raises(SellExceedsPosition) as raised:
        check(order(Side.SELL, 11), account(holding=10))
    assert raised.value.code == "sell_exceeds_position"
    check(order(Side.SELL, 10), account(holding=10))


def test_open_sell_orders_count_against_the_position() -> None:
    resting = order(Side.SELL, 6)
    submit(resting, now=NOW)
    acct = account(holding=10, open_orders=(resting,))
    check(order(Side.SELL, 4), acct)
    with pytest.raises(SellExceedsPosition, match="at most 4 shares"):
        check(order(Side.SELL, 5), acct)


def test_market_order_without_any_price_is_refused() -> None:
    acct = replace(account(), prices={})
    with pytest.raises(NoMarketPrice):
        check_order(
            order(order_type=OrderType.MKT, limit=None),
            account=acct,
            session_environment=PAPER,
            quote=None,
        )
    check_order(order(), account=acct, session_environment=PAPER, quote=None)  # limit: fine


def test_buy_stop_is_valued_at_the_higher_of_stop_and_ask() -> None:
    stop = order(order_type=OrderType.STP, limit=None, stop="99.00")
    assert check(stop, account()).price == D("100.02")
    stop = order(order_type=OrderType.STP, limit=None, stop="105.00")
    assert check(stop, account()).price == D("105.00")


# --- margin accounts -----------------------------------------------------------------------------
def test_margin_buy_up_to_four_times_equity() -> None:
    acct = account("10000", AccountType.MARGIN)
    check(order(quantity=390, limit="100.00"), acct)  # 9,750 initial margin + 1.95 commission
    with pytest.raises(InsufficientFunds, match="initial margin"):
        check(order(quantity=410, limit="100.00"), acct)


def test_margin_account_may_sell_short() -> None:
    check(order(Side.SELL, 100, limit="100.00"), account("10000", AccountType.MARGIN))
    with pytest.raises(InsufficientFunds):
        check(order(Side.SELL, 400, limit="100.00"), account("10000", AccountType.MARGIN))


def test_open_orders_reserve_margin() -> None:
    resting = order(quantity=300, limit="100.00")
    submit(resting, now=NOW)
    acct = account("10000", AccountType.MARGIN, open_orders=(resting,))
    check(order(quantity=90, limit="100.00"), acct)
    with pytest.raises(InsufficientFunds):
        check(order(quantity=110, limit="100.00"), acct)


def test_closing_a_position_is_allowed_even_in_deficit() -> None:
    acct = account("1000", AccountType.MARGIN, holding=100)  # cash -9,000, stock 10,000
    acct = replace(acct, prices={AAPL: D(95)})
    check(order(Side.SELL, 100, limit="95.00"), acct, quote("94.98", "95.02"))


# --- what-if -------------------------------------------------------------------------------------
def test_whatif_reports_amount_commission_and_margin_changes() -> None:
    acct = account("10000", AccountType.MARGIN)
    preview = whatif(
        order(quantity=100, limit="100.00"), account=acct, session_environment=PAPER, quote=quote()
    )
    assert (preview.amount, preview.commission, preview.total) == (D(10000), D(1), D(10001))
    assert preview.equity.current == 10000 and preview.equity.change == D("-1.00")
    assert preview.initial.current == 0 and preview.initial.after == 2500
    assert preview.maintenance.change == 2500
    assert preview.error is None


def test_whatif_total_of_a_sale_is_the_proceeds_less_commission() -> None:
    acct = account("1000", AccountType.MARGIN, holding=100)
    preview = whatif(
        order(Side.SELL, 5, limit="100.00"), account=acct, session_environment=PAPER, quote=quote()
    )
    assert (preview.amount, preview.commission, preview.total) == (D(500), D(1), D(499))


def test_whatif_reports_a_rejection_as_an_error() -> None:
    preview = whatif(
        order(quantity=500), account=account("10000"), session_environment=PAPER, quote=quote()
    )
    assert preview.error is not None and "cash is available" in preview.error
    assert preview.equity.after == D(10000) - D(50000) - D("2.50")
    with pytest.raises(WrongEnvironment):
        whatif(order(), account=account(), session_environment=LIVE, quote=quote())


# --- property: a cash account never goes below zero ----------------------------------------------
quotes = st.tuples(
    st.decimals(min_value="1.00", max_value="150.00", places=2),
    st.integers(min_value=1, max_value=5),
    st.sampled_from([100, 200, 500, 1000]),
).map(lambda t: quote(str(t[0]), str(t[0] + D(t[1]) / 100), size=t[2]))
tickets = st.tuples(
    st.sampled_from([Side.BUY, Side.BUY, Side.SELL]),
    st.integers(min_value=1, max_value=300),
    st.sampled_from([OrderType.MKT, OrderType.LMT]),
    st.integers(min_value=-300, max_value=300),  # limit offset from the mid, in basis points
    st.sampled_from([TimeInForce.DAY, TimeInForce.IOC]),
)
rounds = st.lists(st.tuples(quotes, st.lists(tickets, max_size=4)), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(cash=st.integers(min_value=0, max_value=60_000), plan=rounds)
def test_cash_account_cash_never_goes_negative(
    cash: int, plan: list[tuple[Quote, list[tuple[Side, int, OrderType, int, TimeInForce]]]]
) -> None:
    book = Book()
    if cash:
        deposit(book, D(cash), at=NOW)
    working: list[Order] = []
    for q, batch in plan:
        prices = {AAPL: q.last}
        for side, quantity, order_type, offset_bps, tif in batch:
            limit = None
            if order_type is OrderType.LMT:
                limit = str((q.mid * (1 + D(offset_bps) / 10_000)).quantize(D("0.01")))
            o = new_order(
                order_id=f"p-{next(_ids)}",
                account_id="DU1",
                conid=AAPL,
                side=side,
                order_type=order_type,
                quantity=D(quantity),
                limit_price=None if limit is None else D(limit),
                tif=tif,
                now=NOW,
            )
            state = AccountState("DU1", AccountType.CASH, PAPER, book, prices, tuple(working))
            try:
                check_order(o, account=state, session_environment=PAPER, quote=q)
            except OrderRejected:
                continue
            submit(o, now=NOW)
            working.append(o)
        for _ in range(3):  # the quote stands for a few ticks
            for o in working:
                result = match(o, q, now=NOW)
                fee = apply_match(o, result)
                if result.fill is not None:
                    apply_fill(
                        book,
                        conid=AAPL,
                        side=o.side,
                        quantity=result.fill.quantity,
                        price=result.fill.price,
                        commission=fee,
                        at=NOW,
                    )
                assert book.cash >= 0
                assert book.position(AAPL) >= 0
        for o in working:  # market orders do not rest: cancel what the top of book left
            if o.is_active and o.order_type is OrderType.MKT:
                cancel(o, now=NOW)
        working = [o for o in working if o.is_active]
