"""IBKR watchlists: ``POST``/``PUT``/``DELETE iserver/watchlist``, ``GET iserver/watchlist(s)``.

``DELETE`` takes the id from the JSON body (as ibind sends it) or from the query.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Body, Query, Request

from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.domain.errors import MalformedRequest
from gatehouse.service.lists import watchlists

router = APIRouter(route_class=LeanRoute, tags=["watchlists"])


@router.post("/iserver/watchlist")
async def create(
    principal: CurrentPrincipal, ctx: Ctx, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    return await watchlists.create(ctx, principal, body)


@router.put("/iserver/watchlist")
async def replace(
    principal: CurrentPrincipal, ctx: Ctx, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    return await watchlists.replace(ctx, principal, body)


@router.get("/iserver/watchlists")
async def list_all(
    principal: CurrentPrincipal,
    ctx: Ctx,
    sc: str | None = Query(default=None, alias="SC", max_length=40),
) -> dict[str, Any]:
    return await watchlists.list_all(ctx, principal, sc)


@router.get("/iserver/watchlist")
async def read(
    principal: CurrentPrincipal,
    ctx: Ctx,
    list_id: str | None = Query(default=None, alias="id", max_length=64),
) -> dict[str, Any]:
    return await watchlists.get(ctx, principal, list_id)


async def _id_from_body(request: Request) -> object:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedRequest() from None
    return parsed.get("id") if isinstance(parsed, dict) else None


@router.delete("/iserver/watchlist")
async def delete(
    request: Request,
    principal: CurrentPrincipal,
    ctx: Ctx,
    list_id: str | None = Query(default=None, alias="id", max_length=64),
) -> dict[str, Any]:
    from_body = await _id_from_body(request)
    return await watchlists.delete(ctx, principal, from_body if from_body is not None else list_id)
