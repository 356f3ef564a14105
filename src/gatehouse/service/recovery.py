"""Account recovery: a reset link by email, or security answers plus a second factor.

Both paths end the same way — a single-use reset token (30 minutes) that sets a new password
under the policy, ends every session and lifts lockouts. Neither path tells the caller
whether the account exists: the answers, and the work done before answering, are the same.
Emails and SMS are sent after the response (the router runs ``deliver`` in the background).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gatehouse.domain.audit import AuditEvent
from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import (
    GatehouseError,
    InvalidInput,
    InvalidRecoveryToken,
    RateLimited,
    RecoveryFailed,
    RecoveryNotFound,
)
from gatehouse.domain.factors import sms, totp
from gatehouse.domain.identity import User, check_email, normalize_username
from gatehouse.domain.passwords import check_password
from gatehouse.domain.recovery import (
    QUESTION_COUNT,
    Channel,
    RecoveryAttempt,
    check_answers,
    check_token_format,
    decoy_questions,
    new_reset_token,
    question_view,
    throttle_key,
    token_digest,
)
from gatehouse.service import audit_log, credentials, throttling, users
from gatehouse.service.context import ServiceContext
from gatehouse.service.factors.totp import seal_context
from gatehouse.service.ports import UnitOfWork

log = logging.getLogger(__name__)

Delivery = Callable[[], Awaitable[None]]
SAME_ANSWER = {
    "status": "accepted",
    "message": "If an account matches, a reset link is on its way to its email address. "
    "The link works once, for 30 minutes.",
}
RECOVERY_FACTORS = ["totp", "sms"]


@dataclass(frozen=True)
class Answer:
    """What to return now, and what to send once the response has gone out."""

    body: dict[str, Any]
    deliver: Delivery | None = None


async def _rate_limit(ctx: ServiceContext, endpoint: str, address: str) -> None:
    wait = await ctx.limiter.hit(ctx.recovery.rate_limit, endpoint, address or "unknown")
    if wait:
        raise RateLimited(retry_after=wait)


def reset_link(ctx: ServiceContext, token: str) -> str:
    return f"{ctx.recovery.public_base_url.rstrip('/')}/recover?token={token}"


# --- by email ---------------------------------------------------------------------------
async def request_email(
    ctx: ServiceContext, *, username: object, email: object, address: str
) -> Answer:
    """Email a reset link to the account named by username or email, if there is one."""
    await _rate_limit(ctx, "recovery-email", address)
    if isinstance(username, str) == isinstance(email, str):
        raise InvalidInput("Give either username or email.", field="username")
    name = normalize_username(username) if isinstance(username, str) else ""
    mail = check_email(email) if isinstance(email, str) else ""
    if isinstance(username, str) and not 1 <= len(name) <= 64:
        raise InvalidInput("That is not a valid username.", field="username")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await (uow.users.by_username(name) if name else uow.users.by_email(mail))
        if user is None or user.id is None:
            return Answer(SAME_ANSWER)
        recent = await uow.recovery.tokens_since(user.id, now - timedelta(hours=1))
        if recent >= ctx.recovery.emails_per_hour:  # no mail bombing through this form
            return Answer(SAME_ANSWER)
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
    return Answer(SAME_ANSWER, _email(ctx, user, reset_link(ctx, token)))


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
    await _rate_limit(ctx, "recovery-reset", address)
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


# --- security questions plus a second factor ----------------------------------------------
async def start_questions(ctx: ServiceContext, *, username: object, address: str) -> dict[str, Any]:
    """Show the account's three questions — or believable ones when there is no such account."""
    await _rate_limit(ctx, "recovery-questions", address)
    name = normalize_username(username) if isinstance(username, str) else ""
    if not 1 <= len(name) <= 64:
        raise InvalidInput("username is required.", field="username")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await uow.users.by_username(name)
        stored = await uow.recovery.answers(user.id) if user and user.id else []
        # a locked account, or one without questions, is treated as unknown: it cannot pass
        real = user is not None and not user.admin_locked and len(stored) == QUESTION_COUNT
        ids = [a.question_id for a in stored] if real else decoy_questions(name, key=ctx.code_key)
        attempt = RecoveryAttempt(
            public_id=ctx.new_public_id(),
            username=name,
            question_ids=ids,
            created_at=now,
            expires_at=now + timedelta(seconds=ctx.recovery.questions_ttl_seconds),
            user_id=user.id if real and user else None,
        )
        await uow.recovery.add_attempt(attempt)
        await uow.commit()
    return {
        "recovery_id": attempt.public_id,
        "questions": question_view(ids),
        "factors": RECOVERY_FACTORS,
        "expires_in": ctx.recovery.questions_ttl_seconds,
    }


async def _open(uow: UnitOfWork, recovery_id: str, now: datetime) -> RecoveryAttempt:
    attempt = await uow.recovery.attempt(recovery_id) if len(recovery_id) <= 64 else None
    if attempt is None:
        raise RecoveryNotFound()
    attempt.ensure_open(now)
    return attempt


def _sms_context(attempt: RecoveryAttempt) -> str:
    return f"recovery:{attempt.public_id}"


def _stored_sms(attempt: RecoveryAttempt) -> sms.SmsChallenge | None:
    data = attempt.sms
    if not data:
        return None
    return sms.SmsChallenge(
        code_hash=str(data["code_hash"]),
        expires_at=as_utc(datetime.fromisoformat(str(data["expires_at"]))),
        sends=int(str(data["sends"])),
        attempts=int(str(data["attempts"])),
    )


