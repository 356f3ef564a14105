"""What a signed-in user manages alone: their authenticator app, SMS number and code card.

New factors take effect only once proven: a new TOTP secret after a correct code from the
app, a new phone number after the code sent to it. Pending secrets are sealed at rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import ChallengeExpired, ChallengeRequired, GatehouseError
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import sms, totp
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, factor_changes, passkeys, users
from gatehouse.service.identity.factors.totp import seal_context
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork

TOTP_PENDING = "totp_pending"
PHONE_PENDING = "phone_pending"
ENROLL_SECONDS = 600


def _pending_context(user: User) -> str:
    return f"totp-pending:{user.id}"


async def _own(uow: UnitOfWork, principal: Principal) -> User:
    user = await uow.users.get(principal.user.id or 0)
    assert user is not None and user.id is not None
    return user


def _set_extra(user: User, key: str, value: object | None) -> None:
    # A new dict, so the ORM sees the JSON column change.
    extra = {k: v for k, v in user.extra.items() if k != key}
    if value is not None:
        extra[key] = value
    user.extra = extra


def _pending(user: User, key: str, now: datetime) -> dict[str, Any] | None:
    found = user.extra.get(key)
    if not isinstance(found, dict):
        return None
    if now >= as_utc(datetime.fromisoformat(str(found.get("expires_at")))):
        return None
    return found


CHANGES = {
    AuditEvent.TOTP_ENROLLED: "A new authenticator app was set up",
    AuditEvent.PHONE_CHANGED: "Your text-message number was changed",
    AuditEvent.CARD_ISSUED: "A new security code card was issued",
}


async def _changed(
    ctx: ServiceContext, uow: UnitOfWork, principal: Principal, event: AuditEvent, **detail: Any
) -> Callable[[], Awaitable[None]]:
    """Audit a factor change, tell every session of the user (settings pages refresh) and
    the user (message center now; the e-mail returned, to send after the commit)."""
    user = principal.user
    assert user.id is not None
    now = ctx.clock.now()
    await audit_log.record(
        uow,
        event,
        at=now,
        user_id=user.id,
        username=user.username,
        platform=principal.session.platform,
        actor="self",
        **detail,
    )
    await uow.events.append(
        user_id=user.id,
        type="user.factors_changed",
        account=principal.account_ids[0],
        data={"change": event.value},
        at=now,
    )
    return await factor_changes.notify_change(ctx, uow, user, CHANGES[event])


async def factors(ctx: ServiceContext, principal: Principal) -> dict[str, Any]:
    """The second factors this user has set up (nothing secret)."""
    async with ctx.uow() as uow:
        user = await _own(uow, principal)
        assert user.id is not None
        card_id = await uow.cards.active_card(user.id)
        unused = len(await uow.cards.unused_labels(card_id)) if card_id else 0
    return {
        "totp": user.has_totp,
        "sms": {"phone": sms.mask_phone(user.phone)} if user.phone else None,
        "card": {"card_id": card_id, "unused_cells": unused} if card_id else None,
        "passkeys": await passkeys.list_for(ctx, user.id),
    }


async def start_totp(ctx: ServiceContext, principal: Principal) -> str:
    """A new authenticator secret, pending until confirmed; returns its ``otpauth://`` URI."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await factor_changes.require_recent(ctx, uow, principal)
        user = await _own(uow, principal)
        secret = totp.new_secret(ctx.tokens)
        pending = {
            "sealed": ctx.sealer.seal(secret, context=_pending_context(user)),
            "expires_at": (now + timedelta(seconds=ENROLL_SECONDS)).isoformat(),
        }
        _set_extra(user, TOTP_PENDING, pending)
        await uow.commit()
    return totp.provisioning_uri(secret, account_name=user.username, issuer=ctx.signin.issuer)


