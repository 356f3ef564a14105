"""The long poll on a sign-in in progress, where an approved push hands out the session.

``GET /v1/api/auth/login/{id}?wait=25`` waits here. A push approved on the Key device is
redeemed by the first poll that sees it (the session is created then, so no token is ever
stored); a denied or wrongly matched push ends the wait with its error. Decisions made on
this node wake the poll at once (``LoginSignals``); others are seen within a quarter second.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import LoginNotFound, PushDenied, PushWrongNumber
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.gateway_devices import is_renewal
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt, LoginState
from gatehouse.domain.identity.step_up import is_step_up
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, sessions, signin
from gatehouse.service.ports import UnitOfWork


@dataclass(frozen=True)
class LoginStatus:
    """A sign-in's state; ``grant`` is the session when a push approval just completed it."""

    body: dict[str, Any]
    grant: sessions.SessionGrant | None = None


async def status(ctx: ServiceContext, login_id: str, *, wait: float = 0) -> LoginStatus:
    """The state of a sign-in; with ``wait``, a long poll until it changes or time runs out.

    A push approved on the Key device completes the sign-in here: the first poll to see the
    approval gets the session. A denied or wrongly matched push raises its error.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0.0, min(wait, 60.0))
    while True:
        async with ctx.uow() as uow:
            attempt = await uow.logins.by_public_id(login_id) if len(login_id) <= 64 else None
            if (
                attempt is None
                or is_renewal(attempt.device_name)
                or is_step_up(attempt.device_name)
            ):
                raise LoginNotFound()  # a renewal or a step-up opens no session here
            now = ctx.clock.now()
            state = attempt.state
            expired = now >= as_utc(attempt.expires_at)
            push_state = push_outcome(attempt, now)
        if push_state == push.Outcome.APPROVED.value and not expired:
            grant = await _redeem_push(ctx, login_id)
            if grant is not None:
                return LoginStatus({"login_id": login_id, "state": "completed"}, grant)
            continue  # another poll redeemed it first: read the new state
        if state != LoginState.SECOND_FACTOR.value or expired or push_state == "expired":
            break
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await ctx.login_signals.wait(login_id, min(remaining, 0.25))
    if state == LoginState.FAILED.value and push_state == push.Outcome.DENIED.value:
        raise PushDenied()
    if state == LoginState.FAILED.value and push_state == push.Outcome.WRONG_NUMBER.value:
        raise PushWrongNumber()
    body: dict[str, Any] = {"login_id": login_id, "state": "expired" if expired else state}
    if push_state is not None and state == LoginState.SECOND_FACTOR.value and not expired:
        body["push"] = push_state
    return LoginStatus(body)


def push_outcome(attempt: LoginAttempt, now: datetime) -> str | None:
    """pending / approved / denied / wrong_number / expired for a push sign-in, else None."""
    if attempt.challenge_factor != Factor.PUSH.value or not attempt.challenge:
        return None
    decision = attempt.challenge.get("decision")
    if decision is not None:
        return str(decision)
    expires = attempt.challenge_expires_at
    return "expired" if expires is not None and now >= as_utc(expires) else "pending"


async def approved_push(
    uow: UnitOfWork, login_id: str, now: datetime
) -> tuple[LoginAttempt, User] | None:
    """The attempt (locked, with its user) whose push was approved and that may still be
    completed — waiting for its second factor, not expired — or None. Sign-in, step-up and
    gateway renewal each complete one this way, once."""
    found = await uow.logins.with_user(login_id)
    if found is None:
        return None
    attempt, user = found
    if (
        attempt.state != LoginState.SECOND_FACTOR.value
        or now >= as_utc(attempt.expires_at)
        or push_outcome(attempt, now) != push.Outcome.APPROVED.value
    ):
        return None
    return attempt, user


async def _redeem_push(ctx: ServiceContext, login_id: str) -> sessions.SessionGrant | None:
    """Open the session of an approved push sign-in, once; None if someone else did."""
    async with ctx.uow() as uow:
        now = ctx.clock.now()
        found = await approved_push(uow, login_id, now)
        if found is None:
            return None
        attempt, user = found
        common = audit_log.Subject(
            user_id=user.id,
            username=user.username,
            platform=attempt.platform,
            environment=attempt.environment,
            client_address=attempt.client_address,
            factor=Factor.PUSH.value,
        )
        device = str(attempt.challenge.get("device_id", ""))
        grant = await signin.complete(
            ctx,
            uow,
            attempt,
            user,
            common,
            address=attempt.client_address,
            extra={"device_id": device},
        )
        await uow.commit()
    return grant
