"""Checks an order must pass before it is accepted, and the IBKR-style what-if preview.

Order of checks: session environment, instrument, order terms, then funds. Cash accounts
pay 100% of every buy from cash not already reserved by open buy orders and can only sell
shares they hold; margin accounts need the order's initial margin within available funds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from gatehouse.domain.errors import (
    InsufficientFunds,
    NoMarketPrice,
    SellExceedsPosition,
    ShortSaleNotAllowed,
    UnknownInstrument,
    WrongEnvironment,
)
from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.commission import remaining_commission
from gatehouse.domain.trading.instruments import INSTRUMENTS, Instrument
from gatehouse.domain.trading.ledger import Book, apply_fill
from gatehouse.domain.trading.margin import AccountType, MarginSnapshot, snapshot
from gatehouse.domain.trading.orders import LIMIT_TYPES, Order, OrderType, Side, validate_terms
from gatehouse.domain.trading.quotes import Quote

_ZERO = Decimal(0)
_BUNDLED: Mapping[int, Instrument] = {i.conid: i for i in INSTRUMENTS}


@dataclass(frozen=True)
class AccountState:
    """What the checks need to know about the account the order is for.

    ``prices`` must mark every held conid; ``open_orders`` are the account's working orders
    (the order being checked may be among them: it is skipped, so a modification is
    checked against the other orders only).
    """

    account_id: str
    account_type: AccountType
    environment: Environment
    book: Book
    prices: Mapping[int, Decimal]
    open_orders: Sequence[Order] = ()
    previous_day_elv: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderEstimate:
    """How the unfilled part of an order is valued: the price used, shares times price, and
    the commission still to be charged on it."""

    price: Decimal
    value: Decimal
    commission: Decimal


@dataclass(frozen=True, slots=True)
class MarginChange:
    current: Decimal
    change: Decimal
    after: Decimal


@dataclass(frozen=True, slots=True)
class WhatIf:
    """IBKR's what-if shape: ``amount{amount,commission,total}``, ``equity|initial|maintenance
    {current,change,after}``, ``warn``, ``error`` (why the order would be rejected).

    ``total`` is what a buy costs (value + commission) or a sale brings (value − commission)."""

    amount: Decimal
    commission: Decimal
    total: Decimal
    equity: MarginChange
    initial: MarginChange
    maintenance: MarginChange
    warn: str | None = None
    error: str | None = None


# --- valuation ---------------------------------------------------------------------------------
def _touch(side: Side, quote: Quote | None) -> Decimal | None:
    if quote is None:
        return None
    price = quote.ask if side is Side.BUY else quote.bid
    return price if price > 0 else None


def reference_price(
    order: Order, *, quote: Quote | None, prices: Mapping[int, Decimal]
) -> Decimal | None:
    """The price an order is valued at, or ``None`` when nothing prices it.

    LMT and STP_LIMIT: the limit (the most a buy pays). MKT: the touch (ask for a buy, bid
    for a sell), else the mark in ``prices``. STP: the stop, or for a buy the touch when it
    is already above the stop.
    """
    if order.order_type in LIMIT_TYPES:
        return order.limit_price
    market = _touch(order.side, quote) or prices.get(order.conid)
    if order.order_type in (OrderType.STP, OrderType.TRAIL) and order.stop_price is not None:
        if order.side is Side.BUY and market is not None:
            return max(order.stop_price, market)
        return order.stop_price
    return market


def estimate(order: Order, *, quote: Quote | None, prices: Mapping[int, Decimal]) -> OrderEstimate:
    """Value the unfilled part of ``order``; ``NoMarketPrice`` for a MKT order with no price."""
    price = reference_price(order, quote=quote, prices=prices)
    if price is None:
        raise NoMarketPrice(
            f"There is no market price for conid {order.conid}; use a limit order.",
            conid=order.conid,
        )
    return OrderEstimate(
        price=price,
        value=order.remaining * price,
        commission=remaining_commission(order, price=price),
    )


def _others(order: Order, open_orders: Sequence[Order]) -> list[Order]:
    return [
        o for o in open_orders if o.is_active and o.remaining > 0 and o.order_id != order.order_id
    ]


def reserved_cash(open_orders: Sequence[Order], *, prices: Mapping[int, Decimal]) -> Decimal:
    """Cash held back for working buy orders: remaining shares at their reference price plus
    the commission still to be charged. Orders with no price reserve nothing."""
    total = _ZERO
    for order in open_orders:
        if order.side is not Side.BUY or not order.is_active or order.remaining <= 0:
            continue
        price = reference_price(order, quote=None, prices=prices)
        if price is not None:
            total += order.remaining * price + remaining_commission(order, price=price)
    return total


def _marks(
    order: Order, account: AccountState, quote: Quote | None, price: Decimal
) -> dict[int, Decimal]:
    marks = dict(account.prices)
    if order.conid not in marks:
        marks[order.conid] = quote.mark if quote is not None and quote.mark > 0 else price
    return marks


def _snapshot(book: Book, account: AccountState, marks: Mapping[int, Decimal]) -> MarginSnapshot:
    return snapshot(
        book, marks, account_type=account.account_type, previous_day_elv=account.previous_day_elv
    )


def _after_fill(
    order: Order, account: AccountState, marks: Mapping[int, Decimal], est: OrderEstimate
) -> MarginSnapshot:
    trial = account.book.copy()
    apply_fill(
        trial,
        conid=order.conid,
        side=order.side,
        quantity=order.remaining,
        price=est.price,
        commission=est.commission,
        at=order.updated_at,
    )
    return _snapshot(trial, account, marks)


def _margin_cost(
    order: Order, account: AccountState, marks: Mapping[int, Decimal], before: MarginSnapshot
) -> Decimal:
    """How much available funds the order would use up if it filled (negative: it frees some)."""
    price = reference_price(order, quote=None, prices=marks)
    if price is None:
        return _ZERO
    local = marks if order.conid in marks else {**marks, order.conid: price}
    est = OrderEstimate(price, order.remaining * price, remaining_commission(order, price=price))
    return before.available_funds - _after_fill(order, account, local, est).available_funds


# --- checks -------------------------------------------------------------------------------------
def _check_cash_account(order: Order, account: AccountState, est: OrderEstimate) -> None:
    others = _others(order, account.open_orders)
    if order.side is Side.BUY:
        available = account.book.cash - reserved_cash(others, prices=account.prices)
        cost = est.value + est.commission
        if cost > available:
            raise InsufficientFunds(
                f"This order needs {cost:,.2f} USD (including an estimated {est.commission:.2f} "
                f"USD commission) but only {max(available, _ZERO):,.2f} USD cash is available.",
                required=str(cost),
                available=str(available),
            )
        return
    held = account.book.position(order.conid)
    if held <= 0:
        raise ShortSaleNotAllowed(
            "Short selling is not allowed in a cash account: you hold no shares of this instrument."
        )
    committed = sum(
        (o.remaining for o in others if o.conid == order.conid and o.side is Side.SELL), _ZERO
    )
    sellable = held - committed
    if order.remaining > sellable:
        raise SellExceedsPosition(
            f"You can sell at most {max(sellable, _ZERO)} shares: you hold {held} and "
            f"{committed} are already in open sell orders.",
            sellable=str(sellable),
        )


def _check_margin_account(
    order: Order, account: AccountState, quote: Quote | None, est: OrderEstimate
) -> None:
    marks = _marks(order, account, quote, est.price)
    before = _snapshot(account.book, account, marks)
    cost = before.available_funds - _after_fill(order, account, marks, est).available_funds
    if cost <= 0:
        return  # the order reduces risk (closing a position is always allowed)
    reserved = sum(
        (
            max(_margin_cost(o, account, marks, before), _ZERO)
            for o in _others(order, account.open_orders)
        ),
        _ZERO,
    )
    available = before.available_funds - reserved
    if cost > available:
        raise InsufficientFunds(
            f"This order needs {cost:,.2f} USD of initial margin (commission included) but "
            f"only {max(available, _ZERO):,.2f} USD of available funds remain.",
            required=str(cost),
            available=str(available),
        )


def check_order(
    order: Order,
    *,
    account: AccountState,
    session_environment: Environment,
    quote: Quote | None,
    instruments: Mapping[int, Instrument] | None = None,
) -> OrderEstimate:
    """Raise a typed error if ``order`` may not be placed; otherwise return its valuation.

    ``WrongEnvironment`` (paper session, live account or the reverse), ``UnknownInstrument``,
    ``InvalidInput`` (terms), ``NoMarketPrice``, ``ShortSaleNotAllowed``,
    ``SellExceedsPosition``, ``InsufficientFunds``. ``quote`` is the instrument's current
    quote, or ``None`` without market data.
    """
    if str(session_environment) != str(account.environment):
        raise WrongEnvironment(
            f"This is a {session_environment} session; account {account.account_id} is a "
            f"{account.environment} account.",
        )
    if order.conid not in (_BUNDLED if instruments is None else instruments):
        raise UnknownInstrument(f"No instrument has the contract id {order.conid}.")
    validate_terms(
        order_type=order.order_type,
        quantity=order.quantity,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
    )
    est = estimate(order, quote=quote, prices=account.prices)
    if account.account_type is AccountType.CASH:
        _check_cash_account(order, account, est)
    else:
        _check_margin_account(order, account, quote, est)
    return est


def whatif(
    order: Order,
    *,
    account: AccountState,
    session_environment: Environment,
    quote: Quote | None,
    instruments: Mapping[int, Instrument] | None = None,
) -> WhatIf:
    """Preview ``order``: its value, commission and the account's margin before and after.

    Input problems raise as in :func:`check_order`; a rejection for funds or position is
    reported in ``error`` instead, as IBKR's what-if does.
    """
    error: str | None = None
    try:
        check_order(
            order,
            account=account,
            session_environment=session_environment,
            quote=quote,
            instruments=instruments,
        )
    except (InsufficientFunds, ShortSaleNotAllowed, SellExceedsPosition) as exc:
        error = exc.message
    est = estimate(order, quote=quote, prices=account.prices)
    marks = _marks(order, account, quote, est.price)
    before = _snapshot(account.book, account, marks)
    after = _after_fill(order, account, marks, est)
    return WhatIf(
        amount=est.value,
        commission=est.commission,
        # what the account pays for a buy, or receives for a sale (proceeds less commission)
        total=est.value + est.commission if order.side is Side.BUY else est.value - est.commission,
        equity=_change(before.equity_with_loan, after.equity_with_loan),
        initial=_change(before.init_margin, after.init_margin),
        maintenance=_change(before.maint_margin, after.maint_margin),
        error=error,
    )


def _change(current: Decimal, after: Decimal) -> MarginChange:
    return MarginChange(current=current, change=after - current, after=after)
