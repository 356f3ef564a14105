"""Gateway devices: register a Gateway's key after a full sign-in, sign it in unattended by a
signed nonce, list and revoke (which ends its sessions at once), and renew the policy's
full second factor. Rules in ``domain.identity.gateway_devices``; see docs/gateway.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gatehouse.domain.errors import (
    AccountLocked,
    AlreadyExists,
    BadSignature,
    ChallengeExpired,
    DeviceNotRecognized,
    LimitReached,
    NotFound,
    RateLimited,
)
from gatehouse.domain.identity import gateway_devices as rules
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.sessions import EndReason
from gatehouse.domain.identity.users import Environment, Platform, User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, factor_changes, sessions, throttling
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork


def throttle_key(device_id: str) -> str:
    """Failures are counted per device key (and per address), not against the account: a
    password guesser must not lock the owner's bots out, nor a bad key lock the owner out."""
    return f"gateway:{device_id}"


async def _fresh(ctx: ServiceContext, uow: UnitOfWork, principal: Principal) -> datetime:
    """When this session last proved password + second factor, if within the step-up window
    (the sign-in or a step-up; never for a device's own session); else ``reauth_required``."""
    await factor_changes.require_recent(ctx, uow, principal)
    last = await uow.passkeys.last_full_signin(principal.session.public_id)
    assert last is not None
    return last


async def _changed(
    ctx: ServiceContext, uow: UnitOfWork, user: User, change: str, **data: object
) -> None:
    """Tell the user's sessions (Settings pages) that the list of gateways changed."""
    assert user.id is not None
    await uow.events.append(
        user_id=user.id,
        type="user.gateways_changed",
        account=user.live_account_id,
        data={"change": change, **data},
        at=ctx.clock.now(),
    )


async def register(
    ctx: ServiceContext,
    principal: Principal,
    *,
    public_key: object,
    scope: object,
    name: object,
    address: str,
) -> dict[str, Any]:
    """A freshly signed-in user binds a Gateway's public key to their account, the session's
    environment and a scope."""
    key = push.check_public_key(public_key if isinstance(public_key, str) else "")
    chosen = rules.check_scope(scope)
    label = rules.check_name(name)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        vouched_at = await _fresh(ctx, uow, principal)
        user = await uow.users.get(principal.user.id or 0)
        assert user is not None and user.id is not None
        await uow.users.lock(user.id)  # two registrations at once count one after another
        if await uow.gateways.count_active(user.id) >= rules.MAX_DEVICES:
            raise LimitReached(f"At most {rules.MAX_DEVICES} gateways; revoke one first.")
        if await uow.gateways.public_key_taken(key):
            raise AlreadyExists("This gateway key is already registered.", field="public_key")
        device = rules.GatewayDevice(
            public_id=ctx.new_public_id(),
            user_id=user.id,
            name=label,
            public_key=key,
            environment=principal.session.environment,
            scope=chosen.value,
            created_at=now,
            full_factor_at=vouched_at,
        )
        await uow.gateways.add(device)
        await audit_log.record(
            uow,
            AuditEvent.GATEWAY_REGISTERED,
            at=now,
            user_id=user.id,
            username=user.username,
            platform=principal.session.platform,
            environment=device.environment,
            client_address=address,
            actor="self",
            device_id=device.public_id,
            device_name=label,
            scope=chosen.value,
        )
        await _changed(ctx, uow, user, "registered", device_id=device.public_id)
        notify = await factor_changes.notify_change(
            ctx, uow, user, f"A gateway was registered ({label}, {chosen.value})"
        )
        await uow.commit()
    await notify()
    return device.view(reauth_days=ctx.gateway.reauth_days)


async def challenge(ctx: ServiceContext, device_id: object, *, address: str) -> dict[str, Any]:
    """A fresh single-use nonce for the device to sign."""
    await rate_limit(ctx, address)
    device_id = rules.check_device_id(device_id)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await _check_throttle(ctx, uow, device_id, address)
        device = await uow.gateways.get(device_id)
        if device is None or not device.active:
            raise DeviceNotRecognized()
        issued = rules.new_challenge(
            tokens=ctx.tokens,
            device_id=device_id,
            now=now,
            ttl_seconds=ctx.gateway.challenge_ttl_seconds,
        )
        await uow.gateways.add_challenge(issued)
        await uow.commit()
    return {"nonce": issued.nonce, "expires_in": ctx.gateway.challenge_ttl_seconds}


