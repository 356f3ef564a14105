"""IBKR contract look-ups: ``iserver/secdef/search`` (GET and POST), ``trsrv/stocks``,
``trsrv/secdef`` and ``iserver/contract/{conid}/info`` / ``info-and-rules``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from gatehouse.api.auth import CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.service.trading import contracts

router = APIRouter(route_class=LeanRoute, tags=["contracts"])


class SearchBody(Body):
    symbol: Any = None
    name: Any = None
    secType: Any = None


@router.get("/iserver/secdef/search")
async def search(
    principal: CurrentPrincipal,
    symbol: str | None = Query(default=None, max_length=200),
    name: str | None = Query(default=None, max_length=10),
    sec_type: str | None = Query(default=None, alias="secType", max_length=20),
) -> list[dict[str, Any]]:
    return contracts.search(symbol=symbol, name=name, sec_type=sec_type)


@router.post("/iserver/secdef/search")
async def search_by_body(body: SearchBody, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    return contracts.search(symbol=body.symbol, name=body.name, sec_type=body.secType)


@router.get("/trsrv/stocks")
async def stocks(
    principal: CurrentPrincipal, symbols: str | None = Query(default=None, max_length=2000)
) -> dict[str, list[dict[str, Any]]]:
    return contracts.stocks(symbols)


@router.get("/trsrv/secdef")
async def definitions(
    principal: CurrentPrincipal, conids: str | None = Query(default=None, max_length=2000)
) -> dict[str, Any]:
    return contracts.definitions(conids)


@router.get("/iserver/contract/{conid}/info")
async def info(conid: str, principal: CurrentPrincipal) -> dict[str, Any]:
    return contracts.info(conid)


@router.get("/iserver/contract/{conid}/info-and-rules")
async def info_and_rules(
    conid: str,
    principal: CurrentPrincipal,
    is_buy: str | None = Query(default=None, alias="isBuy", max_length=10),
) -> dict[str, Any]:
    return contracts.info_and_rules(conid, is_buy=is_buy)
