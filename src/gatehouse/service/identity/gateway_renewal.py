"""A gateway asks for the policy's full second factor by push, unattended: its (read-only)
device session starts a renewal, the owner approves it on the Key device with number matching,
and the device's policy period starts again. A renewal opens no session: its sign-in attempt is
marked (``domain.identity.gateway_devices.renewal_marker``) so neither ``/auth/login/{id}``
nor its challenge/verify steps will serve it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gatehouse.domain.errors import (
    DeviceNotRecognized,
    FactorUnavailable,
    Forbidden,
)
from gatehouse.domain.identity import gateway_devices as rules
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.login_flow import Factor
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, side_attempts
from gatehouse.service.identity.factors import REGISTRY
from gatehouse.service.identity.gateway_devices import rate_limit
from gatehouse.service.identity.login_status import approved_push
from gatehouse.service.identity.sessions import Principal


def _device_id(principal: Principal) -> str:
    if principal.session.device_id is None:
        raise Forbidden("Only a gateway's own session can ask to renew it.")
    return principal.session.device_id


async def request(ctx: ServiceContext, principal: Principal) -> dict[str, Any]:
    """Ring the owner's Key devices; the answer has the number to pick and the renewal's id."""
    device_id = _device_id(principal)
    session = principal.session
    await rate_limit(ctx, session.client_address)
    now = ctx.clock.now()
    handler = REGISTRY[Factor.PUSH]
    async with ctx.uow() as uow:
        device = await uow.gateways.get(device_id)
        user = await uow.users.get(principal.user.id or 0)
        if device is None or not device.active or user is None or user.id != device.user_id:
            raise DeviceNotRecognized()
        if not (await handler.availability(ctx, uow, user)).available:
            raise FactorUnavailable(
                "No Key device is enrolled to approve it; run `gatehouse gateway login` instead."
            )
        attempt = await side_attempts.open_beside(
            ctx,
            uow,
            session,
            environment=device.environment,
            marker=rules.renewal_marker(device_id),
        )
        rung = await handler.challenge(ctx, uow, user, attempt)
        await audit_log.record(
            uow,
            AuditEvent.CHALLENGE_SENT,
            at=now,
            user_id=user.id,
            username=user.username,
            platform=session.platform,
            environment=device.environment,
            client_address=session.client_address,
            factor=Factor.PUSH.value,
            device_id=device_id,
            purpose="gateway_renewal",
        )
        await uow.commit()
    if rung.deliver is not None:
        await rung.deliver()
    return {"renewal_id": attempt.public_id, **rung.payload}


async def wait(
    ctx: ServiceContext,
    principal: Principal,
    renewal_id: str,
    *,
    wait: float = 0,
) -> dict[str, Any]:
    """Long poll: ``pending`` until the push is answered; ``renewed`` once approved (the
    device's policy period restarts now); PushDenied / PushWrongNumber; ``expired``."""
    device_id = _device_id(principal)
    marker = rules.renewal_marker(device_id)
    return await side_attempts.poll_push(
        ctx,
        renewal_id,
        key="renewal_id",
        belongs=lambda found: found == marker,
        complete=lambda: _renew(ctx, principal, renewal_id, device_id),
        done_state="renewed",
        wait=wait,
        push_end_ends_it=True,  # the push is rung at once: when it is over, so is the renewal
    )


async def _renew(
    ctx: ServiceContext, principal: Principal, renewal_id: str, device_id: str
) -> dict[str, Any] | None:
    """Complete an approved renewal once: the device's full second factor is now."""
    async with ctx.uow() as uow:
        now = ctx.clock.now()
        found = await approved_push(uow, renewal_id, now)
        if found is None:
            return None
        attempt, user = found
        attempt.complete(principal.session.public_id)
        if not await uow.gateways.renew(device_id, now):
            raise DeviceNotRecognized()
        await audit_log.record(
            uow,
            AuditEvent.GATEWAY_RENEWED,
            at=now,
            user_id=user.id,
            username=user.username,
            platform=attempt.platform,
            environment=attempt.environment,
            client_address=attempt.client_address,
            factor=Factor.PUSH.value,
            actor="push",
            device_id=device_id,
            key_device=str(attempt.challenge.get("device_id", "")),
        )
        await uow.commit()
    due = now + timedelta(days=ctx.gateway.reauth_days)
    return {"renewal_id": renewal_id, "state": "renewed", "second_factor_due_at": due.isoformat()}
