"""Use cases on the durable event log: where a user's log stands, reading it, pruning it."""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.domain.errors import NotFound
from gatehouse.domain.sync.event_log import LogPosition, epoch_for, needs_oldest, retention_cutoff
from gatehouse.domain.sync.events import AccountEvent
from gatehouse.service.context import ServiceContext
from gatehouse.service.pruning import PRUNE_BATCH, committed_batches


async def position(ctx: ServiceContext, user_id: int, *, since: int | None = None) -> LogPosition:
    """The user's head seq and epoch, and (when resuming from ``since`` needs it) the
    oldest kept seq."""
    async with ctx.uow() as uow:
        found = await uow.events.head(user_id)
        if found is None:
            raise NotFound("No such user.")
        head, created_at = found
        oldest = await uow.events.oldest_seq(user_id) if needs_oldest(since, head) else None
        return LogPosition(head=head, oldest=oldest, epoch=epoch_for(user_id, created_at))


async def read_after(
    ctx: ServiceContext, user_id: int, seq: int, *, limit: int
) -> Sequence[AccountEvent]:
    """Up to ``limit`` events after ``seq``, in order."""
    async with ctx.uow() as uow:
        return await uow.events.since(user_id, seq, limit=limit)


async def prune(ctx: ServiceContext, *, retention_days: int, batch: int = PRUNE_BATCH) -> int:
    """Forget events older than the retention window, ``batch`` a transaction, the oldest
    first, until none is left; returns how many were deleted. Each batch commits on its own:
    a big log is never one long write lock (which on SQLite stops every other writer)."""
    cutoff = retention_cutoff(ctx.clock.now(), retention_days)

    return await committed_batches(
        ctx, lambda uow, limit: uow.events.prune(before=cutoff, limit=limit), batch=batch
    )
