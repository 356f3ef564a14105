"""The Workstation's own endpoints: ``GET /workstation/version`` (per channel, the oldest
Workstation the server accepts and the newest there is; no session needed) and
``GET /marketdata/book`` (the order book as a depth ladder, for its preview panel)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from gatehouse import __version__
from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.domain.trading.market_requests import parse_conid

router = APIRouter(route_class=LeanRoute, tags=["workstation"])
BOOK_LEVELS = 5


@router.get("/workstation/version")
async def version(request: Request) -> dict[str, dict[str, str]]:
    settings = request.app.state.runtime.settings
    return {
        "stable": {"minimum": settings.workstation_minimum_stable, "latest": __version__},
        "latest": {"minimum": settings.workstation_minimum_latest, "latest": __version__},
    }


@router.get("/marketdata/book")
async def book(
    principal: CurrentPrincipal,
    ctx: Ctx,
    conid: str | None = Query(default=None, max_length=40),
) -> dict[str, Any]:
    """Five levels a side a cent apart, as the ``sbd`` socket topic shows them."""
    found = parse_conid(conid)
    levels = ctx.quotes.book(found, ctx.clock.now(), levels=BOOK_LEVELS)
    return {
        "conid": found,
        "asks": [{"price": f"{x.price:.2f}", "size": x.ask_size} for x in levels if x.ask_size],
        "bids": [{"price": f"{x.price:.2f}", "size": x.bid_size} for x in levels if x.bid_size],
    }
