"""TOTP (RFC 6238) as a sign-in factor: any authenticator app, each code used once."""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import CodeReused, FactorUnavailable, InvalidCode, InvalidInput
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.factors.base import Availability, Challenge
from gatehouse.service.identity.ports import FactorFacts
from gatehouse.service.ports import UnitOfWork


def seal_context(user: User) -> str:
    return f"totp:{user.id}"


REFUSED_STEPS = "totp_refused_steps"  # future steps whose codes were shown early


def _refused_steps(user: User) -> list[int]:
    found = user.extra.get(REFUSED_STEPS)
    return [int(s) for s in found] if isinstance(found, list) else []


class TotpFactor:
    factor = Factor.TOTP
    needs_challenge = False

    async def availability(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, facts: FactorFacts | None = None
    ) -> Availability:
        return Availability(user.has_totp)

    async def challenge(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, attempt: LoginAttempt
    ) -> Challenge:
        raise InvalidInput("An authenticator code needs no challenge: verify it directly.")

    async def verify(
        self,
        ctx: ServiceContext,
        uow: UnitOfWork,
        user: User,
        attempt: LoginAttempt,
        code: str | list[str],
    ) -> dict[str, Any]:
        if user.totp_secret_sealed is None:
            raise FactorUnavailable()
        if not isinstance(code, str):
            raise InvalidInput("The code must be a string of 6 digits.", field="code")
        secret = ctx.sealer.open(user.totp_secret_sealed, context=seal_context(user))
        now = ctx.clock.now()
        try:
            match = totp.verify(secret, code, at=now, last_used_step=user.totp_last_step)
        except InvalidCode as error:
            offset = totp.estimate_clock_offset(
                secret, code, at=now, search_steps=totp.DRIFT_HINT_STEPS
            )
            if offset is None:
                raise
            if offset > 0:
                # The hint reveals that this code becomes valid later: that one code (its
                # step) is refused for good. Nothing else is used up: the current code works.
                step = totp.time_step(now) + offset // totp.STEP_SECONDS
                refused = [s for s in _refused_steps(user) if s > totp.time_step(now) - 2]
                user.extra = {**user.extra, REFUSED_STEPS: [*refused, step][-16:]}
            message = "That code is not valid now. " + totp.clock_drift_message(offset)
            raise InvalidCode(message, clock_offset_seconds=offset) from error
        if match.step in _refused_steps(user):
            raise CodeReused()
        user.totp_last_step = match.step
        return {"drift_steps": match.drift_steps}
