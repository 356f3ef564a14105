"""Key devices: activation codes, enrollment with the device's public key, listing, revoking.

Enrollment gives the device the account's TOTP seed (one is created when the account has
none), so the Key shows the same codes as any authenticator app enrolled from the
``otpauth://`` URI. A device revoked as *lost* takes that seed with it: the account's TOTP
is withdrawn too, and the next enrollment gets a fresh seed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from gatehouse.domain.errors import AlreadyExists, InvalidActivationCode, NotFound, RateLimited
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import push, totp
from gatehouse.domain.identity.key_devices import (
    ActivationKind,
    KeyDevice,
    check_device_name,
    code_hash,
    new_activation,
    new_code,
)
from gatehouse.domain.identity.users import User, normalize_username
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, factor_changes
from gatehouse.service.identity.factors.totp import seal_context
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork


def enrollment_uri(server: str, code: str) -> str:
    """What the QR code carries: the server to talk to and the one-time code."""
    return "gatehouse-key://enroll?" + urlencode({"server": server, "code": code})


async def factors_changed(
    ctx: ServiceContext, uow: UnitOfWork, user: User, change: str, **data: object
) -> None:
    """Tell every session of the user that their second factors changed."""
    assert user.id is not None
    await uow.events.append(
        user_id=user.id,
        type="user.factors_changed",
        account=user.live_account_id,
        data={"change": change, **data},
        at=ctx.clock.now(),
    )


async def _issue(
    ctx: ServiceContext, uow: UnitOfWork, user: User, kind: ActivationKind, *, actor: str
) -> dict[str, Any]:
    assert user.id is not None
    now = ctx.clock.now()
    ttl = (
        ctx.key.activation_ttl_seconds
        if kind is ActivationKind.ACTIVATION
        else ctx.key.reenrollment_ttl_seconds
    )
    code = new_code(ctx.tokens)
    await uow.key.cancel_activations(user.id, now)  # one open code per user at a time
    await uow.key.add_activation(
        new_activation(
            code=code,
            key=ctx.code_key,
            user_id=user.id,
            kind=kind,
            now=now,
            ttl_seconds=ttl,
            created_by=actor,
        )
    )
    server = ctx.recovery.public_base_url
    return {
        "code": code,
        "kind": kind.value,
        "expires_in": ttl,
        "server": server,
        "uri": enrollment_uri(server, code),
    }


async def create_activation(ctx: ServiceContext, principal: Principal) -> dict[str, Any]:
    """A signed-in user asks to enroll a Key device: a code valid for ten minutes, once."""
    async with ctx.uow() as uow:
        await factor_changes.require_recent(ctx, uow, principal)
        user = await uow.users.get(principal.user.id or 0)
        assert user is not None
        body = await _issue(ctx, uow, user, ActivationKind.ACTIVATION, actor="self")
        await audit_log.record(
            uow,
            AuditEvent.KEY_ACTIVATION_CREATED,
            at=ctx.clock.now(),
            user_id=user.id,
            username=user.username,
            platform=principal.session.platform,
            environment=principal.session.environment,
            client_address=principal.session.client_address,
            actor="self",
        )
        await uow.commit()
    return body


async def issue_reenrollment(ctx: ServiceContext, username: str, *, actor: str) -> dict[str, Any]:
    """Support's code for a user who lost their device: used like an activation code, 24 h."""
    async with ctx.uow() as uow:
        user = await uow.users.by_username(normalize_username(username))
        if user is None:
            raise NotFound(f"No user named {username!r}.")
        body = await _issue(ctx, uow, user, ActivationKind.REENROLLMENT, actor=actor)
        await audit_log.record_action(
            uow,
            AuditEvent.KEY_REENROLLMENT_ISSUED,
            user,
            at=ctx.clock.now(),
            actor=actor,
        )
        await uow.commit()
    return body


