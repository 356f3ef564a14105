"""TOTP (RFC 6238) as a sign-in factor: any authenticator app, each code used once."""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import FactorUnavailable, InvalidInput
from gatehouse.domain.factors import totp
from gatehouse.domain.identity import User
from gatehouse.domain.login_flow import Factor, LoginAttempt
from gatehouse.service.context import ServiceContext
from gatehouse.service.factors.base import Availability, Challenge
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
            raise InvalidInput("code must be a string of 6 digits.", field="code")
        secret = ctx.sealer.open(user.totp_secret_sealed, context=seal_context(user))
        match = totp.verify(secret, code, at=ctx.clock.now(), last_used_step=user.totp_last_step)
        user.totp_last_step = match.step
        return {"drift_steps": match.drift_steps}
