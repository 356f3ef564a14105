"""Matching one working order against the current quote and booking what fills.

Shared by order placement (an immediate attempt) and the matching engine (every tick).
An order is matched at most once per quote tick. A cash account never goes below zero
cash or short: a fill is cut to what the cash (or the shares held) covers, and an order
that can no longer be paid for is made Inactive with a reason.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal

from gatehouse.domain.trading.commission import execution_commission
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import apply_execution
from gatehouse.domain.trading.margin import AccountType
from gatehouse.domain.trading.matching import Fill, MatchResult, apply_match, match
from gatehouse.domain.trading.orders import Order, Side, TimeInForce, cancel, reject, release
from gatehouse.domain.trading.quotes import Quote
from gatehouse.domain.trading.trailing import ratchet
from gatehouse.service.trading import links
from gatehouse.service.trading.ports import TrackedOrder
from gatehouse.service.trading.workspace import Workspace

_ZERO = Decimal(0)
NO_CASH = "Not enough cash to pay for the rest of this order (cash account)."
NO_SHARES = "No shares left to sell for the rest of this order (cash account)."


def new_execution_id(workspace: Workspace) -> str:
    """IBKR-style execution ids: ``0000e0d5.6576f0ca.01.01``."""
    raw = workspace.ctx.tokens.token_bytes(8).hex()
    return f"{raw[:8]}.{raw[8:]}.01.01"


def _affordable(quantity: Decimal, order: Order, price: Decimal, cash: Decimal) -> Decimal:
    """The most of ``quantity`` a cash account with ``cash`` can pay for, commission included."""

    def cost(shares: Decimal) -> Decimal:
        return shares * price + execution_commission(order, quantity=shares, price=price)

    while quantity > 0 and cost(quantity) > cash:
        fee = execution_commission(order, quantity=quantity, price=price)
        fits = ((cash - fee) / price).to_integral_value(rounding=ROUND_FLOOR)
        quantity = max(min(quantity - 1, fits), _ZERO)
    return quantity


def _cash_account_limit(workspace: Workspace, order: Order, result: MatchResult) -> MatchResult:
    fill = result.fill
    if fill is None or workspace.account.account_type is not AccountType.CASH:
        return result
    if order.side is Side.BUY:
        allowed = _affordable(fill.quantity, order, fill.price, workspace.book.cash)
        reason = NO_CASH
    else:
        allowed = min(fill.quantity, max(workspace.book.position(order.conid), _ZERO))
        reason = NO_SHARES
    if allowed <= 0:
        reject(order, reason, now=result.at)
        return MatchResult(at=result.at)
    if allowed < fill.quantity:
        return replace(result, fill=Fill(quantity=allowed, price=fill.price))
    return result


def tradable(workspace: Workspace, order: Order) -> bool:
    """Whether ``order`` may fill now: in the regular session, or in the extended session
    when it is marked ``outsideRTH``."""
    calendar, now = workspace.ctx.calendar, workspace.now
    return calendar.is_open(now) or (order.outside_rth and calendar.is_extended(now))


def attempt(
    workspace: Workspace, tracked: TrackedOrder, quote: Quote, *, cascade: bool = True
) -> Execution | None:
    """Match ``tracked`` against ``quote`` (once per tick, only while it may trade); then
    cancel the rest of its one-cancels-all group and release its bracket children."""
    order = tracked.order
    now = workspace.now
    if not order.is_active or links.held(workspace, order):
        return None
    if not tradable(workspace, order):
        if order.tif is TimeInForce.IOC:  # an IOC cannot wait for the open
            cancel(order, now=now)
            links.settle(workspace)
        return None
    if tracked.matched_at is not None and tracked.matched_at >= quote.at:
        return None
    if order.parent_id is not None:
        release(order, now=now)  # its parent filled earlier
    ratchet(order, quote.mark, now=now)  # a trailing stop follows the market first
    execution = _match(workspace, tracked, quote)
    if execution is not None:
        links.after_fill(workspace, order)
    released = links.settle(workspace)
    for child in released if cascade else ():  # children have no children: one level
        attempt(workspace, child, workspace.ctx.quotes.quote(child.order.conid, now), cascade=False)
    return execution


def _match(workspace: Workspace, tracked: TrackedOrder, quote: Quote) -> Execution | None:
    order, now = tracked.order, workspace.now
    result = _cash_account_limit(workspace, order, match(order, quote, now=now))
    charged = apply_match(order, result)
    if result.fill is None and not result.stop_triggered:
        return None
    tracked.matched_at = quote.at
    workspace.touched[order.order_id] = quote.at
    if result.fill is None:
        return None
    execution = Execution(
        execution_id=new_execution_id(workspace),
        order_id=order.order_id,
        account_id=order.account_id,
        conid=order.conid,
        side=order.side,
        quantity=result.fill.quantity,
        price=result.fill.price,
        commission=charged,
        at=now,
        client_order_id=order.client_order_id,
    )
    apply_execution(workspace.book, execution)
    workspace.executions.append(execution)
    return execution
