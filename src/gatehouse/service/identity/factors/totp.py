"""TOTP (RFC 6238) as a sign-in factor: any authenticator app, each code used once."""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import FactorUnavailable, InvalidCode, InvalidInput
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.factors.base import Availability, Challenge
from gatehouse.service.ports import UnitOfWork


def seal_context(user: User) -> str:
    return f"totp:{user.id}"


class TotpFactor:
    factor = Factor.TOTP
    needs_challenge = False

    async def availability(self, ctx: ServiceContext, uow: UnitOfWork, user: User) -> Availability:
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
                # The hint reveals that this code becomes valid later: burn its step so it
                # never does (a guesser learns nothing usable; the user fixes the clock).
                step = totp.time_step(now) + offset // totp.STEP_SECONDS
                user.totp_last_step = max(user.totp_last_step or 0, step)
            message = "That code is not valid now. " + totp.clock_drift_message(offset)
            raise InvalidCode(message, clock_offset_seconds=offset) from error
        user.totp_last_step = match.step
        return {"drift_steps": match.drift_steps}
