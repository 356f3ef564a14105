"""Managing users: create (with paper credentials), lock, unlock, passwords, TOTP, code cards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gatehouse.domain.errors import AlreadyExists, InvalidInput, NotFound
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import card, sms, totp
from gatehouse.domain.identity.passwords import check_password, generate_password
from gatehouse.domain.identity.sessions import EndReason
from gatehouse.domain.identity.throttle import account_key
from gatehouse.domain.identity.users import (
    MAX_LOGIN_NAME,
    Role,
    User,
    check_email,
    check_username,
    new_account_ids,
    normalize_username,
)
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, sessions, throttling
from gatehouse.service.identity.factors.totp import seal_context
from gatehouse.service.ports import UnitOfWork


@dataclass(frozen=True)
class NewUser:
    """A created user, with the paper password: shown once, never stored in clear."""

    user: User
    paper_password: str


def paper_username_for(username: str) -> str:
    return f"{username}paper"[:MAX_LOGIN_NAME]


async def create(
    ctx: ServiceContext,
    *,
    username: str,
    password: str,
    email: str,
    phone: str | None = None,
    role: Role = Role.USER,
    actor: str = "cli",
) -> NewUser:
    name = check_username(username)
    mail = check_email(email)
    number = sms.normalize_phone(phone) if phone else None
    check_password(password, policy=ctx.password_policy, username=name, email=mail)
    paper_password = generate_password(tokens=ctx.tokens)
    password_hash = await ctx.hasher.hash(password)
    paper_hash = await ctx.hasher.hash(paper_password)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        if await uow.users.by_login_name(name) or await uow.users.by_login_name(
            paper_username_for(name)
        ):
            raise AlreadyExists("That username is taken.", field="username")
        live_id, paper_id = new_account_ids(ctx.tokens)
        while await uow.users.account_id_taken(live_id):
            live_id, paper_id = new_account_ids(ctx.tokens)
        user = User(
            username=name,
            email=mail,
            phone=number,
            password_hash=password_hash,
            paper_username=paper_username_for(name),
            paper_password_hash=paper_hash,
            live_account_id=live_id,
            paper_account_id=paper_id,
            created_at=now,
            role=role.value,
        )
        await uow.users.add(user)
        await audit_log.record(
            uow, AuditEvent.USER_CREATED, at=now, user_id=user.id, username=name, actor=actor
        )
        await uow.commit()
    return NewUser(user, paper_password)


async def _require(uow: UnitOfWork, username: str) -> User:
    user = await uow.users.by_login_name(normalize_username(username))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


async def get(ctx: ServiceContext, username: str) -> User:
    async with ctx.uow() as uow:
        return await _require(uow, username)


async def list_users(ctx: ServiceContext) -> list[User]:
    async with ctx.uow() as uow:
        return list(await uow.users.list())


async def describe(ctx: ServiceContext, username: str) -> dict[str, Any]:
    """What support and the CLI show about a user (no secrets)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await _require(uow, username)
        assert user.id is not None
        card_id = await uow.cards.active_card(user.id)
        unused = len(await uow.cards.unused_labels(card_id)) if card_id else 0
        throttle = await uow.throttles.peek(account_key(user.id))
        verdict = throttle.verdict(now, ctx.account_throttle) if throttle else None
        active = await uow.sessions.active_for_user(user.id, now)
        return {
            "username": user.username,
            "paper_username": user.paper_username,
            "email": user.email,
            "phone": user.phone,
            "role": user.role,
            "live_account": user.live_account_id,
            "paper_account": user.paper_account_id,
            "created_at": user.created_at.isoformat(),
            "totp": user.has_totp,
            "code_card": {"id": card_id, "unused_cells": unused} if card_id else None,
            "admin_locked": user.admin_locked,
            "failures": throttle.failures if throttle else 0,
            "locked_for_seconds": verdict.wait if verdict and verdict.locked else 0,
            "hard_locked": bool(verdict and verdict.permanent),  # until unlock or reset
            "must_change_password": user.must_change_password,
            "active_sessions": len(active),
        }