def _keep_sms(attempt: RecoveryAttempt, challenge: sms.SmsChallenge) -> None:
    attempt.sms = {
        "code_hash": challenge.code_hash,
        "expires_at": challenge.expires_at.isoformat(),
        "sends": challenge.sends,
        "attempts": challenge.attempts,
    }


async def send_sms(ctx: ServiceContext, recovery_id: str, *, address: str) -> Answer:
    """Text a code to the account's phone, if it has one; the answer is the same either way."""
    await _rate_limit(ctx, "recovery-sms", address)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        attempt = await _open(uow, recovery_id, now)
        user = await uow.users.get(attempt.user_id) if attempt.user_id is not None else None
        code, challenge = sms.issue(
            tokens=ctx.tokens,
            now=now,
            key=ctx.code_key,
            context=_sms_context(attempt),
            previous=_stored_sms(attempt),
            ttl_seconds=ctx.signin.sms_ttl_seconds,
            max_sends=ctx.signin.sms_max_sends,
        )
        _keep_sms(attempt, challenge)
        await uow.recovery.save_attempt(attempt)
        await uow.commit()
    body = {"sent": True, "expires_in": ctx.signin.sms_ttl_seconds}
    phone = user.phone if user is not None else None
    if not phone:
        return Answer(body)
    text = f"Gatehouse account recovery code: {code}. Never share it; support never asks."

    async def deliver() -> None:
        await ctx.sms.send(phone, text)

    return Answer(body, deliver)


def _check_code(
    ctx: ServiceContext, user: User, attempt: RecoveryAttempt, factor: str, code: str
) -> bool:
    """Whether the second-factor code is right; a right TOTP code is used up either way."""
    now = ctx.clock.now()
    try:
        if factor == "totp":
            if user.totp_secret_sealed is None:
                return False
            secret = ctx.sealer.open(user.totp_secret_sealed, context=seal_context(user))
            match = totp.verify(secret, code, at=now, last_used_step=user.totp_last_step)
            user.totp_last_step = match.step
            return True
        stored = _stored_sms(attempt)
        if stored is None:
            return False
        try:
            sms.verify(stored, code, now=now, key=ctx.code_key, context=_sms_context(attempt))
        except GatehouseError:
            _keep_sms(attempt, sms.with_failed_attempt(stored))
            raise
        attempt.sms = {}
        return True
    except GatehouseError:
        return False


async def verify_questions(
    ctx: ServiceContext,
    recovery_id: str,
    *,
    answers: object,
    factor: object,
    code: object,
    address: str,
) -> dict[str, Any]:
    """All three answers and a TOTP or SMS code: then, and only then, a reset token."""
    await _rate_limit(ctx, "recovery-verify", address)
    given = check_answers(answers)
    if factor not in RECOVERY_FACTORS:
        raise InvalidInput("factor must be totp or sms.", field="factor")
    if not isinstance(code, str) or not 1 <= len(code) <= 16:
        raise InvalidInput("code is required.", field="code")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        attempt = await _open(uow, recovery_id, now)
        key = throttle_key(attempt.user_id, attempt.username)
        await throttling.check(
            uow,
            account=key,
            address=address,
            now=now,
            account_policy=ctx.account_throttle,
            address_policy=ctx.address_throttle,
        )
        stored = await uow.recovery.answers(attempt.user_id) if attempt.user_id else []
    # Argon2 outside the transaction; with no stored answers it costs the same (dummy hash)
    answers_ok = await credentials.count_matching(ctx, stored, given) == len(given)
    async with ctx.uow() as uow:
        attempt = await _open(uow, recovery_id, now)
        user = await uow.users.get(attempt.user_id) if attempt.user_id is not None else None
        code_ok = user is not None and _check_code(ctx, user, attempt, str(factor), code)
        if user is not None and user.id is not None and answers_ok and code_ok:
            attempt.finished = True
            await uow.recovery.save_attempt(attempt)
            token, stored_token = new_reset_token(
                tokens=ctx.tokens,
                key=ctx.code_key,
                user_id=user.id,
                channel=Channel.QUESTIONS,
                now=now,
                ttl=ctx.recovery.token_ttl_seconds,
            )
            await uow.recovery.add_token(stored_token)
            await throttling.clear(uow, key)
            await audit_log.record(
                uow,
                AuditEvent.RECOVERY_QUESTIONS_PASSED,
                at=now,
                user_id=user.id,
                username=user.username,
                client_address=address,
                factor=str(factor),
            )
            await uow.commit()
            return {"reset_token": token, "expires_in": ctx.recovery.token_ttl_seconds}
        attempt.record_failure()
        await uow.recovery.save_attempt(attempt)
        await throttling.record_failure(
            uow,
            account=key,
            address=address,
            now=now,
            account_policy=ctx.account_throttle,
            address_policy=ctx.address_throttle,
        )
        if user is not None:
            await audit_log.record(
                uow,
                AuditEvent.RECOVERY_QUESTIONS_FAILED,
                at=now,
                user_id=user.id,
                username=user.username,
                client_address=address,
                factor=str(factor),
                answers_ok=answers_ok,
                code_ok=code_ok,
            )
        await uow.commit()
    raise RecoveryFailed()
