"""Step-up inside a session: password, then a second factor (a code, or a Key push approved on
the device), so that the next few minutes may change how the user signs in
(``domain/identity/step_up``; the check is ``factor_changes.require_recent``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import (
    FactorUnavailable,
    InvalidInput,
    LoginNotFound,
    PushDenied,
    PushWrongNumber,
)
from gatehouse.domain.identity import step_up as rules
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt, LoginState
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, credentials, signin
from gatehouse.service.identity.login_status import push_outcome
from gatehouse.service.identity.sessions import Principal


async def start(ctx: ServiceContext, principal: Principal, password: object) -> dict[str, Any]:
    """Check the password; open a step-up that waits for a second factor."""
    if not isinstance(password, str) or not password or len(password) > 256:
        raise InvalidInput("Enter your password.", field="password")
    await credentials.confirm_password(ctx, principal, password)
    now = ctx.clock.now()
    session = principal.session
    async with ctx.uow() as uow:
        user = await uow.users.get(principal.user.id or 0)
        assert user is not None and user.id is not None
        factors = [
            f
            for f in (await signin.available_factors(ctx, uow, user))
            if f in {x.value for x in signin.STEP_UP_CHALLENGES}
        ]
        if not factors:
            raise FactorUnavailable(
                "Confirming it is you needs an authenticator app, Gatehouse Key, "
                "text messages or a code card."
            )
        attempt = LoginAttempt(
            public_id=ctx.new_public_id(),
            user_id=user.id,
            platform=session.platform,
            environment=session.environment,
            created_at=now,
            expires_at=now + timedelta(seconds=ctx.signin.login_ttl_seconds),
            client_address=session.client_address,
            device_name=rules.marker(session.public_id),
        )
        await uow.logins.add(attempt)
        await uow.commit()
    return {
        "login_id": attempt.public_id,
        "factors": factors,
        "expires_in": ctx.signin.login_ttl_seconds,
    }


async def challenge(
    ctx: ServiceContext, principal: Principal, login_id: str, factor: object
) -> dict[str, Any]:
    return await signin.challenge(
        ctx,
        login_id,
        factor,
        principal.session.client_address,
        step_up_session=principal.session.public_id,
    )


async def verify(
    ctx: ServiceContext, principal: Principal, login_id: str, factor: object, code: object
) -> dict[str, Any]:
    """The second factor of a step-up: the session may change sign-in methods for a while."""
    session = principal.session
    async with ctx.uow() as uow:
        attempt, _user, common, extra = await signin.checked_code(
            ctx,
            uow,
            login_id,
            factor,
            code,
            session.client_address,
            step_up_session=session.public_id,
        )
        attempt.complete(session.public_id)
        await audit_log.record(
            uow,
            AuditEvent.STEP_UP_SUCCEEDED,
            at=ctx.clock.now(),
            session_id=session.public_id,
            subject=common,
            **extra,
        )
        await uow.commit()
    return {"reauthenticated": True, "valid_for": rules.STEP_UP_SECONDS}


async def wait(
    ctx: ServiceContext, principal: Principal, login_id: str, *, wait: float = 0
) -> dict[str, Any]:
    """Long poll on a step-up's Key push: ``pending`` until answered; once approved the step-up
    completes into this session (no new one) and the answer is ``reauthenticated``;
    PushDenied / PushWrongNumber; ``expired``. The same guard as the gateway renewal: only
    the session the step-up names may read it, and the sign-in poll never serves it."""
    session = principal.session
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0.0, min(wait, 60.0))
    while True:
        async with ctx.uow() as uow:
            found = await uow.logins.by_public_id(login_id) if len(login_id) <= 64 else None
            if found is None or not rules.is_step_up_for(found.device_name, session.public_id):
                raise LoginNotFound()
            now = ctx.clock.now()
            state = push_outcome(found, now)
            expired = now >= as_utc(found.expires_at)
        if found.state == LoginState.COMPLETED.value:
            return {"login_id": login_id, "state": "reauthenticated"}
        if state == push.Outcome.APPROVED.value and not expired:
            if await _complete_push(ctx, principal, login_id):
                return _confirmed(login_id)
            continue  # another poll completed it first: read the new state
        if state == push.Outcome.DENIED.value:
            raise PushDenied()
        if state == push.Outcome.WRONG_NUMBER.value:
            raise PushWrongNumber()
        if expired or found.state != LoginState.SECOND_FACTOR.value:
            return {"login_id": login_id, "state": "expired"}
        remaining = deadline - loop.time()
        if remaining <= 0 or state in ("expired", None):
            return {"login_id": login_id, "state": "pending", "push": state}
        await ctx.login_signals.wait(login_id, min(remaining, 0.25))


def _confirmed(login_id: str) -> dict[str, Any]:
    return {
        "login_id": login_id,
        "state": "reauthenticated",
        "reauthenticated": True,
        "valid_for": rules.STEP_UP_SECONDS,
    }


async def _complete_push(ctx: ServiceContext, principal: Principal, login_id: str) -> bool:
    """Complete an approved step-up push into this session, once."""
    session = principal.session
    async with ctx.uow() as uow:
        found = await uow.logins.with_user(login_id)
        if found is None:
            return False
        attempt, user = found
        now = ctx.clock.now()
        if (
            not rules.is_step_up_for(attempt.device_name, session.public_id)
            or attempt.state != LoginState.SECOND_FACTOR.value
            or now >= as_utc(attempt.expires_at)
            or push_outcome(attempt, now) != push.Outcome.APPROVED.value
        ):
            return False
        key_device = str(attempt.challenge.get("device_id", ""))
        attempt.complete(session.public_id)
        await audit_log.record(
            uow,
            AuditEvent.STEP_UP_SUCCEEDED,
            at=now,
            session_id=session.public_id,
            user_id=user.id,
            username=user.username,
            platform=attempt.platform,
            environment=attempt.environment,
            client_address=attempt.client_address,
            factor=Factor.PUSH.value,
            device_id=key_device,
        )
        await uow.commit()
    return True
