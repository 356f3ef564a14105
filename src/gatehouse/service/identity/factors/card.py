"""The security code card as a sign-in factor: two never-asked cells per challenge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gatehouse.domain.errors import CardSpent, ChallengeRequired, FactorUnavailable
from gatehouse.domain.identity.factors import card
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt
from gatehouse.domain.identity.users import User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.factors.base import Availability, Challenge
from gatehouse.service.identity.ports import FactorFacts
from gatehouse.service.ports import UnitOfWork


class CardFactor:
    factor = Factor.CARD
    needs_challenge = True

    async def availability(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, facts: FactorFacts | None = None
    ) -> Availability:
        assert user.id is not None
        if facts is not None:
            card_id, unused = facts.card_id, facts.card_unused
        else:
            card_id = await uow.cards.active_card(user.id)
            unused = len(await uow.cards.unused_labels(card_id)) if card_id else 0
        if card_id is None:
            return Availability(False)
        if unused < card.CELLS_PER_CHALLENGE:
            return Availability(False, "card_spent")
        return Availability(True)

    async def challenge(
        self, ctx: ServiceContext, uow: UnitOfWork, user: User, attempt: LoginAttempt
    ) -> Challenge:
        assert user.id is not None
        card_id = await uow.cards.active_card(user.id)
        if card_id is None:
            raise FactorUnavailable()
        labels = card.pick_challenge(await uow.cards.unused_labels(card_id), tokens=ctx.tokens)
        now = ctx.clock.now()
        # asked once, answered or not: a cell is never shown to anyone a second time
        await uow.cards.mark_asked(card_id, labels, now)
        expires = now + timedelta(seconds=ctx.signin.card_challenge_seconds)
        attempt.open_challenge(Factor.CARD, {"card_id": card_id, "labels": labels}, expires)
        return Challenge({"cells": labels, "card_id": card_id})

    async def verify(
        self,
        ctx: ServiceContext,
        uow: UnitOfWork,
        user: User,
        attempt: LoginAttempt,
        code: str | list[str],
    ) -> dict[str, Any]:
        data = attempt.challenge if attempt.challenge_factor == Factor.CARD.value else {}
        if not data:
            raise ChallengeRequired("Ask for the card cells first.")
        card_id = str(data["card_id"])
        labels = [str(x) for x in data["labels"]]  # type: ignore[attr-defined]
        hashes = await uow.cards.hashes(card_id, labels)
        if len(hashes) != len(labels):
            raise CardSpent()
        attempt.challenge = {}
        attempt.challenge_factor = None
        card.verify_response(
            code,
            expected_hashes={k: hashes[k] for k in labels},
            key=ctx.code_key,
            card_id=card_id,
        )
        return {"cells": labels}
