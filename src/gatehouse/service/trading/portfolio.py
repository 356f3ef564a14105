"""Reading an account: summary figures, positions, orders, trades, daily P&L.

Summaries and positions come from the per-node book cache (``book_cache``), so a hot
``portfolio/{acct}/summary`` costs no query: the book is kept until the account's next
event, and the figures are recomputed from it at the current quotes on every read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from gatehouse.domain.errors import OrderNotFound
from gatehouse.domain.trading.accounts import BrokerageAccount, previous_day_elv
from gatehouse.domain.trading.day_pnl import DayPnl, day_pnl
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import Book
from gatehouse.domain.trading.margin import MarginSnapshot, snapshot
from gatehouse.domain.trading.orders import Order
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading.accounts import owned
from gatehouse.service.trading.book_cache import CachedBook, CachedFigures
from gatehouse.service.trading.workspace import marks, open_accounts

MAX_TRADE_DAYS = 7
_ZERO = Decimal(0)


@dataclass(frozen=True)
class AccountFigures:
    account: BrokerageAccount
    figures: MarginSnapshot
    at: datetime


@dataclass(frozen=True)
class Holding:
    """One position with what IBKR reports beside it."""

    conid: int
    book: Book
    mark: Decimal
    prior_close: Decimal
    realized: Decimal
    day_pnl: Decimal = _ZERO  # today's P&L of this position (``domain/trading/day_pnl``)


@dataclass(frozen=True)
class Holdings:
    account: BrokerageAccount
    items: list[Holding]
    figures: MarginSnapshot
    at: datetime


async def cached_book(ctx: ServiceContext, principal: Principal, account_id: str) -> CachedBook:
    """The account's book from this node's cache, or read (and the accounts opened).

    Concurrent misses for one account share a single read (``AccountBooks.loading``), so a
    burst of requests after an eviction costs one query, not one each.
    """
    entry = ctx.books.get(account_id, ctx.clock.now())
    if entry is not None:
        return entry
    return await ctx.books.loading(account_id, lambda: _read_book(ctx, principal, account_id))


async def _read_book(ctx: ServiceContext, principal: Principal, account_id: str) -> CachedBook:
    now = ctx.clock.now()
    generation = ctx.books.generation(account_id)
    async with ctx.uow() as uow:
        account = await uow.brokerage.account(account_id)
        if account is None:
            await open_accounts(ctx, uow, principal.user, now=now)
            await uow.commit()
            account = await uow.brokerage.account(account_id)
            assert account is not None
        lots = await uow.brokerage.lots(account_id)
    entry = CachedBook(account, Book(cash=account.cash, lots=lots), now)
    ctx.books.put(entry, generation=generation)
    return entry


def _previous_elv(ctx: ServiceContext, entry: CachedBook, now: datetime) -> Decimal | None:
    close = ctx.calendar.previous_close(now)
    if entry.previous is None or entry.previous[0] != close:
        prices = marks(ctx, entry.book.positions(), close)
        value = previous_day_elv(entry.account, entry.book, close=close, close_prices=prices)
        entry.previous = (close, value)
    return entry.previous[1]


def _figures(
    ctx: ServiceContext, entry: CachedBook, prices: dict[int, Decimal], now: datetime
) -> MarginSnapshot:
    found = snapshot(
        entry.book,
        prices,
        account_type=entry.account.account_type,
        previous_day_elv=_previous_elv(ctx, entry, now),
    )
    return replace(found, realized_pnl=entry.account.realized_pnl)


async def figures(
    ctx: ServiceContext, principal: Principal, account_id: str | None
) -> AccountFigures:
    """NLV, ELV, margin, buying power… at the current quotes (``portfolio/{acct}/summary``).

    Figures only change with a quote tick or an account event (which drops the cached
    book), so they are kept on the cached book until the next tick (at most a second).
    """
    account_id = owned(principal, account_id)
    entry = await cached_book(ctx, principal, account_id)
    now = ctx.clock.now()
    cached = entry.figures
    if cached is None or not cached.at <= now < cached.until:
        prices = marks(ctx, entry.book.positions(), now)
        until = min(ctx.quotes.next_tick(now), now + timedelta(seconds=1))
        cached = entry.figures = CachedFigures(now, until, _figures(ctx, entry, prices, now))
    return AccountFigures(entry.account, cached.figures, cached.at)


async def holdings(
    ctx: ServiceContext,
    principal: Principal,
    account_id: str | None,
    *,
    conids: Collection[int] | None = None,
) -> Holdings:
    """Open positions (all, or those in ``conids``) with marks, prior closes and realized P&L."""
    account_id = owned(principal, account_id)
    entry = await cached_book(ctx, principal, account_id)
    now = ctx.clock.now()
    held = sorted(entry.book.positions())
    chosen = [c for c in held if conids is None or c in conids]
    async with ctx.uow() as uow:
        realized_lots = await uow.brokerage.realized(account_id, conids=chosen) if chosen else []
    realized: dict[int, Decimal] = {}
    for lot in realized_lots:
        realized[lot.conid] = realized.get(lot.conid, _ZERO) + lot.gain
    quotes = {c: ctx.quotes.quote(c, now) for c in held}
    prices = {c: q.mark for c, q in quotes.items()}
    today = await _day_of(ctx, entry)
    items = [
        Holding(
            c, entry.book, prices[c], quotes[c].prior_close, realized.get(c, _ZERO), today.of(c)
        )
        for c in chosen
    ]
    return Holdings(entry.account, items, _figures(ctx, entry, prices, now), now)


async def day(ctx: ServiceContext, principal: Principal, account_id: str | None) -> DayPnl:
    """Today's P&L (``domain/trading/day_pnl``): the one source of the figure everywhere.

    Positions held overnight count from the prior close, those opened today from their fill
    price; today's realized P&L and commissions count; deposits and withdrawals do not.
    """
    account_id = owned(principal, account_id)
    return await _day_of(ctx, await cached_book(ctx, principal, account_id))


async def _day_of(ctx: ServiceContext, entry: CachedBook) -> DayPnl:
    now = ctx.clock.now()
    start = ctx.calendar.day_start(now)
    if entry.fills is None or entry.fills[0] != start:  # kept until the account's next event
        async with ctx.uow() as uow:
            found = await uow.orders.executions([entry.account.account_id], since=start)
        entry.fills = (start, found)
    fills = [f for f in entry.fills[1] if f.at <= now]
    held = entry.book.positions()
    conids = set(held) | {f.conid for f in fills}
    quotes = {c: ctx.quotes.quote(c, now) for c in conids}
    return day_pnl(
        positions=held,
        marks={c: q.mark for c, q in quotes.items()},
        prior_closes={c: q.prior_close for c, q in quotes.items()},
        executions_today=fills,
    )


def invalidate(ctx: ServiceContext, principal: Principal, account_id: str) -> None:
    """``POST portfolio/{acct}/positions/invalidate``: read the book again next time."""
    ctx.books.evict(owned(principal, account_id))


async def live_orders(
    ctx: ServiceContext, principal: Principal, account_id: str | None
) -> list[Order]:
    """Working orders and those that changed since the last close, newest first."""
    chosen = [owned(principal, account_id)] if account_id else principal.account_ids
    since = ctx.calendar.previous_close(ctx.clock.now())
    async with ctx.uow() as uow:
        return await uow.orders.recent(chosen, since=since)


async def order_status(ctx: ServiceContext, principal: Principal, order_id: str) -> Order:
    async with ctx.uow() as uow:
        found = await uow.orders.get(order_id.strip(), account_ids=principal.account_ids)
    if found is None:
        raise OrderNotFound(f"No order {order_id!r} in this session's accounts.")
    return found


async def trades(
    ctx: ServiceContext, principal: Principal, *, days: int, account_id: str | None
) -> list[Execution]:
    """Executions of the last ``days`` days (1 to 7), newest first."""
    chosen = [owned(principal, account_id)] if account_id else principal.account_ids
    days = max(1, min(days, MAX_TRADE_DAYS))
    since = ctx.clock.now() - timedelta(days=days)
    async with ctx.uow() as uow:
        return await uow.orders.executions(chosen, since=since)
