"""Recovery by security questions — never on their own: all three answers and a TOTP or SMS code.

An unknown name (or an account without questions, or locked by support) gets believable decoy
questions and the same answers, and can never pass; every failure looks the same. Passing
gives the same single-use reset token as the email link (``recovery.reset_password``).
See docs/recovery.md and ADR 0005.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import GatehouseError, InvalidInput, RecoveryFailed, RecoveryNotFound
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import sms, totp
from gatehouse.domain.identity.recovery import (
    QUESTION_COUNT,
    Channel,
    RecoveryAttempt,
    check_answers,
    decoy_questions,
    new_reset_token,
    question_view,
    throttle_key,
)
from gatehouse.domain.identity.users import User, normalize_username
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, credentials, throttling
from gatehouse.service.identity.factors.totp import seal_context
from gatehouse.service.identity.recovery import Answer, rate_limit
from gatehouse.service.ports import UnitOfWork

RECOVERY_FACTORS = ["totp", "sms"]


async def start(ctx: ServiceContext, *, username: object, address: str) -> dict[str, Any]:
    """Show the account's three questions — or believable ones when there is no such account."""
    await rate_limit(ctx, "recovery-questions", address)
    name = normalize_username(username) if isinstance(username, str) else ""
    if not 1 <= len(name) <= 64:
        raise InvalidInput("username is required.", field="username")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        # one narrow query and the same work whether or not the name exists: no timing tells
        user_id, locked, chosen = await uow.recovery.questions_of(name)
        decoys = decoy_questions(name, key=ctx.code_key)
        # a locked account, or one without questions, is treated as unknown: it cannot pass
        real = user_id is not None and not locked and len(chosen) == QUESTION_COUNT
        ids = chosen if real else decoys
        attempt = RecoveryAttempt(
            public_id=ctx.new_public_id(),
            username=name,
            question_ids=ids,
            created_at=now,
            expires_at=now + timedelta(seconds=ctx.recovery.questions_ttl_seconds),
            user_id=user_id if real else None,
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
    await rate_limit(ctx, "recovery-sms", address)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        attempt = await _open(uow, recovery_id, now)
        # looked up either way (id 0 is nobody): the same work for a decoy attempt
        user = await uow.users.get(attempt.user_id if attempt.user_id is not None else 0)
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


async def verify(
    ctx: ServiceContext,
    recovery_id: str,
    *,
    answers: object,
    factor: object,
    code: object,
    address: str,
) -> dict[str, Any]:
    """All three answers and a TOTP or SMS code: then, and only then, a reset token."""
    await rate_limit(ctx, "recovery-verify", address)
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
        # looked up either way (id 0 is nobody): the same work for a decoy attempt
        stored = await uow.recovery.answers(attempt.user_id or 0)
    # Argon2 outside the transaction; with no stored answers it costs the same (dummy hash)
    answers_ok = await credentials.count_matching(ctx, stored, given) == len(given)
    async with ctx.uow() as uow:
        attempt = await _open(uow, recovery_id, now)
        # looked up either way (id 0 is nobody): the same work for a decoy attempt
        user = await uow.users.get(attempt.user_id if attempt.user_id is not None else 0)
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
        # audited either way (a decoy under the name typed, as a sign-in with an unknown name
        # is): the same statements whether or not the account exists
        await audit_log.record(
            uow,
            AuditEvent.RECOVERY_QUESTIONS_FAILED,
            at=now,
            user_id=user.id if user is not None else None,
            username=user.username if user is not None else attempt.username,
            client_address=address,
            factor=str(factor),
            answers_ok=answers_ok,
            code_ok=code_ok,
        )
        await uow.commit()
    raise RecoveryFailed()
