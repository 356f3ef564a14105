"""Deleting a backlog in bounded batches, one transaction each (docs/retention.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gatehouse.service.context import ServiceContext
from gatehouse.service.ports import UnitOfWork

PRUNE_BATCH = 1000  # rows a pruning transaction deletes at most
# Between two batches the prune steps aside: a writer waiting for the database meanwhile (on
# SQLite, for the node's one connection, or another process for the one write lock) gets in
# before the next batch, instead of the loop taking it straight back.
BATCH_PAUSE_SECONDS = 0.005


async def in_batches(one: Callable[[], Awaitable[int]], *, batch: int) -> int:
    """Run ``one`` (a transaction deleting at most ``batch`` rows, committed; returns how many
    it deleted) until it deletes fewer than ``batch``; returns how many went in all."""
    deleted = 0
    while True:
        count = await one()
        deleted += count
        if count < batch:
            return deleted
        await asyncio.sleep(BATCH_PAUSE_SECONDS)


async def committed_batches(
    ctx: ServiceContext, delete: Callable[[UnitOfWork, int], Awaitable[int]], *, batch: int
) -> int:
    """``delete(uow, batch)`` (deleting at most ``batch`` rows; returns how many) in a unit of
    work of its own, committed, again and again until a batch comes back short (``in_batches``);
    returns how many went in all."""

    async def one() -> int:
        async with ctx.uow() as uow:
            count = await delete(uow, batch)
            await uow.commit()
            return count

    return await in_batches(one, batch=batch)
