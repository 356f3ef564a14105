"""The matching engine: on every market tick, work every account that has something to do.

``step(ctx, now)`` is the whole job and is what tests call with a fake clock: for each
account with working orders or transfers due, in a transaction of its own, it settles the
transfers, expires DAY orders whose session has closed, and (while the market is open)
matches each working order once against the quote of the current tick, so limit, stop and
partly filled orders keep filling as the market moves. ``MatchingEngine`` runs ``step`` in
the background, sleeping until the next tick.

Several server nodes can run it at once: each account is taken with
``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), so a node skips an account another node
(or a user's request) is working on, and an order is matched at most once per tick
(``TrackedOrder.matched_at``), so two nodes reaching it in the same tick cannot fill it
twice. SQLite is single-node (one connection, ADR 0002).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from gatehouse.domain.trading.orders import is_expired, reject
from gatehouse.service.context import ServiceContext
from gatehouse.service.trading import links, performance
from gatehouse.service.trading.fills import attempt, tradable
from gatehouse.service.trading.workspace import open_account

logger = logging.getLogger("gatehouse.matching")
EXPIRED = "Expired at the close (DAY order)."


@dataclass
class StepReport:
    accounts: int = 0  # accounts worked on
    skipped: int = 0  # accounts another transaction held
    fills: int = 0
    expired: int = 0


async def _work(ctx: ServiceContext, account_id: str, now: datetime, report: StepReport) -> None:
    async with ctx.uow() as uow:
        ws = await open_account(ctx, uow, account_id, now=now, skip_locked=True)
        if ws is None:
            report.skipped += 1
            return
        report.accounts += 1
        for tracked in ws.working():
            order = tracked.order
            if not order.is_active:  # cancelled meanwhile with its group or its parent
                continue
            if is_expired(order, calendar=ctx.calendar, now=now):
                reject(order, EXPIRED, now=now)
                ws.expired.add(order.order_id)
                report.expired += 1
                links.settle(ws)
            elif tradable(ws, order) and attempt(ws, tracked, ctx.quotes.quote(order.conid, now)):
                report.fills += 1
        await ws.save()
        await uow.commit()


async def step(ctx: ServiceContext, now: datetime) -> StepReport:
    """Settle, expire and match everything that is due at ``now``."""
    report = StepReport()
    async with ctx.uow() as uow:
        accounts = await uow.brokerage.with_work(now)
        await uow.orders.prune_replies(before=now)
        await uow.commit()
    for account_id in accounts:
        try:
            await _work(ctx, account_id, now, report)
        except Exception:
            logger.exception("matching account %s failed; it is retried next tick", account_id)
    return report


class MatchingEngine:
    """Runs :func:`step` at every tick of the market data (at least every ``max_sleep``)."""

    def __init__(self, ctx: ServiceContext, *, max_sleep: float = 1.0) -> None:
        self.ctx = ctx
        self.max_sleep = max_sleep
        self._task: asyncio.Task[None] | None = None
        self.closes = performance.CloseRecorder()  # the NAV history, at each daily close

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            now = self.ctx.clock.now()
            try:
                await step(self.ctx, now)
                await self.closes.tick(self.ctx, now)
            except Exception:
                logger.exception("matching step failed; will retry")
            wait = (self.ctx.quotes.next_tick(now) - self.ctx.clock.now()).total_seconds()
            await asyncio.sleep(min(max(wait, 0.05), self.max_sleep))
