"""Workspace layouts: ``PUT``/``GET``/``DELETE /layouts/{name}`` and ``GET /layouts``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.service.lists import layouts

router = APIRouter(route_class=LeanRoute, prefix="/layouts", tags=["layouts"])


@router.get("")
async def list_all(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await layouts.list_all(ctx, principal)


@router.put("/{name}")
async def save(
    name: str, principal: CurrentPrincipal, ctx: Ctx, document: Any = Body(...)
) -> dict[str, Any]:
    return await layouts.save(ctx, principal, name, document)


@router.get("/{name}")
async def read(name: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await layouts.get(ctx, principal, name)


@router.delete("/{name}")
async def delete(name: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await layouts.delete(ctx, principal, name)
