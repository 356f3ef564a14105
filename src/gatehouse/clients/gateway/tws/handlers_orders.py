"""Order requests: placeOrder (new, or a modification when the id is already working),
cancelOrder, reqGlobalCancel, open and completed orders. Gatehouse's question/reply loop is
answered yes: the bot has already decided."""

from __future__ import annotations

from typing import Any

from gatehouse.clients.gateway.tws import encode, messages
from gatehouse.clients.gateway.tws.book import ACTIVE, ORDER_TYPES_IN
from gatehouse.clients.gateway.tws.encode_orders import completed_order, open_order
from gatehouse.clients.gateway.tws.messages import In
from gatehouse.clients.gateway.tws.model import ApiOrder
from gatehouse.clients.gateway.tws.requests import Request
from gatehouse.clients.gateway.tws.session import Handler, Session
from gatehouse.clients.gateway.tws.upstream import Upstream, UpstreamError

TIFS = {"DAY", "GTC", "IOC"}
MAX_QUESTIONS = 10


async def answer_questions(upstream: Upstream, answer: Any) -> list[dict[str, Any]]:
    """Confirm every question of Gatehouse's order reply loop; the placed orders."""
    for _ in range(MAX_QUESTIONS):
        first = answer[0] if isinstance(answer, list) and answer else answer
        if not isinstance(first, dict) or "id" not in first or "message" not in first:
            return list(answer) if isinstance(answer, list) else [answer]
        answer = await upstream.request(
            "POST", f"iserver/reply/{first['id']}", json={"confirmed": True}
        )
    raise UpstreamError("too_many_questions", "The order was asked too many questions.")


def _terms(req: Request) -> tuple[dict[str, Any], str | None]:
    """Gatehouse's order fields for a placeOrder, or the reason it cannot be placed."""
    kind = str(req["order_type"])
    if kind not in ORDER_TYPES_IN:
        return {}, f"Order type {kind} is not supported (MKT, LMT, STP, STP LMT)"
    if req["tif"] not in TIFS:
        return {}, f"Time in force {req['tif']} is not supported (DAY, GTC, IOC)"
    if req["parent_id"]:
        return {}, "Attached (bracket) orders are not supported yet"
    if req["oca_group"]:
        return {}, "OCA groups are not supported yet"
    if req["action"] not in ("BUY", "SELL"):
        return {}, f"Action {req['action']} is not supported (BUY, SELL)"
    quantity = req["quantity"]
    if quantity is None or quantity <= 0 or quantity != int(quantity):
        return {}, "The order size must be a positive whole number of shares"
    terms: dict[str, Any] = {
        "orderType": ORDER_TYPES_IN[kind],
        "side": req["action"],
        "quantity": int(quantity),
        "tif": req["tif"],
    }
    lmt, aux = req["lmt_price"], req["aux_price"]
    if kind in ("LMT", "STP LMT"):
        if lmt is None:
            return {}, "A limit order needs a limit price"
        terms["price"] = lmt
    if kind == "STP":
        if aux is None:
            return {}, "A stop order needs a stop price (auxPrice)"
        terms["price"] = aux
    if kind == "STP LMT":
        if aux is None:
            return {}, "A stop limit order needs a stop price (auxPrice)"
        terms["auxPrice"] = aux
    return terms, None


async def place_order(session: Session, req: Request) -> None:
    server, order_id = session.server, int(req["order_id"])
    assert session.client_id is not None
    existing = server.book.get(session.client_id, order_id)
    terms, refused = _terms(req)
    if refused is not None:
        session.error(order_id, messages.ORDER_REJECTED, reason=refused)
        return
    if existing is not None:
        await _modify(session, existing, req, terms)
        return
    contract = await server.contracts.resolve(req["contract"])
    if contract is None:
        session.error(order_id, messages.NO_SECURITY_DEFINITION)
        return
    account = str(req["account"]) or server.account
    order = ApiOrder(
        order_id=order_id,
        client_id=session.client_id,
        perm_id=0,
        contract=contract,
        action=terms["side"],
        quantity=float(terms["quantity"]),
        order_type=str(req["order_type"]),
        lmt_price=req["lmt_price"],
        aux_price=req["aux_price"],
        tif=terms["tif"],
        account=account,
        order_ref=str(req["order_ref"]),
        status="PendingSubmit",
        remaining=float(terms["quantity"]),
    )
    ref = server.book.ref_for(session.client_id, order_id)
    server.book.remember(order)
    body = {**terms, "conid": contract.con_id, "cOID": ref}
    try:
        placed = await answer_questions(
            server.upstream,
            await server.upstream.request(
                "POST", f"iserver/account/{account}/orders", json={"orders": [body]}
            ),
        )
    except UpstreamError as exc:
        server.book.forget(order)
        if exc.status == 0:
            raise
        code = messages.NO_SECURITY_DEFINITION if exc.code == "unknown_instrument" else 0
        if code:
            session.error(order_id, code)
        else:
            session.error(order_id, messages.ORDER_REJECTED, reason=exc.message)
        return
    first = placed[0] if placed else {}
    if not order.gatehouse_id and first.get("order_id"):  # ahead of the order's events
        order.gatehouse_id = str(first["order_id"])
        order.perm_id = int(first["order_id"])
        server.book.remember(order)
        found = await server.upstream.request(
            "GET", f"iserver/account/order/status/{order.gatehouse_id}"
        )
        if order.status == "PendingSubmit":  # still no event: the status as it is now
            order.status = str(found.get("order_status") or "Submitted")
            order.filled = float(found.get("cum_fill") or 0)
            order.remaining = (
                max(order.quantity - order.filled, 0.0) if order.status in ACTIVE else 0.0
            )
            order.avg_fill_price = float(found.get("average_price") or 0)
            server.send_order(order)


