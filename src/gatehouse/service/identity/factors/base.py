"""The contract every second factor implements; the sign-in flow knows only this."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from gatehouse.domain.identity.login_flow import Factor, LoginAttempt
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.ports import FactorFacts
from gatehouse.service.ports import UnitOfWork


@dataclass(frozen=True)
class Availability:
    available: bool
    # Set when the factor is enrolled but cannot be offered now: a stable code the client
    # can explain, e.g. "card_spent". Unavailable without a notice means not enrolled.
    notice: str | None = None


@dataclass
class Challenge:
    """What the client is shown, and a delivery to run once the transaction has committed."""

    payload: dict[str, Any]
    deliver: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)


class SecondFactor(Protocol):
    factor: Factor
    needs_challenge: bool

    async def availability(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, facts: FactorFacts | None = None
    ) -> Availability:
        """Whether the factor can be used now; ``facts``, when the caller has read them for
        every factor at once, spare the factor its own query."""
        ...

    async def challenge(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, attempt: LoginAttempt
    ) -> Challenge: ...

    async def verify(
        self,
        ctx: ServiceContext,
        uow: UnitOfWork,
        user: User,
        attempt: LoginAttempt,
        code: str | list[str],
    ) -> dict[str, Any]:
        """Raise a typed error on a wrong code; return extra facts for the audit log."""
        ...