async def verify(
    ctx: ServiceContext,
    device_id: object,
    signature: object,
    *,
    address: str,
    user_agent: str = "",
) -> dict[str, Any]:
    """The device's signature of its newest nonce opens a gateway session of its scope (or a
    read-only one, flagged, once a full second factor is due)."""
    await rate_limit(ctx, address)
    device_id = rules.check_device_id(device_id)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await _check_throttle(ctx, uow, device_id, address)
        device = await uow.gateways.get(device_id)
        if device is None or not device.active:
            raise DeviceNotRecognized()
        user = await uow.users.get(device.user_id)
        assert user is not None and user.id is not None
        subject = audit_log.Subject(
            user_id=user.id,
            username=user.username,
            platform=Platform.GATEWAY.value,
            environment=device.environment,
            client_address=address,
            factor=rules.DEVICE_FACTOR,
        )
        found = await uow.gateways.open_challenges(device_id, now)
        if not found:
            raise ChallengeExpired("Ask for a new challenge and sign it.")
        try:
            rules.verify_signin(device, found[0].nonce, signature)
        except BadSignature:
            await throttling.record_failure(
                uow,
                account=throttle_key(device_id),
                address=address,
                now=now,
                account_policy=ctx.account_throttle,
                address_policy=ctx.address_throttle,
            )
            await audit_log.record(
                uow, AuditEvent.GATEWAY_SIGNIN_FAILED, at=now, subject=subject, device_id=device_id
            )
            await uow.commit()
            raise
        if not await uow.gateways.use_challenge(found[0].nonce, now):
            raise ChallengeExpired("Ask for a new challenge and sign it.")
        if user.admin_locked:
            raise AccountLocked("This account is locked. Contact support.", retry_after=None)
        grant = device.grant(
            now=now,
            reauth_days=ctx.gateway.reauth_days,
            lifetime_seconds=ctx.session_limits[Platform.GATEWAY].lifetime_seconds,
        )
        opened = await sessions.create(
            ctx,
            uow,
            user,
            platform=Platform.GATEWAY,
            environment=Environment(device.environment),
            device_name=device.name,
            client_address=address,
            user_agent=user_agent,
            scope=grant.scope.value,
            device_id=device_id,
            ends_by=grant.expires_at,
        )
        await uow.gateways.used(device_id, at=now, address=address)
        await throttling.clear(uow, throttle_key(device_id))
        await audit_log.record(
            uow,
            AuditEvent.GATEWAY_SIGNIN,
            at=now,
            subject=subject,
            session_id=opened.session.public_id,
            device_id=device_id,
            scope=grant.scope.value,
            second_factor_due=grant.second_factor_due,
        )
        await uow.commit()
    body = opened.view()
    body["device_id"] = device_id
    body["second_factor_due"] = grant.second_factor_due
    body["second_factor_due_at"] = grant.second_factor_due_at.isoformat()
    return body


async def list_devices(ctx: ServiceContext, principal: Principal) -> list[dict[str, Any]]:
    async with ctx.uow() as uow:
        found = await uow.gateways.for_user(principal.user.id or 0)
    return [d.view(reauth_days=ctx.gateway.reauth_days) for d in found]


async def revoke(ctx: ServiceContext, principal: Principal, device_id: str) -> dict[str, Any]:
    """The owner revokes a gateway from any session: its sessions end in the same commit
    (``session.ended`` events close their sockets and evict them from every node's cache)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        device = await uow.gateways.get(device_id) if len(device_id) <= 32 else None
        if device is None or device.user_id != principal.user.id or not device.active:
            raise NotFound("No active gateway has that id.")
        user = await uow.users.get(device.user_id)
        assert user is not None and user.id is not None
        await uow.gateways.revoke(device_id, at=now, by="self")
        ended = 0
        for session in await uow.sessions.active_for_user(user.id, now):
            if session.device_id == device_id:
                await sessions.end(ctx, uow, session, user, EndReason.REVOKED, actor="self")
                ended += 1
        await audit_log.record(
            uow,
            AuditEvent.GATEWAY_REVOKED,
            at=now,
            user_id=user.id,
            username=user.username,
            platform=principal.session.platform,
            environment=device.environment,
            client_address=principal.session.client_address,
            actor="self",
            device_id=device_id,
            device_name=device.name,
            sessions_ended=ended,
        )
        await _changed(ctx, uow, user, "revoked", device_id=device_id)
        notify = await factor_changes.notify_change(
            ctx, uow, user, f"A gateway was revoked ({device.name})"
        )
        await uow.commit()
    await notify()
    return {"revoked": device_id, "sessions_ended": ended}


async def renew(ctx: ServiceContext, principal: Principal, device_id: str) -> dict[str, Any]:
    """A fresh full sign-in (password or push-approved second factor) restarts the device's
    policy period: its next sign-in gets its full scope again."""
    async with ctx.uow() as uow:
        opened = await _fresh(ctx, uow, principal)
        device = await uow.gateways.get(device_id) if len(device_id) <= 32 else None
        if device is None or device.user_id != principal.user.id or not device.active:
            raise NotFound("No active gateway has that id.")
        await uow.gateways.renew(device_id, opened)
        device.full_factor_at = opened
        await audit_log.record_action(
            uow,
            AuditEvent.GATEWAY_RENEWED,
            principal.user,
            at=ctx.clock.now(),
            actor="self",
            device_id=device_id,
        )
        await uow.commit()
    return device.view(reauth_days=ctx.gateway.reauth_days)


async def rate_limit(ctx: ServiceContext, address: str) -> None:
    wait = await ctx.limiter.hit(ctx.gateway.rate_limit_signin, "gateway", address or "unknown")
    if wait:
        raise RateLimited(retry_after=wait)


async def _check_throttle(
    ctx: ServiceContext, uow: UnitOfWork, device_id: str, address: str
) -> None:
    await throttling.check(
        uow,
        account=throttle_key(device_id),
        address=address,
        now=ctx.clock.now(),
        account_policy=ctx.account_throttle,
        address_policy=ctx.address_throttle,
    )
