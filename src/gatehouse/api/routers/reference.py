"""IBKR reference data and scanners: contract rules, ``trsrv/all-conids``, algos, trading
schedules, currency pairs and rates, the regulatory snapshot, the market scanners — and a
clear ``400 unsupported_sec_type`` for the option, future and bond calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.domain.errors import UnsupportedSecType
from gatehouse.service.trading import contracts, reference, scanner

router = APIRouter(route_class=LeanRoute, tags=["contracts"])


class RulesBody(Body):
    conid: Any = None
    isBuy: Any = None
    exchange: Any = None
    modifyOrder: Any = None
    orderId: Any = None


class ScanBody(Body):
    instrument: Any = None
    type: Any = None
    location: Any = None
    filter: Any = None
    scanCode: Any = None
    secType: Any = None
    maxItems: Any = None


@router.post("/iserver/contract/rules")
async def rules(body: RulesBody, principal: CurrentPrincipal) -> dict[str, Any]:
    found = reference.contract_rules(body.model_dump())
    found["canTradeAcctIds"] = principal.account_ids
    return found


@router.get("/trsrv/all-conids")
async def all_conids(
    principal: CurrentPrincipal, exchange: str | None = Query(default=None, max_length=200)
) -> list[Any]:
    return reference.all_conids(exchange)


@router.get("/iserver/contract/{conid}/algos")
async def algos(
    conid: str,
    principal: CurrentPrincipal,
    algos: str | None = Query(default=None, max_length=200),
    add_description: str | None = Query(default=None, alias="addDescription", max_length=5),
    add_params: str | None = Query(default=None, alias="addParams", max_length=5),
) -> dict[str, Any]:
    return reference.algos(conid, algos=algos, add_description=add_description,
                           add_params=add_params)  # fmt: skip


@router.get("/trsrv/secdef/schedule")
async def schedule(
    principal: CurrentPrincipal,
    ctx: Ctx,
    asset_class: str | None = Query(default=None, alias="assetClass", max_length=20),
    symbol: str | None = Query(default=None, max_length=200),
    exchange: str | None = Query(default=None, max_length=200),
    exchange_filter: str | None = Query(default=None, alias="exchangeFilter", max_length=200),
) -> list[Any]:
    return reference.schedule(ctx, asset_class=asset_class, symbol=symbol, exchange=exchange)


@router.get("/iserver/currency/pairs")
async def currency_pairs(
    principal: CurrentPrincipal,
    ctx: Ctx,
    currency: str | None = Query(default=None, max_length=200),
) -> dict[str, Any]:
    return reference.currency_pairs(ctx, currency)


@router.get("/iserver/exchangerate")
async def exchange_rate(
    principal: CurrentPrincipal,
    ctx: Ctx,
    source: str | None = Query(default=None, max_length=200),
    target: str | None = Query(default=None, max_length=200),
) -> dict[str, Any]:
    return reference.exchange_rate(ctx, source=source, target=target)


@router.get("/md/regsnapshot")
async def regulatory_snapshot(
    principal: CurrentPrincipal, ctx: Ctx, conid: str | None = Query(default=None, max_length=200)
) -> dict[str, Any]:
    return reference.regulatory_snapshot(ctx, conid)


@router.get("/iserver/scanner/params")
@router.get("/hmds/scanner/params")
async def scanner_params(principal: CurrentPrincipal) -> dict[str, Any]:
    return scanner.parameters()


@router.post("/iserver/scanner/run")
async def scanner_run(body: ScanBody, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return scanner.iserver_run(ctx, body.model_dump(exclude_none=True))


@router.post("/hmds/scanner/run")
@router.post("/hmds/scanner")
async def hmds_scanner(body: ScanBody, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return scanner.hmds_run(ctx, body.model_dump(exclude_none=True))


# --- derivatives and bonds: a clear refusal until they are traded -----------------------------
@router.get("/iserver/secdef/info")
async def secdef_info(
    principal: CurrentPrincipal,
    conid: str | None = Query(default=None, max_length=200),
    sectype: str | None = Query(default=None, max_length=20),
) -> list[dict[str, Any]]:
    reference.refuse_sec_type(sectype or "OPT", field="sectype")  # derivative look-ups only
    return [contracts.info(conid or "")]


@router.get("/iserver/secdef/strikes")
@router.get("/trsrv/futures")
@router.get("/iserver/secdef/bond-filters")
async def derivatives(principal: CurrentPrincipal) -> dict[str, Any]:
    raise UnsupportedSecType()
