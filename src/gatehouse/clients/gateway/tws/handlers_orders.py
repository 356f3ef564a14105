"""Order requests: placeOrder (``placing``), cancelOrder, reqGlobalCancel, open and completed
orders. Gatehouse's question/reply loop is answered yes: the bot has already decided."""

from __future__ import annotations

from gatehouse.clients.gateway.tws import encode, messages
from gatehouse.clients.gateway.tws.book import ACTIVE
from gatehouse.clients.gateway.tws.encode_orders import completed_order, open_order
from gatehouse.clients.gateway.tws.messages import In
from gatehouse.clients.gateway.tws.model import ApiOrder
from gatehouse.clients.gateway.tws.placing import cancel_held, place_order
from gatehouse.clients.gateway.tws.requests import Request
from gatehouse.clients.gateway.tws.session import Handler, Session
from gatehouse.clients.gateway.tws.upstream import UpstreamError


async def cancel_order(session: Session, req: Request) -> None:
    server, order_id = session.server, int(req["order_id"])
    assert session.client_id is not None
    if cancel_held(session, order_id):
        return
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
