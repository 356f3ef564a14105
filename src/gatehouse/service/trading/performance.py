"""The NAV history and IBKR's portfolio analyst: a snapshot of every account at each daily
close (the matching engine's loop calls :class:`CloseRecorder`), on demand for the caller's
accounts, and ``pa/performance``, ``pa/allperiods``, ``pa/transactions`` from them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import Book, CashEntryKind, RealizedLot
from gatehouse.domain.trading.margin import snapshot
from gatehouse.domain.trading.performance import NavSnapshot, snapshot_day
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork
from gatehouse.service.trading.accounts import owned
from gatehouse.service.trading.workspace import marks

logger = logging.getLogger("gatehouse.performance")
_FLOWS = (CashEntryKind.DEPOSIT, CashEntryKind.WITHDRAWAL)
MAX_ACCOUNTS = 20


def close_day(ctx: ServiceContext, close: datetime) -> date:
    """The trading day a session close ends (its New York date, just before the close)."""
    return ctx.calendar.local_date(close - timedelta(microseconds=1))


async def _snapshot(
    ctx: ServiceContext, uow: UnitOfWork, account_id: str, day: date, at: datetime
) -> NavSnapshot | None:
    found = await _compute(ctx, uow, account_id, day, at)
    if found is not None:
        await uow.nav_history.record(found, at=ctx.clock.now())
    return found


async def _compute(
    ctx: ServiceContext, uow: UnitOfWork, account_id: str, day: date, at: datetime
) -> NavSnapshot | None:
    """The account's snapshot of ``day``, valued at ``at`` (not stored)."""
    account = await uow.brokerage.account(account_id)
    if account is None or account.created_at > at:  # it did not exist yet
        return None
    book = Book(cash=account.cash, lots=await uow.brokerage.lots(account_id))
    prices = marks(ctx, book.positions(), at)
    nav = snapshot(book, prices, account_type=account.account_type, previous_day_elv=None)
    entries = await uow.brokerage.entries(account_id, limit=500)
    flow = sum(
        (e.amount for e in entries if e.kind in _FLOWS and ctx.calendar.local_date(e.at) == day),
        Decimal(0),
    )
    previous = await uow.nav_history.before(account_id, day)
    return snapshot_day(account_id, day, nav.net_liquidation, flow, previous)


async def record_close(ctx: ServiceContext, close: datetime) -> int:
    """Snapshot every account at ``close`` (idempotent: a day is replaced, not doubled)."""
    day = close_day(ctx, close)
    async with ctx.uow() as uow:
        accounts = await uow.nav_history.account_ids()
    recorded = 0
    for account_id in accounts:
        try:
            async with ctx.uow() as uow:
                if await _snapshot(ctx, uow, account_id, day, close) is not None:
                    recorded += 1
                await uow.commit()
        except Exception:
            logger.exception("NAV snapshot of %s failed", account_id)
    return recorded


class CloseRecorder:
    """Takes the close snapshot once per session close, on whichever loop calls it."""

    def __init__(self) -> None:
        self.last: datetime | None = None

    async def tick(self, ctx: ServiceContext, now: datetime) -> int:
        close = ctx.calendar.previous_close(now)
        if close == self.last:
            return 0
        self.last = close
        return await record_close(ctx, close)


async def record_now(ctx: ServiceContext, principal: Principal) -> list[NavSnapshot]:
    """On demand: today's snapshot of the session's accounts, at the current quotes."""
    now = ctx.clock.now()
    day = ctx.calendar.local_date(now)
    taken = []
    async with ctx.uow() as uow:
        for account_id in principal.account_ids:
            found = await _snapshot(ctx, uow, account_id, day, now)
            if found is not None:
                taken.append(found)
        await uow.commit()
    return taken


def chosen_accounts(principal: Principal, raw: object) -> list[str]:
    """``acctIds``: 1 to 20 of the session's accounts (a bare string counts as one)."""
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names or len(names) > MAX_ACCOUNTS:
        raise InvalidInput("'acctIds' must list 1 to 20 account ids.", field="acctIds")
    if not all(isinstance(n, str) for n in names):
        raise InvalidInput("'acctIds' must list account ids as text.", field="acctIds")
    return [owned(principal, n) for n in dict.fromkeys(str(n) for n in names)]


async def history(
    ctx: ServiceContext, principal: Principal, account_ids: Sequence[str], since: date
) -> dict[str, list[NavSnapshot]]:
    """Each account's snapshots from ``since``, today's live value last (not stored)."""
    now = ctx.clock.now()
    today = ctx.calendar.local_date(now)
    found: dict[str, list[NavSnapshot]] = {}
    async with ctx.uow() as uow:
        for account_id in account_ids:
            days = [s for s in await uow.nav_history.history(account_id, since=since)
                    if s.day < today]  # fmt: skip
            live = await _compute(ctx, uow, account_id, today, now)  # shown, not stored
            found[account_id] = [*days, *([live] if live else [])]
    return found


MAX_TRANSACTION_DAYS = 366


async def transactions(
    ctx: ServiceContext, account_ids: Sequence[str], conids: Sequence[int], days: int
) -> tuple[list[Execution], list[tuple[str, RealizedLot]], datetime]:
    """``pa/transactions``: executions of ``conids`` in the last ``days`` days, newest first,
    and the lots those sales closed (realized P&L); the start of the window."""
    if not 1 <= days <= MAX_TRANSACTION_DAYS:
        raise InvalidInput(f"'days' must be 1 to {MAX_TRANSACTION_DAYS}.", field="days")
    since = ctx.clock.now() - timedelta(days=days)
    async with ctx.uow() as uow:
        found = [e for e in await uow.orders.executions(account_ids, since=since)
                 if e.conid in conids]  # fmt: skip
        closed = [
            (account_id, lot)
            for account_id in account_ids
            for lot in await uow.brokerage.realized(account_id, conids=conids)
            if lot.closed_at >= since
        ]
    return found, closed, since
