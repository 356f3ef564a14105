"""Watchlists per user, in IBKR's ``iserver/watchlist(s)`` shapes, synchronized by events.

Every change appends an account event in the same transaction — ``watchlist.created``,
``watchlist.updated`` (data: ``id``, ``name``, ``rows``) or ``watchlist.deleted`` (``id``)
— so the user's other sessions redraw their lists at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gatehouse.domain.errors import InvalidInput, LimitReached, WatchlistExists, WatchlistNotFound
from gatehouse.domain.lists.watchlists import (
    MAX_WATCHLISTS,
    Watchlist,
    check_list_id,
    check_name,
    parse_rows,
)
from gatehouse.domain.randomness import digits
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork

USER_WATCHLIST = "USER_WATCHLIST"


def _user_id(principal: Principal) -> int:
    assert principal.user.id is not None
    return principal.user.id


def view(watchlist: Watchlist) -> dict[str, Any]:
    """``GET iserver/watchlist``'s answer: IBKR's ``instruments`` plus the stored ``rows``."""
    return {
        "id": watchlist.list_id,
        "hash": str(int(watchlist.modified_at.timestamp() * 1000)),
        "name": watchlist.name,
        "readOnly": False,
        "rows": [row.wire() for row in watchlist.rows],
        "instruments": watchlist.instruments(),
    }


async def _announce(
    ctx: ServiceContext, uow: UnitOfWork, principal: Principal, kind: str, data: dict[str, object]
) -> None:
    await uow.events.append(
        user_id=_user_id(principal),
        type=f"watchlist.{kind}",
        account=principal.account_ids[0],
        data=data,
        at=ctx.clock.now(),
    )


def _parse(ctx: ServiceContext, principal: Principal, body: Mapping[str, object]) -> Watchlist:
    raw_id = body.get("id")
    list_id = check_list_id(raw_id) if raw_id is not None else digits(ctx.tokens, 10)
    now = ctx.clock.now()
    return Watchlist(
        list_id=list_id,
        user_id=_user_id(principal),
        name=check_name(body.get("name")),
        rows=parse_rows(body.get("rows")),
        created_at=now,
        modified_at=now,
    )


def _event_data(watchlist: Watchlist) -> dict[str, object]:
    return {
        "id": watchlist.list_id,
        "name": watchlist.name,
        "rows": [row.wire() for row in watchlist.rows],
    }


async def create(
    ctx: ServiceContext, principal: Principal, body: Mapping[str, object]
) -> dict[str, Any]:
    """``POST iserver/watchlist {id, name, rows}``; an id the user already has is refused."""
    watchlist = _parse(ctx, principal, body)
    async with ctx.uow() as uow:
        if await uow.watchlists.count(watchlist.user_id) >= MAX_WATCHLISTS:
            raise LimitReached(f"You can keep at most {MAX_WATCHLISTS} watchlists.")
        if not await uow.watchlists.add(watchlist):
            raise WatchlistExists(f"You already have a watchlist with the id {watchlist.list_id}.")
        await _announce(ctx, uow, principal, "created", _event_data(watchlist))
        await uow.commit()
    return view(watchlist)


async def replace(
    ctx: ServiceContext, principal: Principal, body: Mapping[str, object]
) -> dict[str, Any]:
    """Gatehouse's ``PUT iserver/watchlist``: new name and rows for an existing id."""
    if body.get("id") is None:
        raise InvalidInput("Name the watchlist to change with 'id'.", field="id")
    watchlist = _parse(ctx, principal, body)
    async with ctx.uow() as uow:
        found = await uow.watchlists.get(watchlist.user_id, watchlist.list_id)
        if found is None or not await uow.watchlists.replace(watchlist):
            raise WatchlistNotFound()
        watchlist.created_at = found.created_at
        await _announce(ctx, uow, principal, "updated", _event_data(watchlist))
        await uow.commit()
    return view(watchlist)


async def list_all(ctx: ServiceContext, principal: Principal, sc: str | None) -> dict[str, Any]:
    """``GET iserver/watchlists?SC=USER_WATCHLIST``."""
    if sc is not None and sc.strip() and sc.strip().upper() != USER_WATCHLIST:
        raise InvalidInput("Only SC=USER_WATCHLIST lists exist here.", field="SC")
    async with ctx.uow() as uow:
        found = await uow.watchlists.for_user(_user_id(principal))
    return {
        "data": {
            "scanners_only": False,
            "show_scanners": False,
            "bulk_delete": False,
            "user_lists": [w.summary() for w in found],
        },
        "action": "content",
        "MID": "1",
    }


async def get(ctx: ServiceContext, principal: Principal, list_id: object) -> dict[str, Any]:
    """``GET iserver/watchlist?id=``."""
    key = check_list_id(list_id)
    async with ctx.uow() as uow:
        found = await uow.watchlists.get(_user_id(principal), key)
    if found is None:
        raise WatchlistNotFound()
    return view(found)


async def delete(ctx: ServiceContext, principal: Principal, list_id: object) -> dict[str, Any]:
    """``DELETE iserver/watchlist`` (the id in the JSON body or the query)."""
    if list_id is None:
        raise InvalidInput("Name the watchlist to delete with 'id'.", field="id")
    key = check_list_id(list_id)
    async with ctx.uow() as uow:
        if not await uow.watchlists.remove(_user_id(principal), key):
            raise WatchlistNotFound()
        await _announce(ctx, uow, principal, "deleted", {"id": key})
        await uow.commit()
    return {"data": {"deleted": key}, "action": "context", "MID": "2"}
