"""SMS codes as a sign-in factor: six digits, five minutes, a limited number of resends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import ChallengeRequired, FactorUnavailable, InvalidInput
from gatehouse.domain.identity.factors import sms
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.factors.base import Availability, Challenge
from gatehouse.service.identity.ports import FactorFacts
from gatehouse.service.ports import UnitOfWork


def _stored(attempt: LoginAttempt) -> sms.SmsChallenge | None:
    data = attempt.challenge if attempt.challenge_factor == Factor.SMS.value else {}
    if not data:
        return None
    return sms.SmsChallenge(
        code_hash=str(data["code_hash"]),
        expires_at=as_utc(datetime.fromisoformat(str(data["expires_at"]))),
        sends=int(str(data["sends"])),
        attempts=int(str(data["attempts"])),
    )


def _store(attempt: LoginAttempt, challenge: sms.SmsChallenge) -> None:
    attempt.open_challenge(
        Factor.SMS,
        {
            "code_hash": challenge.code_hash,
            "expires_at": challenge.expires_at.isoformat(),
            "sends": challenge.sends,
            "attempts": challenge.attempts,
        },
        challenge.expires_at,
    )


class SmsFactor:
    factor = Factor.SMS
    needs_challenge = True

    async def availability(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, facts: FactorFacts | None = None
    ) -> Availability:
        return Availability(bool(user.phone))

    async def challenge(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, attempt: LoginAttempt
    ) -> Challenge:
        if not user.phone:
            raise FactorUnavailable()
        code, challenge = sms.issue(
            tokens=ctx.tokens,
            now=ctx.clock.now(),
            key=ctx.code_key,
            context=attempt.public_id,
            previous=_stored(attempt),
            ttl_seconds=ctx.signin.sms_ttl_seconds,
            max_sends=ctx.signin.sms_max_sends,
        )
        _store(attempt, challenge)
        phone = user.phone
        text = f"Gatehouse sign-in code: {code}. It expires in 5 minutes. Never share it."

        async def deliver() -> None:
            await ctx.sms.send(phone, text)

        return Challenge(
            {
                "sent_to": sms.mask_phone(phone),
                "expires_in": ctx.signin.sms_ttl_seconds,
                "sends_left": max(0, ctx.signin.sms_max_sends - challenge.sends),
            },
            deliver,
        )

    async def verify(
        self,
        ctx: ServiceContext,
        uow: UnitOfWork,
        user: User,
        attempt: LoginAttempt,
        code: str | list[str],
    ) -> dict[str, Any]:
        stored = _stored(attempt)
        if stored is None:
            raise ChallengeRequired("Ask for an SMS code first.")
        if not isinstance(code, str):
            raise InvalidInput("The code must be a string of 6 digits.", field="code")
        try:
            sms.verify(
                stored, code, now=ctx.clock.now(), key=ctx.code_key, context=attempt.public_id
            )
        except Exception:
            _store(attempt, sms.with_failed_attempt(stored))
            raise
        attempt.challenge = {}
        attempt.challenge_factor = None
        return {}
