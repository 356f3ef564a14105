"""placeOrder: new orders, brackets and modifications. An order sent with ``transmit=False``
is held by the gateway; when the order that completes its group arrives with
``transmit=True`` (ib_async's bracketOrder: parent, take-profit, then the stop-loss), the
parent and its children go to Gatehouse as one request, children naming the parent's cOID."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gatehouse.clients.gateway.tws import encode, messages
from gatehouse.clients.gateway.tws.book import ACTIVE
from gatehouse.clients.gateway.tws.model import ApiOrder, Contract
from gatehouse.clients.gateway.tws.order_terms import order_terms
from gatehouse.clients.gateway.tws.requests import Request
from gatehouse.clients.gateway.tws.session import Session
from gatehouse.clients.gateway.tws.upstream import Upstream, UpstreamError

MAX_QUESTIONS = 10


@dataclass
class Held:
    """An order placed with transmit=False: not yet sent to Gatehouse."""

    order: ApiOrder
    terms: dict[str, Any]


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


async def _start_stop(session: Session, contract: Contract, req: Request) -> None:
    """A TRAIL LIMIT with lmtPriceOffset and no trailStopPrice: its stop starts one trail
    from the last price, so that its limit can keep the offset."""
    if req["order_type"] != "TRAIL LIMIT" or req.get("trail_stop_price") is not None:
        return
    if req.get("lmt_price_offset") is None or req["lmt_price"] is not None:
        return
    quotes = await session.server.upstream.request(
        "GET",
        "iserver/marketdata/snapshot",
        params={"conids": str(contract.con_id), "fields": "31"},
    )
    last = next((q.get("31") for q in quotes if isinstance(q, dict)), None)
    try:
        price = float(str(last).lstrip("CH"))
    except (TypeError, ValueError):
        return  # Gatehouse starts it itself (its limit then at the stop)
    trail = req.get("trailing_percent")
    distance = price * trail / 100 if trail is not None else float(req["aux_price"] or 0)
    stop = price - distance if req["action"] == "SELL" else price + distance
    req["trail_stop_price"] = round(stop, 2)


def _api_order(
    session: Session, req: Request, contract: Contract, terms: dict[str, Any]
) -> ApiOrder:
    assert session.client_id is not None
    return ApiOrder(
        order_id=int(req["order_id"]),
        client_id=session.client_id,
        perm_id=0,
        contract=contract,
        action=terms["side"],
        quantity=float(terms["quantity"]),
        order_type=str(req["order_type"]),
        lmt_price=req["lmt_price"],
        aux_price=req["aux_price"],
        tif=terms["tif"],
        account=str(req["account"]) or session.server.account,
        order_ref=str(req["order_ref"]),
        status="PendingSubmit",
        remaining=float(terms["quantity"]),
        parent_id=int(req["parent_id"] or 0),
        oca_group=str(req["oca_group"]),
        oca_type=int(req.get("oca_type") or 0),
        outside_rth=bool(req["outside_rth"]),
        transmit=bool(req["transmit"]),
        trailing_percent=req.get("trailing_percent"),
        trail_stop_price=req.get("trail_stop_price"),
        lmt_price_offset=req.get("lmt_price_offset"),
    )


async def place_order(session: Session, req: Request) -> None:
    server, order_id = session.server, int(req["order_id"])
    assert session.client_id is not None
    existing = server.book.get(session.client_id, order_id)
    terms, refused = order_terms(req)
    if refused is not None:
        session.held.pop(order_id, None)
        session.error(order_id, messages.ORDER_REJECTED, reason=refused)
        return
    if existing is not None:
        await _modify(session, existing, terms)
        return
    contract = await server.contracts.resolve(req["contract"])
    if contract is None:
        session.held.pop(order_id, None)
        session.error(order_id, messages.NO_SECURITY_DEFINITION)
        return
    await _start_stop(session, contract, req)
    terms, _ = order_terms(req)
    held = Held(_api_order(session, req, contract, terms), terms)
    if not req["transmit"]:  # re-placing a held order replaces it
        session.held[order_id] = held
        high = server.book.next_ids.get(session.client_id, 0)
        server.book.next_ids[session.client_id] = max(high, order_id)
        return
    group = _group(session, held)
    if group is not None:
        await _submit(session, group)


def _group(session: Session, last: Held) -> list[Held] | None:
    """The orders ``last`` transmits: its held parent and siblings, or its held children
    (parent first); None (and error 201) when its parent is not held."""
    parent_id = last.order.parent_id
    if parent_id:
        parent = session.held.pop(parent_id, None)
        if parent is None:
            session.error(
                last.order.order_id,
                messages.ORDER_REJECTED,
                reason=f"Parent order {parent_id} is not waiting to be transmitted: send a "
                "bracket's parent and children with transmit=False, the last child with "
                "transmit=True",
            )
            return None
        head = parent
    else:
        head, parent_id = last, last.order.order_id
    children = sorted(
        (h for h in session.held.values() if h.order.parent_id == parent_id),
        key=lambda h: h.order.order_id,
    )
    for child in children:
        del session.held[child.order.order_id]
    rest = [last] if last is not head else []
    return [head, *children, *rest]


async def _submit(session: Session, group: list[Held]) -> None:
    """One Gatehouse request for the group; each order's id and status once placed."""
    server = session.server
    book, account = server.book, group[0].order.account
    bodies = []
    for held in group:
        order = held.order
        body = {**held.terms, "conid": order.contract.con_id}
        body["cOID"] = book.ref_for(order.client_id, order.order_id)
        if order.parent_id:
            body["parentId"] = book.ref_for(order.client_id, order.parent_id)
        bodies.append(body)
        book.remember(order)
    try:
        placed = await answer_questions(
            server.upstream,
            await server.upstream.request(
                "POST", f"iserver/account/{account}/orders", json={"orders": bodies}
            ),
        )
    except UpstreamError as exc:
        for held in group:
            book.forget(held.order)
        if exc.status == 0:
            raise
        for held in group:
            if exc.code == "unknown_instrument":
                session.error(held.order.order_id, messages.NO_SECURITY_DEFINITION)
            else:
                session.error(held.order.order_id, messages.ORDER_REJECTED, reason=exc.message)
        return
    for held, answer in zip(group, placed, strict=False):
        await _placed(session, held.order, answer)


