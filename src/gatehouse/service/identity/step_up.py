"""Step-up inside a session: password, then a second factor (not push), so that the next few
minutes may change how the user signs in (``domain/identity/step_up``; the check is
``factor_changes.require_recent``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gatehouse.domain.errors import FactorUnavailable, InvalidInput
from gatehouse.domain.identity import step_up as rules
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.login_flow import LoginAttempt
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, credentials, signin
from gatehouse.service.identity.sessions import Principal


async def start(ctx: ServiceContext, principal: Principal, password: object) -> dict[str, Any]:
    """Check the password; open a step-up that waits for a second factor (not push)."""
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
            if f in {x.value for x in signin.STEP_UP_FACTORS}
        ]
        if not factors:
            raise FactorUnavailable(
                "Confirming it is you needs an authenticator app, text messages or a code card."
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
