"""IBKR orders: place with the question/reply loop, reply, suppress questions, what-if,
live orders, order status, cancel (``-1``: all), modify, and trades.

Routes parse the request, call one use case (``service.trading``) and shape IBKR's JSON
(``api.order_shapes``); every failure is a typed error mapped in ``api.errors``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query
from pydantic import Field, StrictBool

from gatehouse.api import order_shapes as shapes
from gatehouse.api.auth import Ctx, CurrentPrincipal, TradingPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.portal_shapes import flag, whole
from gatehouse.api.responses import JsonResponse
from gatehouse.api.schemas import Body as JsonBody
from gatehouse.domain.trading.orders import OrderStatus
from gatehouse.service.trading import orders, portfolio, questions
from gatehouse.service.trading.views import order_view, trade_view

router = APIRouter(route_class=LeanRoute, tags=["orders"])


class OrdersBody(JsonBody):
    orders: list[Any] = Field(max_length=10)


class ReplyBody(JsonBody):
    confirmed: StrictBool


class SuppressBody(JsonBody):
    messageIds: list[Any] = Field(max_length=51)  # IBKR: "up to 51 messages" a request


@router.post("/iserver/account/{account_id}/orders")
async def place(
    account_id: str, body: OrdersBody, principal: TradingPrincipal, ctx: Ctx
) -> list[dict[str, Any]]:
    return shapes.placement(await orders.place(ctx, principal, account_id, body.orders))


@router.post("/iserver/reply/{reply_id}")
async def reply(reply_id: str, body: ReplyBody, principal: TradingPrincipal, ctx: Ctx) -> Any:
    result = await orders.reply(ctx, principal, reply_id, confirmed=body.confirmed)
    return shapes.not_confirmed() if result is None else shapes.placement(result)


@router.post("/iserver/questions/suppress")
async def suppress(body: SuppressBody, principal: TradingPrincipal, ctx: Ctx) -> dict[str, Any]:
    ids = await questions.suppress(ctx, principal, body.messageIds)
    return {"status": "submitted", "messageIds": ids}


@router.post("/iserver/questions/suppress/reset")
async def reset_suppressed(principal: TradingPrincipal, ctx: Ctx) -> dict[str, Any]:
    await questions.reset(ctx, principal)
    return {"status": "submitted"}


@router.post("/iserver/account/{account_id}/orders/whatif")
async def whatif(
    account_id: str, body: OrdersBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return shapes.whatif(await orders.whatif(ctx, principal, account_id, body.orders))


def _wanted(filters: str | None) -> set[str]:
    names = {s.value.lower(): s.value for s in OrderStatus}
    wanted = set()
    for token in (filters or "").split(","):
        key = token.strip().lower().replace("_", "")
        if key in names:
            wanted.add(names[key])
    return wanted


@router.get("/iserver/account/orders")
async def live_orders(
    principal: CurrentPrincipal,
    ctx: Ctx,
    filters: str | None = Query(default=None, max_length=200),
    force: str | None = Query(default=None, max_length=10),
    account_id: str | None = Query(default=None, alias="accountId", max_length=16),
) -> JsonResponse:
    flag(force, name="force")  # IBKR re-reads from the venue; Gatehouse's list is always fresh
    found = await portfolio.live_orders(ctx, principal, account_id)
    wanted = _wanted(filters)
    rows = [order_view(o) for o in found if not wanted or o.status.value in wanted]
    return JsonResponse({"orders": rows, "snapshot": True})


@router.get("/iserver/account/order/status/{order_id}")
async def order_status(order_id: str, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    return JsonResponse(shapes.status(await portfolio.order_status(ctx, principal, order_id)))


@router.delete("/iserver/account/{account_id}/order/{order_id}")
async def cancel(
    account_id: str, order_id: str, principal: TradingPrincipal, ctx: Ctx
) -> dict[str, Any]:
    cancelled = await orders.cancel(ctx, principal, account_id, order_id)
    return shapes.cancelled(account_id, cancelled, order_id)


@router.post("/iserver/account/{account_id}/order/{order_id}")
async def modify(
    account_id: str,
    order_id: str,
    principal: TradingPrincipal,
    ctx: Ctx,
    body: dict[str, Any] = Body(...),
) -> list[dict[str, Any]]:
    return shapes.placement(await orders.modify(ctx, principal, account_id, order_id, body))


@router.get("/iserver/account/trades")
@router.get("/iserver/account/trades/")
async def trades(
    principal: CurrentPrincipal,
    ctx: Ctx,
    days: str | None = Query(default=None, max_length=4),
    account_id: str | None = Query(default=None, alias="accountId", max_length=16),
) -> JsonResponse:
    count = whole(days, name="days", default=1, low=1, high=7)
    found = await portfolio.trades(ctx, principal, days=count, account_id=account_id)
    return JsonResponse([trade_view(e) for e in found])
