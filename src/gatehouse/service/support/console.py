"""The support console's use cases: find and inspect users, unlock, reset second factors, issue
temporary passwords and Key re-enrollment codes, and check identity with security questions.

Every action is audited with its ``actor`` ("support:<name>" from the API, "cli" from the
command line). Support accounts themselves are out of reach of the console — one agent can
never take over another's account — and are managed by the operator with ``gatehouse users``.
"""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import Forbidden, InvalidInput, NotFound, QuestionsNotSet
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import sms
from gatehouse.domain.identity.passwords import generate_password
from gatehouse.domain.identity.recovery import check_answers, question_view, throttle_key
from gatehouse.domain.identity.users import Role, User, normalize_username
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, credentials, key_devices, throttling, users
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork


def require_support(principal: Principal) -> str:
    """The actor name of a support agent; Forbidden for anyone else."""
    if principal.user.role != Role.SUPPORT.value:
        raise Forbidden("This needs the support role.")
    return f"support:{principal.user.username}"


async def _target(uow: UnitOfWork, username: str) -> User:
    name = normalize_username(username)
    user = await uow.users.by_username(name) if 1 <= len(name) <= 64 else None
    if user is None or user.id is None:
        raise NotFound(f"No user named {username[:64]!r}.")
    if user.role == Role.SUPPORT.value:
        raise Forbidden("Support accounts are managed by the operator, not from the console.")
    return user


def _summary(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "phone": sms.mask_phone(user.phone) if user.phone else None,
        "live_account": user.live_account_id,
        "paper_account": user.paper_account_id,
        "locked": user.admin_locked,
    }


async def find_users(ctx: ServiceContext, text: str) -> list[dict[str, Any]]:
    """Users whose username, email, phone or account id matches ``text``."""
    if not 2 <= len(text.strip()) <= 100:
        raise InvalidInput("Search with 2 to 100 characters.", field="q")
    async with ctx.uow() as uow:
        found = await uow.directory.find_users(text, limit=20)
    return [_summary(u) for u in found if u.role != Role.SUPPORT.value]


async def show_user(ctx: ServiceContext, username: str, *, actor: str) -> dict[str, Any]:
    """Everything support may see about a user (never a secret), and recent activity."""
    async with ctx.uow() as uow:
        user = await _target(uow, username)
        assert user.id is not None
        devices = [d.view() for d in await uow.key.devices_for(user.id)]
        answers = await uow.recovery.answers(user.id)
        await audit_log.record_action(
            uow,
            AuditEvent.SUPPORT_VIEWED_USER,
            user,
            at=ctx.clock.now(),
            actor=actor,
        )
        await uow.commit()
    info = await users.describe(ctx, user.username)
    info["phone"] = _summary(user)["phone"]
    info["key_devices"] = devices
    info["security_questions"] = question_view([a.question_id for a in answers])
    info["recent_activity"] = await users.recent_activity(ctx, user.id, limit=20)
    return info


async def activity(ctx: ServiceContext, username: str, *, limit: int) -> list[dict[str, Any]]:
    async with ctx.uow() as uow:
        user = await _target(uow, username)
    assert user.id is not None
    return await users.recent_activity(ctx, user.id, limit=limit)


async def unlock(ctx: ServiceContext, username: str, *, actor: str) -> None:
    """Lift a manual lock and any lockout from failed sign-ins or recovery attempts."""
    async with ctx.uow() as uow:
        user = await _target(uow, username)
        await throttling.clear(uow, throttle_key(user.id, user.username))
        await uow.commit()
    await users.set_locked(ctx, user.username, False, actor=actor)


