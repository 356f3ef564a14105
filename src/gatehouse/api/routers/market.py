"""IBKR market data: ``iserver/marketdata/snapshot``, ``…/history`` (and ``hmds/history``),
``…/unsubscribe`` and ``…/unsubscribeall``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import StrictInt, StrictStr

from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.service.trading import market

router = APIRouter(route_class=LeanRoute, tags=["market data"])


class UnsubscribeBody(Body):
    conid: StrictInt | StrictStr | None = None


@router.get("/iserver/marketdata/snapshot")
async def snapshot(
    principal: CurrentPrincipal,
    ctx: Ctx,
    conids: str | None = Query(default=None, max_length=2000),
    fields: str | None = Query(default=None, max_length=2000),
) -> list[dict[str, Any]]:
    return market.snapshot(ctx, conids=conids, fields=fields)


@router.get("/iserver/marketdata/history")
@router.get("/hmds/history")
async def history(
    principal: CurrentPrincipal,
    ctx: Ctx,
    conid: str | None = Query(default=None, max_length=40),
    bar: str | None = Query(default=None, max_length=20),
    period: str | None = Query(default=None, max_length=20),
    exchange: str | None = Query(default=None, max_length=20),  # one venue: read and ignored
    outside_rth: str | None = Query(default=None, alias="outsideRth", max_length=10),
    start_time: str | None = Query(default=None, alias="startTime", max_length=40),
) -> dict[str, Any]:
    return market.history(
        ctx,
        conid=conid,
        bar=bar,
        period=period,
        start_time=start_time,
        outside_rth=outside_rth,
    )


@router.post("/iserver/marketdata/unsubscribe")
async def unsubscribe(
    body: UnsubscribeBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return market.unsubscribe(ctx, body.conid)


@router.get("/iserver/marketdata/unsubscribeall")
async def unsubscribe_all(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return market.unsubscribe_all(ctx)