async def enroll(
    ctx: ServiceContext, *, code: object, public_key: object, name: object, address: str
) -> dict[str, Any]:
    """A device proves the code and registers its public key; it gets its id and TOTP seed."""
    wait = await ctx.limiter.hit(ctx.key.rate_limit_enroll, "key-enroll", address or "unknown")
    if wait:
        raise RateLimited(retry_after=wait)
    digest = code_hash(code if isinstance(code, str) else "", key=ctx.code_key)
    key = push.check_public_key(public_key if isinstance(public_key, str) else "")
    label = check_device_name(name)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        activation = await uow.key.activation(digest)
        if activation is None or not activation.usable(now):
            raise InvalidActivationCode()
        user = await uow.users.get(activation.user_id)
        if user is None or user.admin_locked:
            raise InvalidActivationCode()
        if await uow.key.public_key_taken(key):
            raise AlreadyExists("This device key is already enrolled.", field="public_key")
        if not await uow.key.use_activation(digest, now):  # a concurrent enrollment won
            raise InvalidActivationCode()
        secret = await _totp_secret(ctx, uow, user)
        device = KeyDevice(
            public_id=ctx.new_public_id(),
            user_id=activation.user_id,
            name=label,
            public_key=key,
            created_at=now,
        )
        await uow.key.add_device(device)
        await audit_log.record(
            uow,
            AuditEvent.KEY_ENROLLED,
            at=now,
            user_id=user.id,
            username=user.username,
            client_address=address,
            actor=activation.created_by or "self",
            device_id=device.public_id,
            device_name=label,
            kind=activation.kind,
        )
        await factors_changed(ctx, uow, user, AuditEvent.KEY_ENROLLED.value)
        notify = await factor_changes.notify_change(
            ctx, uow, user, f"A Gatehouse Key device was added ({label})"
        )
        await uow.commit()
    await notify()
    return {
        "device_id": device.public_id,
        "name": label,
        "username": user.username,
        "issuer": ctx.signin.issuer,
        "totp_secret": secret,
        "otpauth_uri": totp.provisioning_uri(
            secret, account_name=user.username, issuer=ctx.signin.issuer
        ),
        "server_time": now.isoformat(),
    }


async def _totp_secret(ctx: ServiceContext, uow: UnitOfWork, user: User) -> str:
    if user.totp_secret_sealed is not None:
        return ctx.sealer.open(user.totp_secret_sealed, context=seal_context(user))
    secret = totp.new_secret(ctx.tokens)
    user.totp_secret_sealed = ctx.sealer.seal(secret, context=seal_context(user))
    user.totp_last_step = None
    await audit_log.record(
        uow,
        AuditEvent.TOTP_ENROLLED,
        at=ctx.clock.now(),
        user_id=user.id,
        username=user.username,
        actor="key",
    )
    return secret


async def list_devices(ctx: ServiceContext, user_id: int) -> list[dict[str, Any]]:
    async with ctx.uow() as uow:
        return [device.view() for device in await uow.key.devices_for(user_id)]


async def revoke(
    ctx: ServiceContext, uow: UnitOfWork, user: User, device_id: str, *, actor: str, lost: bool
) -> None:
    """Revoke one active device in the caller's transaction; a lost one takes the TOTP seed."""
    assert user.id is not None
    device = await uow.key.device(device_id) if len(device_id) <= 64 else None
    if device is None or device.user_id != user.id or not device.active:
        raise NotFound("No active Key device has that id.")
    now = ctx.clock.now()
    await uow.key.revoke_device(device_id, at=now, by=actor)
    await audit_log.record_action(
        uow,
        AuditEvent.KEY_REVOKED,
        user,
        at=now,
        actor=actor,
        device_id=device_id,
        lost=lost,
    )
    if lost:
        await remove_totp(ctx, uow, user, actor=actor, reason="key_device_lost")
    await factors_changed(ctx, uow, user, AuditEvent.KEY_REVOKED.value, device_id=device_id)


async def remove_totp(
    ctx: ServiceContext, uow: UnitOfWork, user: User, *, actor: str, reason: str
) -> bool:
    if user.totp_secret_sealed is None:
        return False
    user.totp_secret_sealed = None
    user.totp_last_step = None
    await audit_log.record_action(
        uow,
        AuditEvent.TOTP_REMOVED,
        user,
        at=ctx.clock.now(),
        actor=actor,
        reason=reason,
    )
    return True


async def revoke_own(
    ctx: ServiceContext, principal: Principal, device_id: str, *, lost: bool
) -> None:
    async with ctx.uow() as uow:
        await factor_changes.require_recent(ctx, uow, principal)
        user = await uow.users.get(principal.user.id or 0)
        assert user is not None
        await revoke(ctx, uow, user, device_id, actor="self", lost=lost)
        notify = await factor_changes.notify_change(
            ctx, uow, user, "A Gatehouse Key device was removed"
        )
        await uow.commit()
    await notify()
