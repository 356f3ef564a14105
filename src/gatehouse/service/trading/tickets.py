"""Order tickets from IBKR order bodies: parsing (with Gatehouse's few extensions), client
order ids, and the ids Gatehouse hands out for orders and pending replies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from gatehouse.domain.errors import AlreadyExists, InvalidInput, UnknownInstrument
from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.order_requests import (
    MAX_NUMBER,
    OrderRequest,
    parse_order_request,
)
from gatehouse.domain.trading.orders import Order, OrderType, Side, validate_terms
from gatehouse.domain.trading.trailing import trailing_stop
from gatehouse.service.context import ServiceContext
from gatehouse.service.ports import UnitOfWork

MAX_ORDERS_PER_REQUEST = 10
_ORDER_TYPE_SPELLINGS = {"STOP LIMIT": "STP_LIMIT", "STOPLIMIT": "STP_LIMIT"}


def new_order_id(ctx: ServiceContext) -> str:
    """A numeric id like IBKR's (ten digits, below 2**31)."""
    return str(1_000_000_000 + ctx.tokens.below(1_000_000_000))


def new_reply_id(ctx: ServiceContext) -> str:
    """A UUID-shaped reply id, as IBKR's question ids look."""
    raw = ctx.tokens.token_bytes(16).hex()
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


CENT = Decimal("0.01")


def _cash_quantity(data: Mapping[str, object], ctx: ServiceContext, now: datetime) -> OrderRequest:
    """``cashQty`` instead of ``quantity``: the whole shares that amount buys or sells."""
    draft = parse_order_request({**data, "quantity": 1})
    raw = data["cashQty"]
    number = isinstance(raw, int | float) and not isinstance(raw, bool)  # JSON numbers only
    try:
        cash = Decimal(str(raw)) if number else Decimal("NaN")
    except InvalidOperation:
        cash = Decimal("NaN")
    if not cash.is_finite() or cash <= 0 or cash >= MAX_NUMBER or cash != cash.quantize(CENT):
        raise InvalidInput("'cashQty' must be an amount of money greater than 0.", field="cashQty")
    price = draft.limit_price
    if price is None:
        _known(draft.conid)
        quote = ctx.quotes.quote(draft.conid, now)
        price = quote.ask if draft.side is Side.BUY else quote.bid
    shares = (cash / price).to_integral_value(rounding=ROUND_FLOOR)
    if shares < 1:
        raise InvalidInput(f"A cashQty of {cash} USD buys less than one share at {price}.")
    return replace(draft, quantity=shares)


def _known(conid: int) -> None:
    if find_conid(conid) is None:
        raise UnknownInstrument(f"No instrument has the contract id {conid}.", conid=conid)


def parse_ticket(
    body: object, *, account_id: str, ctx: ServiceContext, now: datetime
) -> OrderRequest:
    """One order object of an IBKR order body, validated for ``account_id``.

    Beyond ``order_requests.parse_order_request``: ``cashQty`` (whole shares for that much
    money), the ``"Stop Limit"`` spelling IBKR's own order lists use, and the starting stop
    (and limit) of a trailing order placed without them: the trail from the current mark.
    """
    if not isinstance(body, Mapping):
        raise InvalidInput("Each order must be a JSON object.")
    data: dict[str, object] = {str(k): v for k, v in body.items()}
    kind = data.get("orderType")
    if isinstance(kind, str) and kind.strip().upper() in _ORDER_TYPE_SPELLINGS:
        data["orderType"] = _ORDER_TYPE_SPELLINGS[kind.strip().upper()]
    if data.get("quantity") is None and data.get("cashQty") is not None:
        request = _cash_quantity(data, ctx, now)
    else:
        request = parse_order_request(data)
    if request.account_id not in (None, "", account_id):
        raise InvalidInput(
            f"The order's acctId {request.account_id!r} is not the account in the path "
            f"({account_id})."
        )
    _known(request.conid)
    return _trail_start(request, ctx, now)


def _trail_start(request: OrderRequest, ctx: ServiceContext, now: datetime) -> OrderRequest:
    if request.trailing_amount is None or request.trailing_type is None:
        return request
    stop = request.stop_price
    if stop is None:
        mark = ctx.quotes.quote(request.conid, now).mark
        stop = trailing_stop(
            request.side, mark, request.trailing_amount, request.trailing_type, None
        )
    limit = request.limit_price
    if request.order_type is OrderType.TRAILLMT and limit is None:
        limit = stop
    validate_terms(
        order_type=request.order_type, quantity=request.quantity, limit_price=limit, stop_price=stop
    )
    return replace(request, stop_price=stop, limit_price=limit)


def parse_tickets(
    bodies: Sequence[object], *, account_id: str, ctx: ServiceContext, now: datetime
) -> list[OrderRequest]:
    if not bodies:
        raise InvalidInput("The body needs 'orders': a list of at least one order.")
    if len(bodies) > MAX_ORDERS_PER_REQUEST:
        raise InvalidInput(f"At most {MAX_ORDERS_PER_REQUEST} orders per request.")
    return [parse_ticket(b, account_id=account_id, ctx=ctx, now=now) for b in bodies]


def modification(body: object, order: Order, *, ctx: ServiceContext, now: datetime) -> OrderRequest:
    """A modify body (IBKR sends the whole order; missing keys keep the order's values).

    The contract, side and order type cannot change: cancel and place a new order instead.
    """
    if not isinstance(body, Mapping):
        raise InvalidInput("The body must be the order object.")
    merged: dict[str, object] = {
        "conid": order.conid,
        "side": order.side.value,
        "orderType": order.order_type.value,
        "quantity": order.quantity,
        "tif": order.tif.value,
    }
    if order.limit_price is not None:
        merged["price"] = str(order.limit_price)
    if order.stop_price is not None:
        key = "auxPrice" if order.limit_price is not None else "price"
        merged[key] = str(order.stop_price)
    if order.trailing_amount is not None and order.trailing_type is not None:
        merged["trailingAmt"] = str(order.trailing_amount)
        merged["trailingType"] = order.trailing_type.value
    if order.outside_rth:
        merged["outsideRTH"] = True
    merged.update({str(k): v for k, v in body.items() if v is not None})
    merged.pop("cashQty", None)
    request = parse_ticket(merged, account_id=order.account_id, ctx=ctx, now=now)
    for what, old, new in (
        ("contract", order.conid, request.conid),
        ("side", order.side, request.side),
        ("order type", order.order_type, request.order_type),
    ):
        if old != new:
            raise InvalidInput(
                f"An order's {what} cannot be modified; cancel it and place a new one."
            )
    return request


async def check_client_ids(
    uow: UnitOfWork, account_id: str, requests: Sequence[OrderRequest]
) -> None:
    """IBKR refuses a client order id (``cOID``) already used in the account."""
    seen: set[str] = set()
    for request in requests:
        coid = request.client_order_id
        if coid is None:
            continue
        if coid in seen or await uow.orders.client_id_taken(account_id, coid):
            raise AlreadyExists(
                f"The client order id (cOID) {coid!r} is already used in this account.",
                field="cOID",
            )
        seen.add(coid)
