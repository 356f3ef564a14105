"""IBKR's portfolio analyst: ``pa/performance``, ``pa/allperiods``, ``pa/transactions`` from
the NAV history, and ``pa/snapshot`` (Gatehouse's: record today's NAV now)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gatehouse.api import pa_shapes
from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.responses import JsonResponse
from gatehouse.api.schemas import Body
from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.instruments import by_conid
from gatehouse.domain.trading.performance import PERIODS, period_start
from gatehouse.service.trading import performance, portfolio

router = APIRouter(route_class=LeanRoute, tags=["portfolio"])


class PerformanceBody(Body):
    acctIds: Any = None
    period: Any = None


class TransactionsBody(Body):
    acctIds: Any = None
    conids: Any = None
    currency: Any = "USD"
    days: Any = 90


async def _accounts(ctx: Any, principal: Any, raw: object) -> list[str]:
    chosen = performance.chosen_accounts(principal, raw)
    for account_id in chosen:  # opened on first use, like every portfolio read
        await portfolio.figures(ctx, principal, account_id)
    return chosen


@router.post("/pa/performance")
async def account_performance(
    body: PerformanceBody, principal: CurrentPrincipal, ctx: Ctx
) -> JsonResponse:
    if not isinstance(body.period, str):
        raise InvalidInput(f"'period' must be one of {', '.join(PERIODS)}.", field="period")
    chosen = await _accounts(ctx, principal, body.acctIds)
    today = ctx.calendar.local_date(ctx.clock.now())
    since = period_start(body.period, today)
    series = await performance.history(ctx, principal, chosen, since)
    return JsonResponse(pa_shapes.performance(series, body.period.strip().upper()))


@router.post("/pa/allperiods")
async def all_periods(body: PerformanceBody, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    chosen = await _accounts(ctx, principal, body.acctIds)
    now = ctx.clock.now()
    today = ctx.calendar.local_date(now)
    longest = await performance.history(ctx, principal, chosen, period_start("1Y", today))
    by_period = {
        period: {
            acct: [s for s in days if s.day >= period_start(period, today)]
            for acct, days in longest.items()
        }
        for period in PERIODS
    }
    return JsonResponse(pa_shapes.all_periods(by_period, now))


@router.post("/pa/transactions")
async def transactions(
    body: TransactionsBody, principal: CurrentPrincipal, ctx: Ctx
) -> JsonResponse:
    chosen = await _accounts(ctx, principal, body.acctIds)
    raw = [body.conids] if isinstance(body.conids, int | str) else body.conids
    if not isinstance(raw, list) or not 1 <= len(raw) <= 20:
        raise InvalidInput("'conids' must list 1 to 20 contract ids.", field="conids")
    if not all(isinstance(c, int | str) and str(c).strip().isdigit() for c in raw):
        raise InvalidInput("'conids' must be integer contract ids.", field="conids")
    conids = [by_conid(int(str(c))).conid for c in raw]
    if body.currency not in (None, "USD", "BASE"):
        raise InvalidInput("Amounts are in USD, the accounts' currency.", field="currency")
    days = body.days
    if isinstance(days, bool) or not isinstance(days, int | str) or not str(days).isdigit():
        raise InvalidInput("'days' must be a whole number of days.", field="days")
    found, closed, since = await performance.transactions(ctx, chosen, conids, int(str(days)))
    return JsonResponse(
        pa_shapes.transactions(found, closed, since=since, now=ctx.clock.now(), days=int(days))
    )


@router.post("/pa/snapshot")
async def snapshot_now(principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    """Record today's NAV of the session's accounts now (the close job records every day)."""
    for account_id in principal.account_ids:
        await portfolio.figures(ctx, principal, account_id)
    taken = await performance.record_now(ctx, principal)
    return JsonResponse(
        {"recorded": [{"acctId": s.account_id, "date": s.day.strftime("%Y%m%d"),
                       "nav": float(s.nav), "return": float(s.daily_return)} for s in taken]}
    )  # fmt: skip