async def set_locked(ctx: ServiceContext, username: str, locked: bool, *, actor: str) -> None:
    """Lock an account by hand, or lift any lock (manual or from failed attempts)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await _require(uow, username)
        assert user.id is not None
        user.admin_locked = locked
        if locked:
            await sessions.end_all(ctx, user.id, reason=EndReason.SUPPORT, actor=actor, uow=uow)
        else:
            await throttling.clear(uow, account_key(user.id))
        event = AuditEvent.ACCOUNT_LOCKED if locked else AuditEvent.ACCOUNT_UNLOCKED
        await audit_log.record(
            uow, event, at=now, user_id=user.id, username=user.username, actor=actor
        )
        await uow.commit()


async def set_password(
    ctx: ServiceContext,
    username: str,
    password: str,
    *,
    actor: str,
    temporary: bool = False,
    paper: bool = False,
) -> int:
    """Replace the live (or, with ``paper``, the paper) password; every session of the user
    ends. Returns how many ended."""
    if paper and temporary:
        raise InvalidInput("A paper password cannot be temporary.", field="temporary")
    async with ctx.uow() as uow:
        user = await _require(uow, username)
    login_name = user.paper_username if paper else user.username
    check_password(password, policy=ctx.password_policy, username=login_name, email=user.email)
    fresh = await ctx.hasher.hash(password)
    async with ctx.uow() as uow:
        user = await _require(uow, username)
        if paper:
            ended = await _apply_paper_password(ctx, uow, user, fresh, actor=actor)
        else:
            ended = await apply_password(ctx, uow, user, fresh, actor=actor, temporary=temporary)
        await uow.commit()
        return ended


async def _apply_paper_password(
    ctx: ServiceContext, uow: UnitOfWork, user: User, password_hash: str, *, actor: str
) -> int:
    assert user.id is not None
    user.paper_password_hash = password_hash
    ended = await sessions.end_all(
        ctx, user.id, reason=EndReason.PASSWORD_CHANGED, actor=actor, uow=uow
    )
    await audit_log.record(
        uow,
        AuditEvent.PASSWORD_CHANGED,
        at=ctx.clock.now(),
        user_id=user.id,
        username=user.username,
        environment="paper",
        actor=actor,
    )
    return ended


async def apply_password(
    ctx: ServiceContext,
    uow: UnitOfWork,
    user: User,
    password_hash: str,
    *,
    actor: str,
    temporary: bool = False,
    keep_session: str | None = None,
    **detail: Any,
) -> int:
    """Store a new live password hash in the caller's transaction: lift any lockout, end
    every session (but ``keep_session``), audit, and tell the user's other sessions."""
    assert user.id is not None
    now = ctx.clock.now()
    user.password_hash = password_hash
    user.must_change_password = temporary
    await throttling.clear(uow, account_key(user.id))
    ended = await sessions.end_all(
        ctx, user.id, reason=EndReason.PASSWORD_CHANGED, keep=keep_session, actor=actor, uow=uow
    )
    await audit_log.record(
        uow,
        AuditEvent.PASSWORD_CHANGED,
        at=now,
        user_id=user.id,
        username=user.username,
        actor=actor,
        temporary=temporary,
        **detail,
    )
    # "user." events evict cached principals, so the must-change flag is seen at once
    await uow.events.append(
        user_id=user.id,
        type="user.password_changed",
        account=user.live_account_id,
        data={"temporary": temporary},
        at=now,
    )
    return ended


async def enroll_totp(ctx: ServiceContext, username: str, *, actor: str) -> str:
    """Give the user a new TOTP secret (sealed at rest); returns its ``otpauth://`` URI."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await _require(uow, username)
        secret = totp.new_secret(ctx.tokens)
        user.totp_secret_sealed = ctx.sealer.seal(secret, context=seal_context(user))
        user.totp_last_step = None
        await audit_log.record(
            uow,
            AuditEvent.TOTP_ENROLLED,
            at=now,
            user_id=user.id,
            username=user.username,
            actor=actor,
        )
        await uow.commit()
    return totp.provisioning_uri(secret, account_name=user.username, issuer=ctx.signin.issuer)


@dataclass(frozen=True)
class IssuedCard:
    card_id: str
    cells: dict[str, str]
    user: User


async def issue_card(ctx: ServiceContext, username: str, *, actor: str) -> IssuedCard:
    """A new code card replaces the old one; the cells are returned once, stored hashed."""
    now = ctx.clock.now()
    cells = card.issue_card(tokens=ctx.tokens)
    card_id = ctx.tokens.token_bytes(6).hex().upper()
    hashes = {
        label: card.hash_cell(value, key=ctx.code_key, card_id=card_id, label=label)
        for label, value in cells.items()
    }
    async with ctx.uow() as uow:
        user = await _require(uow, username)
        assert user.id is not None
        await uow.cards.deactivate_all(user.id)
        await uow.cards.add_card(
            card_id=card_id, user_id=user.id, issued_at=now, cell_hashes=hashes
        )
        await audit_log.record(
            uow,
            AuditEvent.CARD_ISSUED,
            at=now,
            user_id=user.id,
            username=user.username,
            actor=actor,
            card_id=card_id,
        )
        await uow.commit()
    return IssuedCard(card_id, cells, user)


async def recent_activity(
    ctx: ServiceContext, user_id: int, *, limit: int = 50
) -> list[dict[str, Any]]:
    if not 1 <= limit <= 500:
        raise InvalidInput("The limit must be between 1 and 500.")
    async with ctx.uow() as uow:
        return [audit_log.activity_view(e) for e in await uow.audit.for_user(user_id, limit=limit)]
