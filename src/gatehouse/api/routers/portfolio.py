"""IBKR portfolio and account reads: summary, ledger, positions (both generations), one
position, allocation, meta, partitioned P&L, and the ``iserver`` account summary.

Reads return a ``JsonResponse`` themselves: their shapes are IBKR's, already plain JSON, so
FastAPI's response-model pass would only cost time on the hottest paths.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.responses import Response

from gatehouse.api import account_shapes
from gatehouse.api import portal_shapes as shapes
from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.responses import JsonResponse
from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.instruments import by_conid
from gatehouse.domain.trading.market_requests import parse_flag
from gatehouse.service.trading import accounts, portfolio

router = APIRouter(route_class=LeanRoute, tags=["portfolio"])
_summaries = shapes.RenderedSummaries()  # the hottest read: rendered once per tick


@router.get("/portfolio/{account_id}/summary")
async def summary(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> Response:
    found = await portfolio.figures(ctx, principal, account_id)
    return Response(_summaries.render(found), media_type="application/json")


@router.get("/iserver/account/{account_id}/summary")
async def iserver_summary(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    return JsonResponse(shapes.iserver_summary(await portfolio.figures(ctx, principal, account_id)))


@router.get("/portfolio/{account_id}/ledger")
async def ledger(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    return JsonResponse(shapes.ledger(await portfolio.figures(ctx, principal, account_id)))


@router.get("/portfolio/{account_id}/positions/{page}")
async def positions(
    account_id: str,
    page: str,
    principal: CurrentPrincipal,
    ctx: Ctx,
    sort: str | None = Query(default=None, max_length=40),
    direction: str | None = Query(default=None, max_length=4),
) -> JsonResponse:
    if not page.isdigit():
        raise InvalidInput("The page must be a whole number (0 is the first page).", field="page")
    found = await portfolio.holdings(ctx, principal, account_id)
    descending = (direction or "a").strip().lower().startswith("d")
    return JsonResponse(shapes.positions_page(found, int(page), sort=sort, descending=descending))


@router.get("/portfolio2/{account_id}/positions")
async def positions_v2(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    return JsonResponse(shapes.positions_v2(await portfolio.holdings(ctx, principal, account_id)))


@router.get("/portfolio/{account_id}/position/{conid}")
async def position(
    account_id: str, conid: str, principal: CurrentPrincipal, ctx: Ctx
) -> JsonResponse:
    if not conid.isdigit():
        raise InvalidInput("'conid' must be an integer contract id.", field="conid")
    found = await portfolio.holdings(ctx, principal, account_id, conids={int(conid)})
    return JsonResponse([shapes.position(found.account.account_id, item) for item in found.items])


@router.post("/portfolio/{account_id}/positions/invalidate")
async def invalidate(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    portfolio.invalidate(ctx, principal, account_id)
    return JsonResponse({"message": "success"})


@router.get("/portfolio/{account_id}/meta")
async def meta(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    found = await portfolio.figures(ctx, principal, account_id)
    return JsonResponse(shapes.portfolio_account(principal, found.account))


@router.get("/portfolio/{account_id}/allocation")
async def allocation(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    return JsonResponse(shapes.allocation(await portfolio.holdings(ctx, principal, account_id)))


@router.get("/iserver/account/pnl/partitioned")
async def pnl(principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    found = await accounts.for_session(ctx, principal)
    rows = {
        a.account_id: (
            await portfolio.figures(ctx, principal, a.account_id),
            await portfolio.day(ctx, principal, a.account_id),
        )
        for a in found
    }
    return JsonResponse(shapes.pnl(rows))


@router.get("/portfolio/allocation")
async def allocations(
    principal: CurrentPrincipal, ctx: Ctx, acct_ids: list[str] = Query(default=[], alias="acctIds")
) -> JsonResponse:
    """Several accounts' allocation, consolidated (``acctIds`` repeated or comma-separated)."""
    wanted = [a.strip() for raw in acct_ids for a in raw.split(",") if a.strip()]
    if not wanted or len(wanted) > 20:
        raise InvalidInput("Name 1 to 20 accounts in 'acctIds'.", field="acctIds")
    found = [await portfolio.holdings(ctx, principal, a) for a in dict.fromkeys(wanted)]
    return JsonResponse(account_shapes.allocations(found))


@router.get("/portfolio/{account_id}/combo/positions")
async def combo_positions(
    account_id: str,
    principal: CurrentPrincipal,
    ctx: Ctx,
    nocache: str | None = Query(default=None, max_length=5),
) -> JsonResponse:
    """Combination (spread) positions: none, as only stocks are traded."""
    parse_flag(nocache, field="nocache")
    await portfolio.figures(ctx, principal, account_id)  # the account must be the caller's
    return JsonResponse([])


@router.get("/portfolio/positions/{conid}")
async def positions_by_conid(conid: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    """``{"<acct>": [position]}`` for each of the session's accounts that holds ``conid``."""
    if not conid.isdigit():
        raise InvalidInput("'conid' must be an integer contract id.", field="conid")
    by_conid(int(conid))
    answer = {}
    for account_id in principal.account_ids:
        found = await portfolio.holdings(ctx, principal, account_id, conids={int(conid)})
        answer[account_id] = [shapes.position(account_id, item) for item in found.items]
    return JsonResponse(answer)


@router.get("/acesws/{account_id}/signatures-and-owners")
async def signatures(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    """Who owns and signs for the account: the one user who holds it."""
    found = await portfolio.figures(ctx, principal, account_id)
    return JsonResponse(account_shapes.signatures(principal, found.account.account_id))
