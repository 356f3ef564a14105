"""Suppressing confirmation questions by message id (IBKR ``iserver/questions/suppress``)."""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading import questions as q
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading import account_events as ev

KNOWN_MESSAGE_IDS = q.IBKR_MESSAGE_IDS  # every id IBKR publishes; q.RAISED_MESSAGE_IDS are asked


def _checked(message_ids: Sequence[object]) -> list[str]:
    if not message_ids:
        raise InvalidInput("'messageIds' must list at least one message id.", field="messageIds")
    unknown = [m for m in message_ids if not isinstance(m, str) or m not in KNOWN_MESSAGE_IDS]
    if unknown:
        raise InvalidInput(
            f"Unknown message ids {unknown!r}; known: {', '.join(KNOWN_MESSAGE_IDS)}.",
            field="messageIds",
        )
    return sorted({str(m) for m in message_ids})


async def suppress(
    ctx: ServiceContext, principal: Principal, message_ids: Sequence[object]
) -> list[str]:
    """Stop asking these questions on this user's orders (every session, both environments)."""
    ids = _checked(message_ids)
    assert principal.user.id is not None
    async with ctx.uow() as uow:
        await uow.orders.suppress(principal.user.id, ids)
        await ev.record(
            uow,
            user_id=principal.user.id,
            type=ev.QUESTIONS_SUPPRESSED,
            account=principal.account_ids[0],
            data={"message_ids": list(ids)},
            at=ctx.clock.now(),
        )
        await uow.commit()
    return ids


async def reset(ctx: ServiceContext, principal: Principal) -> None:
    """Ask every question again."""
    assert principal.user.id is not None
    async with ctx.uow() as uow:
        await uow.orders.unsuppress_all(principal.user.id)
        await ev.record(
            uow,
            user_id=principal.user.id,
            type=ev.QUESTIONS_RESET,
            account=principal.account_ids[0],
            data={"message_ids": []},
            at=ctx.clock.now(),
        )
        await uow.commit()
