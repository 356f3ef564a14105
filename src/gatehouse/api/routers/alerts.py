"""Price alerts: Gatehouse's ``/alerts`` and IBKR's ``iserver/account/{acct}/alert(s)``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.service.lists import alerts

router = APIRouter(route_class=LeanRoute, tags=["alerts"])


@router.post("/alerts", status_code=201)
async def create(
    principal: CurrentPrincipal, ctx: Ctx, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    return await alerts.create(ctx, principal, body)


@router.get("/alerts")
async def list_all(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await alerts.list_all(ctx, principal)


@router.delete("/alerts/{alert_id}")
async def delete(alert_id: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await alerts.delete(ctx, principal, alert_id)


@router.post("/iserver/account/{account}/alert")
async def create_ibkr(
    account: str, principal: CurrentPrincipal, ctx: Ctx, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    return await alerts.create_ibkr(ctx, principal, account, body)


@router.get("/iserver/account/{account}/alerts")
async def list_ibkr(account: str, principal: CurrentPrincipal, ctx: Ctx) -> list[Any]:
    return await alerts.list_ibkr(ctx, principal, account)


@router.delete("/iserver/account/{account}/alert/{alert_id}")
async def delete_ibkr(
    account: str, alert_id: str, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await alerts.delete_ibkr(ctx, principal, account, alert_id)
