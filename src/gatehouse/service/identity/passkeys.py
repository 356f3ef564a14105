"""The mobile biometric unlock: register a passkey after a full sign-in, unlock with it.

A device remembers (server-side, keyed by a device cookie) when it last completed a full
sign-in — password and second factor. A passkey opens a mobile session only while that is
less than ``reauth_days`` old; after that the full second factor is asked again, whatever
the passkey.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import (
    AccountLocked,
    AlreadyExists,
    ChallengeExpired,
    NotFound,
    PasskeyRejected,
    RateLimited,
    ReauthRequired,
)
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import passkey as rules
from gatehouse.domain.identity.factors.passkey import Passkey, PasskeyChallenge, RelyingParty
from gatehouse.domain.identity.throttle import account_key
from gatehouse.domain.identity.users import Environment, Platform
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, factor_changes, sessions, throttling
from gatehouse.service.identity.sessions import Principal, SessionGrant

REGISTER = "register"
UNLOCK = "unlock"
_DEVICE_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class PasskeyPolicy:
    """The site passkeys belong to, and how long a full sign-in lets a device use them."""

    rp: RelyingParty
    reauth_days: int = 7
    challenge_seconds: int = 120


@dataclass(frozen=True)
class Client:
    address: str = ""
    user_agent: str = ""
    device_id: str | None = None


def valid_device_id(raw: str | None) -> str | None:
    return raw if raw and _DEVICE_ID.fullmatch(raw) else None


def new_device_id(ctx: ServiceContext) -> str:
    return ctx.tokens.token_bytes(16).hex()


def passkey_view(key: Passkey) -> dict[str, Any]:
    return {
        "id": key.public_id,
        "device_name": key.device_name,
        "environment": key.environment,
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "synced": key.backed_up,
    }


async def device_checkin(
    ctx: ServiceContext, principal: Principal, device_id: str, policy: PasskeyPolicy
) -> dict[str, Any]:
    """Remember that this device has just completed a full sign-in (the current session's)."""
    assert principal.user.id is not None
    opened = as_utc(principal.session.created_at)
    async with ctx.uow() as uow:
        if not await uow.passkeys.opened_by_full_signin(principal.session.public_id):
            raise ReauthRequired(
                "Only a session opened with your password and second factor can do that."
            )
        previous = await uow.passkeys.full_signin_at(principal.user.id, device_id)
        if previous is None or previous < opened:
            await uow.passkeys.record_full_signin(principal.user.id, device_id, opened)
        count = len(await uow.passkeys.for_user(principal.user.id))
        await uow.commit()
    return {
        "full_signin_at": opened.isoformat(),
        "reauth_due_at": rules.reauth_due_at(opened, days=policy.reauth_days).isoformat(),
        "passkeys": count,
    }


async def _new_challenge(
    ctx: ServiceContext, policy: PasskeyPolicy, purpose: str, *, user_id: int | None, env: str
) -> PasskeyChallenge:
    now = ctx.clock.now()
    challenge = PasskeyChallenge(
        public_id=ctx.new_public_id(),
        purpose=purpose,
        challenge=ctx.tokens.token_bytes(rules.CHALLENGE_BYTES).hex(),
        expires_at=now + timedelta(seconds=policy.challenge_seconds),
        user_id=user_id,
        environment=env,
    )
    async with ctx.uow() as uow:
        await uow.passkeys.add_challenge(challenge, now=now)
        await uow.commit()
    return challenge


async def _take_challenge(ctx: ServiceContext, challenge_id: str, purpose: str) -> PasskeyChallenge:
    async with ctx.uow() as uow:
        found = await uow.passkeys.take_challenge(challenge_id[:64], purpose=purpose)
        await uow.commit()
    if found is None or ctx.clock.now() >= found.expires_at:
        raise ChallengeExpired("The passkey request has expired; try again.")
    return found


async def registration_options(
    ctx: ServiceContext, principal: Principal, policy: PasskeyPolicy, device_id: str | None
) -> dict[str, Any]:
    """Options to create a passkey; only on a device whose full sign-in is recent enough."""
    user = principal.user
    assert user.id is not None
    async with ctx.uow() as uow:
        await factor_changes.require_recent(ctx, uow, principal)
        last = await uow.passkeys.full_signin_at(user.id, device_id) if device_id else None
        existing = [k.credential_id for k in await uow.passkeys.for_user(user.id)]
    if rules.needs_full_signin(last, now=ctx.clock.now(), days=policy.reauth_days):
        raise ReauthRequired()
    challenge = await _new_challenge(
        ctx, policy, REGISTER, user_id=user.id, env=principal.session.environment
    )
    handle = hmac.new(ctx.code_key, f"passkey-user:{user.id}".encode(), hashlib.sha256).digest()
    options = rules.registration_options(
        policy.rp,
        challenge=challenge.challenge_bytes(),
        user_handle=handle[:16],
        username=user.username,
        exclude=existing,
    )
    return {"challenge_id": challenge.public_id, "publicKey": options}


async def register(
    ctx: ServiceContext,
    principal: Principal,
    policy: PasskeyPolicy,
    *,
    challenge_id: str,
    credential: dict[str, Any],
    device_name: str,
) -> dict[str, Any]:
    """Verify and store a new passkey created from ``registration_options``."""
    user = principal.user
    assert user.id is not None
    challenge = await _take_challenge(ctx, challenge_id, REGISTER)
    if challenge.user_id != user.id:
        raise ChallengeExpired("The passkey request has expired; try again.")
    created = rules.verify_registration(
        credential, rp=policy.rp, expected_challenge=challenge.challenge_bytes()
    )
    now = ctx.clock.now()
    key = Passkey(
        public_id=ctx.new_public_id(),
        credential_id=created.credential_id,
        user_id=user.id,
        public_key=created.public_key,
        sign_count=created.sign_count,
        environment=challenge.environment or Environment.LIVE.value,
        created_at=now,
        device_name=device_name.strip()[:100] or "Phone",
        backed_up=created.backed_up,
        aaguid=created.aaguid,
    )
    async with ctx.uow() as uow:
        if await uow.passkeys.by_credential_id(key.credential_id) is not None:
            raise AlreadyExists("This passkey is already registered.")
        await uow.passkeys.add(key)
        await audit_log.record(
            uow,
            AuditEvent.PASSKEY_REGISTERED,
            at=now,
            user_id=user.id,
            username=user.username,
            platform=principal.session.platform,
            environment=principal.session.environment,
            passkey=key.public_id,
        )
        await uow.events.append(
            user_id=user.id,
            type="passkey.registered",
            account=principal.account_ids[0],
            data={"id": key.public_id, "device_name": key.device_name},
            at=now,
        )
        notify = await factor_changes.notify_change(
            ctx, uow, user, f"A passkey was added ({key.device_name})"
        )
        await uow.commit()
    await notify()
    return passkey_view(key)


async def unlock_options(
    ctx: ServiceContext, policy: PasskeyPolicy, address: str
) -> dict[str, Any]:
    """Options to sign in with any passkey of this site (a discoverable credential)."""
    await _rate_limit(ctx, address)
    challenge = await _new_challenge(ctx, policy, UNLOCK, user_id=None, env="")
    options = rules.authentication_options(policy.rp, challenge=challenge.challenge_bytes())
    return {"challenge_id": challenge.public_id, "publicKey": options}


async def unlock(
    ctx: ServiceContext,
    policy: PasskeyPolicy,
    *,
    challenge_id: str,
    credential: dict[str, Any],
    client: Client,
) -> SessionGrant:
    """A passkey assertion → a mobile session, if this device's full sign-in is recent."""
    await _rate_limit(ctx, client.address)
    credential_id = rules.credential_id_of(credential)
    challenge = await _take_challenge(ctx, challenge_id, UNLOCK)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        key = await uow.passkeys.by_credential_id(credential_id)
        if key is None:
            raise PasskeyRejected("This passkey is not registered here (it may have been removed).")
        user = await uow.users.get(key.user_id)
        assert user is not None and user.id is not None
        if user.admin_locked:
            raise AccountLocked("This account is locked. Contact support.", retry_after=None)
        await throttling.check(
            uow,
            account=account_key(user.id),
            address=client.address,
            now=now,
            account_policy=ctx.account_throttle,
            address_policy=ctx.address_throttle,
        )
        subject = audit_log.Subject(
            user_id=user.id,
            username=user.username,
            platform=Platform.MOBILE.value,
            environment=key.environment,
            client_address=client.address,
            factor="passkey",
        )
        try:
            count = rules.verify_assertion(
                credential,
                rp=policy.rp,
                expected_challenge=challenge.challenge_bytes(),
                public_key=key.public_key,
                sign_count=key.sign_count,
            )
        except PasskeyRejected as error:
            await audit_log.record(
                uow, AuditEvent.PASSKEY_REFUSED, at=now, subject=subject, reason=error.message
            )
            await uow.commit()
            raise
        await uow.passkeys.record_use(key.public_id, sign_count=count, at=now)
        last = (
            await uow.passkeys.full_signin_at(user.id, client.device_id)
            if client.device_id
            else None
        )
        if rules.needs_full_signin(last, now=now, days=policy.reauth_days):
            await audit_log.record(
                uow, AuditEvent.PASSKEY_REFUSED, at=now, subject=subject, reason="reauth_required"
            )
            await uow.commit()
            raise ReauthRequired(username=user.username, environment=key.environment)
        grant = await sessions.create(
            ctx,
            uow,
            user,
            platform=Platform.MOBILE,
            environment=Environment(key.environment),
            device_name=key.device_name,
            client_address=client.address,
            user_agent=client.user_agent,
        )
        await audit_log.record(
            uow,
            AuditEvent.LOGIN_SUCCEEDED,
            at=now,
            subject=subject,
            session_id=grant.session.public_id,
            passkey=key.public_id,
        )
        await uow.commit()
    return grant


async def list_for(ctx: ServiceContext, user_id: int) -> list[dict[str, Any]]:
    async with ctx.uow() as uow:
        return [passkey_view(k) for k in await uow.passkeys.for_user(user_id)]


async def remove(ctx: ServiceContext, principal: Principal, public_id: str) -> None:
    user = principal.user
    assert user.id is not None
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await factor_changes.require_recent(ctx, uow, principal)
        if not await uow.passkeys.remove(user.id, public_id[:64]):
            raise NotFound("No passkey has that id.")
        await audit_log.record(
            uow,
            AuditEvent.PASSKEY_REMOVED,
            at=now,
            user_id=user.id,
            username=user.username,
            platform=principal.session.platform,
            passkey=public_id,
        )
        await uow.events.append(
            user_id=user.id,
            type="passkey.removed",
            account=principal.account_ids[0],
            data={"id": public_id},
            at=now,
        )
        notify = await factor_changes.notify_change(ctx, uow, user, "A passkey was removed")
        await uow.commit()
    await notify()


async def _rate_limit(ctx: ServiceContext, address: str) -> None:
    wait = await ctx.limiter.hit(ctx.signin.rate_limit_verify, "passkey", address or "unknown")
    if wait:
        raise RateLimited(retry_after=wait)
