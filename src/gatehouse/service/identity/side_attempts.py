"""Sign-in attempts opened beside a session that already exists — a step-up, a gateway's
renewal — answered by a code or a Key push, and completed into that session: they never
open a new one (their marker keeps the sign-in poll and steps from serving them)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import LoginNotFound, PushDenied, PushWrongNumber
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.login_flow import LoginAttempt, LoginState
from gatehouse.domain.identity.sessions import Session
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.login_status import push_outcome
from gatehouse.service.ports import UnitOfWork


async def open_beside(
    ctx: ServiceContext, uow: UnitOfWork, session: Session, *, environment: str, marker: str
) -> LoginAttempt:
    """A new attempt for the session's user, from its address, carrying ``marker``."""
    now = ctx.clock.now()
    attempt = LoginAttempt(
        public_id=ctx.new_public_id(),
        user_id=session.user_id,
        platform=session.platform,
        environment=environment,
        created_at=now,
        expires_at=now + timedelta(seconds=ctx.signin.login_ttl_seconds),
        client_address=session.client_address,
        device_name=marker,
    )
    await uow.logins.add(attempt)
    return attempt


async def poll_push(
    ctx: ServiceContext,
    attempt_id: str,
    *,
    key: str,
    belongs: Callable[[str], bool],
    complete: Callable[[], Awaitable[dict[str, Any] | None]],
    done_state: str,
    wait: float,
    push_end_ends_it: bool,
) -> dict[str, Any]:
    """Long poll on an attempt's Key push, for up to ``wait`` seconds (60 at most).

    ``{key: id, "state": done_state}`` once completed (``complete()`` runs once the push is
    approved; None means another poll completed it first); PushDenied / PushWrongNumber;
    ``expired`` when the attempt is over (or, with ``push_end_ends_it``, its push is);
    else ``pending`` with the push's state. ``belongs(marker)`` guards who may read it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0.0, min(wait, 60.0))
    while True:
        async with ctx.uow() as uow:
            found = await uow.logins.by_public_id(attempt_id) if len(attempt_id) <= 64 else None
            if found is None or not belongs(found.device_name):
                raise LoginNotFound()
            now = ctx.clock.now()
            state = push_outcome(found, now)
            expired = now >= as_utc(found.expires_at)
        if found.state == LoginState.COMPLETED.value:
            return {key: attempt_id, "state": done_state}
        if state == push.Outcome.APPROVED.value and not expired:
            completed = await complete()
            if completed is not None:
                return completed
            continue  # another poll completed it first: read the new state
        if state == push.Outcome.DENIED.value:
            raise PushDenied()
        if state == push.Outcome.WRONG_NUMBER.value:
            raise PushWrongNumber()
        push_over = state in ("expired", None)
        if (
            expired
            or found.state != LoginState.SECOND_FACTOR.value
            or (push_over and push_end_ends_it)
        ):
            return {key: attempt_id, "state": "expired"}
        remaining = deadline - loop.time()
        if remaining <= 0 or push_over:
            return {key: attempt_id, "state": "pending", "push": state}
        await ctx.login_signals.wait(attempt_id, min(remaining, 0.25))
