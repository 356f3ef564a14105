"""Step-up inside a session: password, then a second factor (a code, or a Key push approved on
the device), so that the next few minutes may change how the user signs in
(``domain/identity/step_up``; the check is ``factor_changes.require_recent``)."""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import (
    FactorUnavailable,
    InvalidInput,
)
from gatehouse.domain.identity import step_up as rules
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.login_flow import Factor
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, credentials, side_attempts, signin
from gatehouse.service.identity.login_status import approved_push
from gatehouse.service.identity.sessions import Principal


async def start(ctx: ServiceContext, principal: Principal, password: object) -> dict[str, Any]:
    """Check the password; open a step-up that waits for a second factor."""
    if not isinstance(password, str) or not password or len(password) > 256:
        raise InvalidInput("Enter your password.", field="password")
    await credentials.confirm_password(ctx, principal, password)
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
        attempt = await side_attempts.open_beside(
            ctx,
            uow,
            session,
            environment=session.environment,
            marker=rules.marker(session.public_id),
        )
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

    async def complete() -> dict[str, Any] | None:
        return _confirmed(login_id) if await _complete_push(ctx, principal, login_id) else None

    return await side_attempts.poll_push(
        ctx,
        login_id,
        key="login_id",
        belongs=lambda found: rules.is_step_up_for(found, session.public_id),
        complete=complete,
        done_state="reauthenticated",
        wait=wait,
        push_end_ends_it=False,  # a code may still answer it; the page offers to ring again
    )


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
        now = ctx.clock.now()
        found = await approved_push(uow, login_id, now)
        if found is None:
            return False
        attempt, user = found
        if not rules.is_step_up_for(attempt.device_name, session.public_id):
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
