"""Account recovery by email: a single-use reset link, and setting the password with a token.

Every recovery path ends here — a reset token (30 minutes, once) sets a new password under the
policy, ends every session and lifts lockouts (``recovery_questions`` issues tokens too). The
answer never tells whether the account exists; emails are sent after the response (the router
runs ``deliver`` in the background). See docs/recovery.md.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import InvalidInput, InvalidRecoveryToken, RateLimited
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.passwords import check_password
from gatehouse.domain.identity.recovery import (
    Channel,
    check_token_format,
    new_reset_token,
    token_digest,
)
from gatehouse.domain.identity.users import User, check_email, normalize_username
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, users

log = logging.getLogger(__name__)

Delivery = Callable[[], Awaitable[None]]
SAME_ANSWER = {
    "status": "accepted",
    "message": "If an account matches, a reset link is on its way to its email address. "
    "The link works once, for 30 minutes.",
}


@dataclass(frozen=True)
class Answer:
    """What to return now, and what to send once the response has gone out."""

    body: dict[str, Any]
    deliver: Delivery | None = None


async def rate_limit(ctx: ServiceContext, endpoint: str, address: str) -> None:
    wait = await ctx.limiter.hit(ctx.recovery.rate_limit, endpoint, address or "unknown")
    if wait:
        raise RateLimited(retry_after=wait)


def reset_link(ctx: ServiceContext, token: str) -> str:
    return f"{ctx.recovery.public_base_url.rstrip('/')}/recover?token={token}"


# --- by email ---------------------------------------------------------------------------
async def request_email(
    ctx: ServiceContext, *, username: object, email: object, address: str
) -> Answer:
    """Email a reset link to the account named by username or email, if there is one.

    Same answer, same work: the answer depends on nothing but the input's shape; looking the
    account up, writing the token and sending the mail all happen after it (``deliver``),
    so its timing cannot tell whether the account exists.
    """
    await rate_limit(ctx, "recovery-email", address)
    if isinstance(username, str) == isinstance(email, str):
        raise InvalidInput("Give either username or email.", field="username")
    name = normalize_username(username) if isinstance(username, str) else ""
    mail = check_email(email) if isinstance(email, str) else ""
    if isinstance(username, str) and not 1 <= len(name) <= 64:
        raise InvalidInput("That is not a valid username.", field="username")

    async def deliver() -> None:
        send = await _issue_link(ctx, name=name, mail=mail, address=address)
        if send is not None:
            await send()

    return Answer(SAME_ANSWER, deliver)


async def _issue_link(
    ctx: ServiceContext, *, name: str, mail: str, address: str
) -> Delivery | None:
    """After the answer: the reset token for the account, if any, and its email."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await (uow.users.by_username(name) if name else uow.users.by_email(mail))
        if user is None or user.id is None:
            return None
        await uow.users.lock(user.id)  # concurrent requests count one after another
        recent = await uow.recovery.tokens_since(user.id, now - timedelta(hours=1))
        if recent >= ctx.recovery.emails_per_hour:  # no mail bombing through this form
            return None
        token, stored = new_reset_token(
            tokens=ctx.tokens,
            key=ctx.code_key,
            user_id=user.id,
            channel=Channel.EMAIL,
            now=now,
            ttl=ctx.recovery.token_ttl_seconds,
        )
        await uow.recovery.add_token(stored)
        await audit_log.record(
            uow,
            AuditEvent.RECOVERY_EMAIL_SENT,
            at=now,
            user_id=user.id,
            username=user.username,
            client_address=address,
        )
        await uow.commit()
    return _email(ctx, user, reset_link(ctx, token))


def _email(ctx: ServiceContext, user: User, link: str) -> Delivery:
    minutes = ctx.recovery.token_ttl_seconds // 60
    text = (
        f"Hello {user.username},\n\n"
        "Someone (we hope you) asked to reset the password of your Gatehouse account.\n"
        f"Open this link to choose a new password. It works once, for {minutes} minutes:\n\n"
        f"{link}\n\n"
        "If you did not ask for this, ignore this email: your password stays as it is.\n"
        "Gatehouse will never ask you for your password or codes by email.\n"
    )

    async def deliver() -> None:
        if ctx.mailer is None:
            log.warning("no mailer configured: the recovery email to %s was not sent", user.email)
            return
        await ctx.mailer.send(to=user.email, subject="Reset your Gatehouse password", text=text)

    return deliver


# --- using a reset token ------------------------------------------------------------------
async def token_is_usable(ctx: ServiceContext, token: object) -> bool:
    """Whether a link still works (the page shows its form); uses nothing up."""
    try:
        digest = token_digest(check_token_format(token), key=ctx.code_key)
    except InvalidRecoveryToken:
        return False
    async with ctx.uow() as uow:
        found = await uow.recovery.token(digest)
    return (
        found is not None and found.used_at is None and ctx.clock.now() < as_utc(found.expires_at)
    )


async def reset_password(
    ctx: ServiceContext, *, token: object, password: object, address: str
) -> dict[str, Any]:
    """Set a new password with a reset token: once, before it expires, under the policy."""
    await rate_limit(ctx, "recovery-reset", address)
    digest = token_digest(check_token_format(token), key=ctx.code_key)
    if not isinstance(password, str) or not password or len(password) > 1024:
        raise InvalidInput("password is required.", field="password")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        found = await uow.recovery.token(digest)
        if found is None:
            raise InvalidRecoveryToken()
        found.ensure_usable(now)
        user = await uow.users.get(found.user_id)
        assert user is not None
    # a weak password is refused before the token is used: the link keeps working
    check_password(password, policy=ctx.password_policy, username=user.username, email=user.email)
    hashed = await ctx.hasher.hash(password)
    async with ctx.uow() as uow:
        if not await uow.recovery.use_token(digest, now):
            raise InvalidRecoveryToken()
        user = await uow.users.get(found.user_id)
        assert user is not None and user.id is not None
        await uow.recovery.retire_tokens(user.id, now)  # every other open link dies too
        ended = await users.apply_password(
            ctx, uow, user, hashed, actor="recovery", channel=found.channel
        )
        await audit_log.record(
            uow,
            AuditEvent.RECOVERY_PASSWORD_RESET,
            at=now,
            user_id=user.id,
            username=user.username,
            client_address=address,
            channel=found.channel,
        )
        await uow.commit()
    return {"status": "password_changed", "username": user.username, "sessions_ended": ended}
