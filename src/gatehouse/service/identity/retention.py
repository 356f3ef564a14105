"""Pruning identity's short-lived rows once nothing reads them, and sessions over for a while
with the sign-in attempts behind them (the rules:
``domain/identity/retention.py``; docs/retention.md). The node runs ``PRUNES`` on its prune
timer, beside the event log's and the known devices' (``service/sync/node.py``).

Each prune deletes ``batch`` rows a transaction, the oldest first, and commits each batch
on its own until a short one: a large backlog never holds one long transaction (or, on
SQLite, the database's one write lock) while sign-ins wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from gatehouse.domain.identity.retention import Cutoffs, cutoffs, throttle_retention
from gatehouse.service.context import ServiceContext
from gatehouse.service.ports import UnitOfWork
from gatehouse.service.pruning import (
    BATCH_PAUSE_SECONDS,
    PRUNE_BATCH,
    committed_batches,
    in_batches,
)


def _cutoffs(ctx: ServiceContext) -> Cutoffs:
    return cutoffs(
        ctx.clock.now(),
        sms_outbox_days=ctx.signin.sms_outbox_days,
        session_days=ctx.signin.session_retention_days,
    )


async def push_challenges(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Push requests a day past their expiry (a late answer is still told it expired)."""
    before = _cutoffs(ctx).push_challenges
    return await committed_batches(
        ctx, lambda uow, limit: uow.key.prune_challenges(before=before, limit=limit), batch=batch
    )


async def key_activations(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Key activation codes an hour past their expiry (used, cancelled or never used)."""
    before = _cutoffs(ctx).key_activations
    return await committed_batches(
        ctx, lambda uow, limit: uow.key.prune_activations(before=before, limit=limit), batch=batch
    )


async def recovery_tokens(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Password-reset tokens a day past their expiry (the hourly email cap counts them)."""
    before = _cutoffs(ctx).recovery_tokens
    return await committed_batches(
        ctx, lambda uow, limit: uow.recovery.prune_tokens(before=before, limit=limit), batch=batch
    )


async def recovery_attempts(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Recovery-by-questions attempts an hour past their expiry (their failures also count
    in the throttles, which keep them)."""
    before = _cutoffs(ctx).recovery_attempts
    return await committed_batches(
        ctx, lambda uow, limit: uow.recovery.prune_attempts(before=before, limit=limit), batch=batch
    )


async def gateway_nonces(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Gateway sign-in nonces an hour past their expiry, whatever the device's state."""
    before = _cutoffs(ctx).gateway_nonces
    return await committed_batches(
        ctx,
        lambda uow, limit: uow.gateways.prune_challenges(before=before, limit=limit),
        batch=batch,
    )


async def sms_outbox(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Messages in the embedded SMS outbox older than ``GATEHOUSE_SMS_OUTBOX_DAYS``."""
    before = _cutoffs(ctx).sms_outbox
    return await committed_batches(
        ctx, lambda uow, limit: uow.sms_outbox.prune(before=before, limit=limit), batch=batch
    )


async def throttles(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Throttle rows that hold nothing a missing row would not, read ``batch`` rows a
    transaction (``batch`` rows at most deleted) in key order, which rows may go being no
    index's range."""
    rule = throttle_retention(
        ctx.clock.now(),
        account=ctx.account_throttle,
        device=ctx.device_throttle,
        address=ctx.address_throttle,
    )
    deleted, after = 0, ""
    while True:
        async with ctx.uow() as uow:
            upto = await uow.throttles.key_after(after, skip=batch)
        async with ctx.uow() as uow:
            deleted += await uow.throttles.prune(rule, after=after, upto=upto)
            await uow.commit()
        if upto is None:
            return deleted
        after = upto
        await asyncio.sleep(BATCH_PAUSE_SECONDS)


SessionBatch = Callable[[UnitOfWork, datetime, int], Awaitable[Sequence[str]]]


async def _ended_sessions_by(ctx: ServiceContext, delete: SessionBatch, batch: int) -> int:
    before = _cutoffs(ctx).sessions

    async def one() -> int:
        async with ctx.uow() as uow:
            gone = await delete(uow, before, batch)
            await uow.logins.prune_of_sessions(gone)  # what ``last_full_signin`` read
            await uow.commit()
            return len(gone)

    return await in_batches(one, batch=batch)


async def ended_sessions(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Sessions over more than ``GATEHOUSE_SESSION_RETENTION_DAYS`` ago — ended then, or past
    their absolute expiry then (one found idle by no request is only ended by that) — each
    with the sign-in attempts that completed into it, in one transaction. A live session is
    never one of them: it has not ended and its expiry is ahead."""

    async def ended(uow: UnitOfWork, before: datetime, limit: int) -> Sequence[str]:
        return await uow.sessions.prune_ended(before=before, limit=limit)

    async def expired(uow: UnitOfWork, before: datetime, limit: int) -> Sequence[str]:
        return await uow.sessions.prune_expired(before=before, limit=limit)

    return await _ended_sessions_by(ctx, ended, batch) + await _ended_sessions_by(
        ctx, expired, batch
    )


async def unfinished_logins(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Sign-in attempts that opened no session (expired, failed, abandoned, and step-ups and
    renewals never completed), ``GATEHOUSE_SESSION_RETENTION_DAYS`` past their expiry."""
    before = _cutoffs(ctx).unfinished_logins
    return await committed_batches(
        ctx, lambda uow, limit: uow.logins.prune_unfinished(before=before, limit=limit), batch=batch
    )


Prune = Callable[..., Awaitable[int]]

# what the node prunes on its timer, and how its log names each
PRUNES: tuple[tuple[str, Prune], ...] = (
    ("push requests", push_challenges),
    ("Key activation codes", key_activations),
    ("recovery tokens", recovery_tokens),
    ("recovery attempts", recovery_attempts),
    ("gateway sign-in nonces", gateway_nonces),
    ("SMS outbox messages", sms_outbox),
    ("throttle rows", throttles),
    ("ended sessions", ended_sessions),
    ("unfinished sign-in attempts", unfinished_logins),
)