async def reset_factors(
    ctx: ServiceContext,
    username: str,
    *,
    actor: str,
    key_devices_: bool = True,
    totp: bool = True,
    card: bool = True,
) -> dict[str, Any]:
    """Revoke Key devices, remove TOTP, deactivate the code card (each when asked)."""
    if not (key_devices_ or totp or card):
        raise InvalidInput("Choose at least one factor to reset.")
    async with ctx.uow() as uow:
        user = await _target(uow, username)
        assert user.id is not None
        had_totp = user.has_totp
        revoked: list[str] = []
        if key_devices_:  # revoked as lost: the TOTP seed they held goes with them
            for device in await uow.key.devices_for(user.id):
                await key_devices.revoke(ctx, uow, user, device.public_id, actor=actor, lost=True)
                revoked.append(device.public_id)
        if totp:
            await key_devices.remove_totp(ctx, uow, user, actor=actor, reason="support")
        removed = had_totp and not user.has_totp
        deactivated = False
        if card and await uow.cards.active_card(user.id) is not None:
            await uow.cards.deactivate_all(user.id)
            deactivated = True
            await audit_log.record_action(
                uow,
                AuditEvent.CARD_DEACTIVATED,
                user,
                at=ctx.clock.now(),
                actor=actor,
            )
        result: dict[str, Any] = {
            "key_devices_revoked": revoked,
            "totp_removed": removed,
            "card_deactivated": deactivated,
        }
        await audit_log.record(
            uow,
            AuditEvent.SUPPORT_FACTORS_RESET,
            at=ctx.clock.now(),
            user_id=user.id,
            username=user.username,
            actor=actor,
            **result,
        )
        await key_devices.factors_changed(ctx, uow, user, AuditEvent.SUPPORT_FACTORS_RESET.value)
        await uow.commit()
    return result


async def revoke_device(ctx: ServiceContext, username: str, device_id: str, *, actor: str) -> None:
    """Revoke one device reported lost; the TOTP seed it held is withdrawn too."""
    async with ctx.uow() as uow:
        user = await _target(uow, username)
        await key_devices.revoke(ctx, uow, user, device_id, actor=actor, lost=True)
        await uow.commit()


async def temporary_password(ctx: ServiceContext, username: str, *, actor: str) -> dict[str, Any]:
    """A generated password that must be changed at the next sign-in; every session ends."""
    async with ctx.uow() as uow:
        user = await _target(uow, username)
    password = generate_password(tokens=ctx.tokens)
    ended = await users.set_password(ctx, user.username, password, actor=actor, temporary=True)
    async with ctx.uow() as uow:
        await audit_log.record_action(
            uow,
            AuditEvent.SUPPORT_TEMPORARY_PASSWORD,
            user,
            at=ctx.clock.now(),
            actor=actor,
        )
        await uow.commit()
    return {"temporary_password": password, "sessions_ended": ended, "must_change": True}


async def reenrollment_code(ctx: ServiceContext, username: str, *, actor: str) -> dict[str, Any]:
    """A single-use code (24 h) the user enters in the Key app in place of an activation code."""
    async with ctx.uow() as uow:
        user = await _target(uow, username)
    return await key_devices.issue_reenrollment(ctx, user.username, actor=actor)


async def identity_check(
    ctx: ServiceContext, username: str, answers: object, *, actor: str
) -> dict[str, Any]:
    """Check the answers the caller gives over the phone; a failure counts like recovery's."""
    given = check_answers(answers)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await _target(uow, username)
        assert user.id is not None
        stored = await uow.recovery.answers(user.id)
        if not stored:
            raise QuestionsNotSet()
        key = throttle_key(user.id, user.username)
        await throttling.check(
            uow,
            account=key,
            address=actor,
            now=now,
            account_policy=ctx.account_throttle,
            address_policy=ctx.address_throttle,
        )
    matched = await credentials.count_matching(ctx, stored, given)
    verified = matched == len(stored)
    async with ctx.uow() as uow:
        if not verified:
            await throttling.record_failure(
                uow,
                account=key,
                address=actor,
                now=now,
                account_policy=ctx.account_throttle,
                address_policy=ctx.address_throttle,
            )
        await audit_log.record_action(
            uow,
            AuditEvent.SUPPORT_IDENTITY_CHECK,
            user,
            at=now,
            actor=actor,
            matched=matched,
            verified=verified,
        )
        await uow.commit()
    return {"verified": verified, "matched": matched, "of": len(stored)}