async def _placed(session: Session, order: ApiOrder, answer: dict[str, Any]) -> None:
    server = session.server
    if order.gatehouse_id or not answer.get("order_id"):
        return  # its events came first
    order.gatehouse_id = str(answer["order_id"])
    order.perm_id = int(answer["order_id"])
    server.book.remember(order)
    found = await server.upstream.request(
        "GET", f"iserver/account/order/status/{order.gatehouse_id}"
    )
    if order.status == "PendingSubmit":  # still no event: the status as it is now
        order.status = str(found.get("order_status") or "Submitted")
        order.filled = float(found.get("cum_fill") or 0)
        order.remaining = max(order.quantity - order.filled, 0.0) if order.status in ACTIVE else 0.0
        order.avg_fill_price = float(found.get("average_price") or 0)
        server.send_order(order)


_MODIFIABLE = ("quantity", "price", "auxPrice", "tif", "trailingAmt", "trailingType", "outsideRTH")


async def _modify(session: Session, order: ApiOrder, terms: dict[str, Any]) -> None:
    server = session.server
    if order.status not in ACTIVE or not order.gatehouse_id:
        session.error(order.order_id, messages.DUPLICATE_ORDER_ID)
        return
    body = {k: v for k, v in terms.items() if k in _MODIFIABLE}
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


def cancel_held(session: Session, order_id: int) -> bool:
    """Cancel an order still held (transmit=False): Cancelled and 202; whether it was."""
    held = session.held.pop(order_id, None)
    if held is None:
        return False
    held.order.status, held.order.remaining = "Cancelled", 0.0
    session.send(encode.order_status(held.order))
    session.error(order_id, messages.ORDER_CANCELLED, reason="")
    return True