async def confirm_totp(ctx: ServiceContext, principal: Principal, code: str) -> None:
    """Activate the pending secret once the app shows a correct code; replaces any old one."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await _own(uow, principal)
        pending = _pending(user, TOTP_PENDING, now)
        if pending is None:
            raise ChallengeRequired(
                "Start adding an authenticator app first; the last attempt may have expired."
            )
        secret = ctx.sealer.open(str(pending["sealed"]), context=_pending_context(user))
        match = totp.verify(secret, code, at=now, last_used_step=None)
        user.totp_secret_sealed = ctx.sealer.seal(secret, context=seal_context(user))
        user.totp_last_step = match.step
        _set_extra(user, TOTP_PENDING, None)
        notify = await _changed(ctx, uow, principal, AuditEvent.TOTP_ENROLLED)
        await uow.commit()
    ctx.principals.evict_user(principal.user.id or 0)
    await notify()


async def start_phone_change(
    ctx: ServiceContext, principal: Principal, phone: str
) -> dict[str, Any]:
    """Send a code to a new SMS number; the number is saved once the code comes back."""
    number = sms.normalize_phone(phone)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await factor_changes.require_recent(ctx, uow, principal)
        user = await _own(uow, principal)
        context = f"phone:{user.id}:{number}"
        previous = _pending(user, PHONE_PENDING, now)
        earlier = None
        if previous is not None and previous.get("phone") == number:
            earlier = sms.SmsChallenge(
                code_hash=str(previous["code_hash"]),
                expires_at=as_utc(datetime.fromisoformat(str(previous["expires_at"]))),
                sends=int(previous["sends"]),
                attempts=int(previous["attempts"]),
            )
        code, challenge = sms.issue(
            tokens=ctx.tokens,
            now=now,
            key=ctx.code_key,
            context=context,
            previous=earlier,
            ttl_seconds=ctx.signin.sms_ttl_seconds,
            max_sends=ctx.signin.sms_max_sends,
        )
        _set_extra(user, PHONE_PENDING, _phone_pending(number, challenge))
        await uow.commit()
    await ctx.sms.send(number, f"Gatehouse code to confirm this number: {code}. Never share it.")
    return {
        "sent_to": sms.mask_phone(number),
        "expires_in": ctx.signin.sms_ttl_seconds,
        "sends_left": max(0, ctx.signin.sms_max_sends - challenge.sends),
    }


def _phone_pending(number: str, challenge: sms.SmsChallenge) -> dict[str, object]:
    return {
        "phone": number,
        "code_hash": challenge.code_hash,
        "expires_at": challenge.expires_at.isoformat(),
        "sends": challenge.sends,
        "attempts": challenge.attempts,
    }


async def confirm_phone(ctx: ServiceContext, principal: Principal, code: str) -> dict[str, Any]:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await _own(uow, principal)
        pending = _pending(user, PHONE_PENDING, now)
        if pending is None:
            raise ChallengeExpired("The code has expired; ask for a new one.")
        number = str(pending["phone"])
        stored = sms.SmsChallenge(
            code_hash=str(pending["code_hash"]),
            expires_at=as_utc(datetime.fromisoformat(str(pending["expires_at"]))),
            sends=int(pending["sends"]),
            attempts=int(pending["attempts"]),
        )
        try:
            sms.verify(stored, code, now=now, key=ctx.code_key, context=f"phone:{user.id}:{number}")
        except GatehouseError:
            _set_extra(user, PHONE_PENDING, _phone_pending(number, sms.with_failed_attempt(stored)))
            await uow.commit()
            raise
        user.phone = number
        _set_extra(user, PHONE_PENDING, None)
        notify = await _changed(
            ctx, uow, principal, AuditEvent.PHONE_CHANGED, phone=sms.mask_phone(number)
        )
        await uow.commit()
    ctx.principals.evict_user(principal.user.id or 0)
    await notify()
    return {"phone": sms.mask_phone(number)}


async def issue_card(ctx: ServiceContext, principal: Principal) -> users.IssuedCard:
    """A new code card for this user (the old one stops working); its cells are shown once."""
    async with ctx.uow() as uow:
        await factor_changes.require_recent(ctx, uow, principal)
    issued = await users.issue_card(ctx, principal.user.username, actor="self")
    async with ctx.uow() as uow:
        await uow.events.append(
            user_id=principal.user.id or 0,
            type="user.factors_changed",
            account=principal.account_ids[0],
            data={"change": AuditEvent.CARD_ISSUED.value},
            at=ctx.clock.now(),
        )
        notify = await factor_changes.notify_change(
            ctx, uow, principal.user, CHANGES[AuditEvent.CARD_ISSUED]
        )
        await uow.commit()
    await notify()
    return issued
