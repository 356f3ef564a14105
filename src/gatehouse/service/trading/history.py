"""Recent transactions of an account (trades, deposits, withdrawals): the dashboard's list,
in the one definition of ``domain/trading/transactions``."""

from __future__ import annotations

from datetime import timedelta

from gatehouse.domain.trading.transactions import Transaction, transactions
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading.accounts import owned

MAX_DAYS = 90


async def recent(
    ctx: ServiceContext, principal: Principal, account_id: str | None, *, days: int = 7
) -> list[Transaction]:
    """Trades and transfers booked in the last ``days`` days (1 to 90), newest first."""
    account_id = owned(principal, account_id)
    since = ctx.clock.now() - timedelta(days=max(1, min(days, MAX_DAYS)))
    async with ctx.uow() as uow:
        fills = await uow.orders.executions([account_id], since=since)
        entries = await uow.brokerage.entries(account_id, limit=500)
    return transactions(fills, [e for e in entries if e.at >= since])
