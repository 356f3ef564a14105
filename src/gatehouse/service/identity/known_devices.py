"""Whose failure budget a sign-in spends: a device the account knows has its own, everyone
else (strangers, unknown names) shares the account's — so strangers cannot lock the owner
out (docs/signin.md, "Lockout"). A device's token is honoured for ``known_device_days`` after
its sign-in; after that its row is only clutter, and ``prune`` deletes it."""

from __future__ import annotations

from datetime import datetime, timedelta

from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.known_devices import (
    MAX_TOKEN_LENGTH,
    hash_device_token,
    new_device_token,
)
from gatehouse.domain.identity.throttle import (
    ThrottlePolicy,
    Verdict,
    account_key,
    device_key,
    is_device_key,
    unknown_name_key,
)
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log
from gatehouse.service.ports import UnitOfWork
from gatehouse.service.pruning import PRUNE_BATCH, committed_batches


def expired_before(ctx: ServiceContext) -> datetime:
    """Devices known since before this instant are no longer honoured (``budget``)."""
    return ctx.clock.now() - timedelta(days=ctx.signin.known_device_days)


async def prune(ctx: ServiceContext, *, batch: int = PRUNE_BATCH) -> int:
    """Delete the devices whose token expired, ``batch`` rows a transaction, until none is
    left; returns how many were deleted. Each batch commits on its own, so a large backlog
    never holds one long transaction (or its locks) on the table."""
    before = expired_before(ctx)

    return await committed_batches(
        ctx, lambda uow, limit: uow.known_devices.prune(before=before, limit=limit), batch=batch
    )


async def budget(
    ctx: ServiceContext, uow: UnitOfWork, username: str, device_token: str
) -> tuple[User | None, str]:
    """The user behind the name, and the throttle key the attempt spends."""
    token_hash = (
        hash_device_token(device_token)
        if device_token and len(device_token) <= MAX_TOKEN_LENGTH
        else None
    )
    since = expired_before(ctx)
    found = await uow.users.for_signin(username, token_hash, since=since)  # one SELECT
    if found is None or found[0].id is None:
        return None, unknown_name_key(username)
    user, known = found
    if token_hash is not None and known:
        return user, device_key(token_hash)
    assert user.id is not None
    return user, account_key(user.id)


def policy(ctx: ServiceContext, key: str) -> ThrottlePolicy:
    return ctx.device_throttle if is_device_key(key) else ctx.account_throttle


async def password_failed(
    ctx: ServiceContext, key: str, verdict: Verdict, subject: audit_log.Subject
) -> None:
    """The reserved attempt stays counted; audit it. A known device at its limit stops being
    known: its next attempts count as a stranger's."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await audit_log.record(
            uow, AuditEvent.LOGIN_FAILED, at=now, reason="password", subject=subject
        )
        if verdict.locked and is_device_key(key):
            await uow.known_devices.forget(key.removeprefix("device:"))
        elif verdict.locked:
            await audit_log.record(uow, AuditEvent.LOCKED_OUT, at=now, subject=subject)
        await uow.commit()


async def remember(
    ctx: ServiceContext, uow: UnitOfWork, user_id: int, *, key: str, platform: str
) -> str | None:
    """A sign-in completed: a device the account did not know becomes known. Returns its new
    token (for the device to keep), or None when it was known already."""
    if is_device_key(key):
        return None
    token = new_device_token(ctx.tokens)
    await uow.known_devices.add(
        user_id, hash_device_token(token), platform=platform, at=ctx.clock.now()
    )
    return token
