"""Named workspace layouts per user: opaque JSON documents the Workstation saves and restores.

Events: ``layout.saved`` (``name``, ``size``, ``updated_at``, ``created``) and
``layout.deleted`` (``name``); the document itself stays out of the event log — other
sessions fetch it when they want it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from gatehouse.domain.errors import InvalidInput, LayoutNotFound, LimitReached
from gatehouse.domain.lists.layouts import MAX_LAYOUTS, Layout, check_document, check_name
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal


def _user_id(principal: Principal) -> int:
    assert principal.user.id is not None
    return principal.user.id


async def save(
    ctx: ServiceContext, principal: Principal, name: str, document: object
) -> dict[str, Any]:
    """``PUT /v1/api/layouts/{name}``: store (or overwrite) a JSON object under ``name``."""
    key = check_name(name)
    if not isinstance(document, dict):
        raise InvalidInput("A layout is a JSON object.")
    try:  # what any JSON reader can take back: integers of 64 bits at most, valid UTF-8
        compact = orjson.dumps(document).decode()
    except orjson.JSONEncodeError:
        raise InvalidInput(
            "A layout holds only portable JSON: integers of at most 64 bits, valid Unicode.",
            field="document",
        ) from None
    encoded = check_document(compact)
    now = ctx.clock.now()
    layout = Layout(
        user_id=_user_id(principal), name=key, document=encoded, created_at=now, updated_at=now
    )
    async with ctx.uow() as uow:
        existing = await uow.layouts.get(layout.user_id, key)
        if existing is None and await uow.layouts.count(layout.user_id) >= MAX_LAYOUTS:
            raise LimitReached(f"You can keep at most {MAX_LAYOUTS} layouts.")
        created = await uow.layouts.save(layout)
        summary = {**layout.summary(), "created": created}
        await uow.events.append(
            user_id=layout.user_id,
            type="layout.saved",
            account=principal.account_ids[0],
            data=summary,
            at=now,
        )
        await uow.commit()
    return summary


async def get(ctx: ServiceContext, principal: Principal, name: str) -> dict[str, Any]:
    key = check_name(name)
    async with ctx.uow() as uow:
        found = await uow.layouts.get(_user_id(principal), key)
    if found is None:
        raise LayoutNotFound()
    return {**found.summary(), "document": json.loads(found.document)}


async def list_all(ctx: ServiceContext, principal: Principal) -> dict[str, Any]:
    async with ctx.uow() as uow:
        found = await uow.layouts.for_user(_user_id(principal))
    return {"layouts": [layout.summary() for layout in found]}


async def delete(ctx: ServiceContext, principal: Principal, name: str) -> dict[str, Any]:
    key = check_name(name)
    user_id = _user_id(principal)
    async with ctx.uow() as uow:
        if not await uow.layouts.remove(user_id, key):
            raise LayoutNotFound()
        await uow.events.append(
            user_id=user_id,
            type="layout.deleted",
            account=principal.account_ids[0],
            data={"name": key},
            at=ctx.clock.now(),
        )
        await uow.commit()
    return {"name": key, "deleted": True}