async def _modify(session: Session, order: ApiOrder, req: Request, terms: dict[str, Any]) -> None:
    server = session.server
    if order.status not in ACTIVE or not order.gatehouse_id:
        session.error(order.order_id, messages.DUPLICATE_ORDER_ID)
        return
    body = {k: v for k, v in terms.items() if k in ("quantity", "price", "auxPrice", "tif")}
    try:
        await answer_questions(
            server.upstream,
            await server.upstream.request(
                "POST", f"iserver/account/{order.account}/order/{order.gatehouse_id}", json=body
            ),
        )
    except UpstreamError as exc:
        if exc.status == 0:
            raise
        session.error(order.order_id, messages.ORDER_REJECTED, reason=exc.message)


async def cancel_order(session: Session, req: Request) -> None:
    server, order_id = session.server, int(req["order_id"])
    assert session.client_id is not None
    order = server.book.get(session.client_id, order_id)
    if order is None or not order.gatehouse_id:
        session.error(order_id, messages.ORDER_NOT_FOUND, order_id=order_id)
        return
    try:
        await server.upstream.request(
            "DELETE", f"iserver/account/{order.account}/order/{order.gatehouse_id}"
        )
    except UpstreamError as exc:
        if exc.status == 0:
            raise
        session.error(order_id, messages.ORDER_NOT_FOUND, order_id=order_id)


async def req_global_cancel(session: Session, req: Request) -> None:
    server = session.server
    await server.upstream.request("DELETE", f"iserver/account/{server.account}/order/-1")


async def _refresh(session: Session, filters: str = "") -> list[ApiOrder]:
    server = session.server
    params = {"filters": filters} if filters else None
    found = await server.upstream.request("GET", "iserver/account/orders", params=params)
    rows = found.get("orders", []) if isinstance(found, dict) else []
    orders = []
    for row in rows:
        await server.contracts.by_conid(int(row.get("conid") or 0))
        orders.append(server.book.apply_view(row))
    return orders


def _visible(session: Session, order: ApiOrder, every: bool) -> bool:
    return every or session.client_id == 0 or order.client_id == session.client_id


async def _open_orders(session: Session, every: bool) -> None:
    for order in await _refresh(session):
        if order.status in ACTIVE and _visible(session, order, every):
            session.send(open_order(order))
            session.send(encode.order_status(order))
    session.send(encode.open_order_end())


async def req_open_orders(session: Session, req: Request) -> None:
    await _open_orders(session, every=False)


async def req_all_open_orders(session: Session, req: Request) -> None:
    await _open_orders(session, every=True)


async def req_auto_open_orders(session: Session, req: Request) -> None:
    if session.client_id != 0:
        session.error(messages.NO_ID, messages.UNSUPPORTED, "Only clientId 0 can bind orders")
        return
    session.auto_open_orders = bool(req["flag"])


async def req_completed_orders(session: Session, req: Request) -> None:
    api_only = bool(req["flag"])
    for order in await _refresh(session, "filled,cancelled,inactive"):
        if order.status in ACTIVE or (api_only and order.order_id <= 0):
            continue
        session.send(completed_order(order))
    session.send(encode.completed_orders_end())


ORDER_HANDLERS: dict[int, Handler] = {
    In.PLACE_ORDER: place_order,
    In.CANCEL_ORDER: cancel_order,
    In.REQ_GLOBAL_CANCEL: req_global_cancel,
    In.REQ_OPEN_ORDERS: req_open_orders,
    In.REQ_ALL_OPEN_ORDERS: req_all_open_orders,
    In.REQ_AUTO_OPEN_ORDERS: req_auto_open_orders,
    In.REQ_COMPLETED_ORDERS: req_completed_orders,
}
