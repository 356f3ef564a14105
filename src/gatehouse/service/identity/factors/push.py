"""Push approval as a sign-in factor: the enrolled Key device approves, with number matching.

``challenge`` stores a fresh ``PushChallenge`` and rings the user's devices; the sign-in screen
shows the number. There is no code to ``verify``: the device's signed decision
(``service/push_approval.decide``) ends the sign-in, and the waiting long poll
(``signin.status``) hands out the session.
"""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import FactorUnavailable, InvalidInput, ResendLimit
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.factors.base import Availability, Challenge
from gatehouse.service.identity.ports import FactorFacts
from gatehouse.service.ports import UnitOfWork

NOT_A_CODE = (
    "A push request is answered on your Key device: wait for it with "
    "GET /v1/api/auth/login/{login_id}?wait=25."
)


class PushFactor:
    factor = Factor.PUSH
    needs_challenge = True

    async def availability(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, facts: FactorFacts | None = None
    ) -> Availability:
        assert user.id is not None
        if facts is not None:
            return Availability(facts.key_device)
        return Availability(bool(await uow.key.devices_for(user.id)))

    async def challenge(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, attempt: LoginAttempt
    ) -> Challenge:
        assert user.id is not None
        devices = await uow.key.devices_for(user.id)
        if not devices:
            raise FactorUnavailable()
        previous = attempt.challenge if attempt.challenge_factor == Factor.PUSH.value else {}
        pushes = int(str(previous.get("pushes", 0)))
        if pushes >= push.MAX_PUSHES_PER_SIGNIN:
            raise ResendLimit(
                "No more push requests can be sent for this sign-in; use another factor."
            )
        now = ctx.clock.now()
        # a new request replaces the old one: only the latest number can be approved
        await uow.key.supersede_challenges(attempt.public_id, now)
        challenge = push.new_challenge(
            tokens=ctx.tokens,
            now=now,
            login_id=attempt.public_id,
            user_id=user.id,
            platform=attempt.platform,
            environment=attempt.environment,
            client_address=attempt.client_address,
            ttl_seconds=ctx.key.push_ttl_seconds,
        )
        await uow.key.add_challenge(challenge)
        attempt.open_challenge(
            Factor.PUSH,
            {
                "nonce": challenge.nonce,
                "pushes": pushes + 1,
                "expires_at": challenge.expires_at.isoformat(),
            },
            challenge.expires_at,
        )
        request = challenge.device_view(user.username)
        device_ids = [device.public_id for device in devices]

        async def deliver() -> None:
            if ctx.push is not None:
                await ctx.push.deliver(device_ids, request)

        return Challenge(
            {
                "number": challenge.number,
                "expires_in": ctx.key.push_ttl_seconds,
                "devices": len(devices),
                "pushes_left": push.MAX_PUSHES_PER_SIGNIN - pushes - 1,
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
        raise InvalidInput(NOT_A_CODE, field="factor")
