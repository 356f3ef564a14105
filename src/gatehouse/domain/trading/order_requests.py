"""Parsing one order object of an IBKR order body into a validated :class:`OrderRequest`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.orders import (
    LIMIT_TYPES,
    MAX_CLIENT_ORDER_ID_LENGTH,
    TRAILING_TYPES,
    Order,
    OrderType,
    Side,
    TimeInForce,
    TrailType,
    new_order,
    validate_terms,
    validate_trailing,
)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated order ticket, as parsed from an IBKR order body; not yet an order."""

    conid: int
    side: Side
    order_type: OrderType
    quantity: Decimal
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    tif: TimeInForce = TimeInForce.DAY
    client_order_id: str | None = None
    account_id: str | None = None
    parent_ref: str | None = None  # ``parentId``: the cOID of its parent in the same request
    oca_group: str | None = None  # ``ocaGroup``: a named one-cancels-all group
    single_group: bool = False  # ``isSingleGroup``: the request's orders are one OCA group
    trailing_amount: Decimal | None = None
    trailing_type: TrailType | None = None
    outside_rth: bool = False


def order_from_request(
    request: OrderRequest,
    *,
    order_id: str,
    account_id: str,
    now: datetime,
    parent_id: str | None = None,
    oca_group: str | None = None,
) -> Order:
    """A new ``PendingSubmit`` order from a parsed request (links resolved by the caller)."""
    return new_order(
        order_id=order_id,
        account_id=account_id,
        conid=request.conid,
        side=request.side,
        order_type=request.order_type,
        quantity=request.quantity,
        limit_price=request.limit_price,
        stop_price=request.stop_price,
        tif=request.tif,
        client_order_id=request.client_order_id,
        parent_id=parent_id,
        oca_group=oca_group if oca_group is not None else request.oca_group,
        trailing_amount=request.trailing_amount,
        trailing_type=request.trailing_type,
        outside_rth=request.outside_rth,
        now=now,
    )


_ORDER_TYPE_ALIASES = {
    "MKT": OrderType.MKT,
    "MARKET": OrderType.MKT,
    "LMT": OrderType.LMT,
    "LIMIT": OrderType.LMT,
    "STP": OrderType.STP,
    "STOP": OrderType.STP,
    "STP_LIMIT": OrderType.STP_LIMIT,
    "STOP_LIMIT": OrderType.STP_LIMIT,
    "STP LMT": OrderType.STP_LIMIT,
    "TRAIL": OrderType.TRAIL,
    "TRAILLMT": OrderType.TRAILLMT,
    "TRAIL LIMIT": OrderType.TRAILLMT,
}


MAX_NUMBER = Decimal(10) ** 12  # no quantity, price or amount is this large
MIN_EXPONENT = -8  # nor this precise: 1e-308 is refused here, not deep in the arithmetic
MAX_CONID = 2**31 - 1  # IBKR contract ids are 32-bit


def _decimal(value: object, key: str, *, number_only: bool = False) -> Decimal:
    """A JSON number (or, unless ``number_only``, a decimal string) within sane bounds."""
    allowed: tuple[type, ...] = (int, float, Decimal) if number_only else (int, float, str, Decimal)
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise InvalidInput(f"'{key}' must be a number.", field=key)
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InvalidInput(f"'{key}' must be a number.", field=key) from None
    if not number.is_finite():
        raise InvalidInput(f"'{key}' must be a finite number.", field=key)
    exponent = number.normalize().as_tuple().exponent
    if abs(number) >= MAX_NUMBER or (
        number and isinstance(exponent, int) and exponent < MIN_EXPONENT
    ):
        raise InvalidInput(f"'{key}' is out of range.", field=key)
    return number


def _parse_conid(data: Mapping[str, object]) -> int:
    raw_conid = data.get("conid")
    raw_conidex = data.get("conidex")
    conid: int | None = None
    if raw_conid is not None:
        if isinstance(raw_conid, bool) or not isinstance(raw_conid, int | str):
            raise InvalidInput("'conid' must be an integer contract id.")
        text = str(raw_conid).strip()
        if not text.isdigit():
            raise InvalidInput("'conid' must be an integer contract id.")
        conid = int(text)
    if raw_conidex is not None:
        if not isinstance(raw_conidex, str) or not raw_conidex.split("@")[0].strip().isdigit():
            raise InvalidInput("'conidex' must look like '265598' or '265598@SMART'.")
        from_conidex = int(raw_conidex.split("@")[0])
        if conid is not None and conid != from_conidex:
            raise InvalidInput("'conid' and 'conidex' name different contracts.")
        conid = from_conidex
    if conid is None:
        raise InvalidInput("The order needs a 'conid' (or 'conidex').")
    if conid <= 0 or conid > MAX_CONID:
        raise InvalidInput("'conid' must be a positive contract id.")
    return conid


def _parse_enum_text(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'{key}' must be a string.")
    return value.strip().upper()


def parse_order_request(data: Mapping[str, object]) -> OrderRequest:
    """Validate one order object of an IBKR ``POST iserver/account/{acct}/orders`` body.

    Keys: ``conid``|``conidex``, ``side``, ``quantity``, ``orderType``, ``price`` (the limit
    price, or the stop price of a STP), ``auxPrice`` (the stop price of a STP_LIMIT; also
    accepted for a STP without ``price``), ``tif`` (default DAY), ``cOID``, ``acctId``.
    ``None`` values count as absent; other keys are ignored.
    """
    conid = _parse_conid(data)

    side_text = _parse_enum_text(data, "side")
    if side_text not in ("BUY", "SELL"):
        raise InvalidInput("'side' must be BUY or SELL.")
    side = Side(side_text)

    type_text = _parse_enum_text(data, "orderType")
    if type_text is None:
        raise InvalidInput(f"The order needs an 'orderType' ({_TYPES}).")
    if type_text not in _ORDER_TYPE_ALIASES:
        raise InvalidInput(f"Order type {type_text!r} is not supported; use {_TYPES}.")
    order_type = _ORDER_TYPE_ALIASES[type_text]

    tif_text = _parse_enum_text(data, "tif") or "DAY"
    if tif_text not in TimeInForce.__members__:
        raise InvalidInput(f"Time in force {tif_text!r} is not supported; use DAY, GTC or IOC.")
    tif = TimeInForce(tif_text)

    if data.get("quantity") is None:
        raise InvalidInput("The order needs a 'quantity'.")
    quantity = _decimal(data["quantity"], "quantity", number_only=True)  # JSON numbers only

    price = None if data.get("price") is None else _decimal(data["price"], "price")
    aux = None if data.get("auxPrice") is None else _decimal(data["auxPrice"], "auxPrice")
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    if order_type is OrderType.MKT:
        if price is not None:
            raise InvalidInput("A MKT order cannot have a limit price ('price').")
        if aux is not None:
            raise InvalidInput("A MKT order cannot have a stop price ('auxPrice').")
    elif order_type is OrderType.LMT:
        if aux is not None:
            raise InvalidInput("A LMT order cannot have a stop price ('auxPrice').")
        limit_price = price
    elif order_type is OrderType.STP:
        if price is not None and aux is not None:
            raise InvalidInput("A STP order takes its stop price in 'price' only.")
        stop_price = price if price is not None else aux
    elif order_type is OrderType.TRAIL:
        if aux is not None:
            raise InvalidInput("A TRAIL order takes its initial stop price in 'price' only.")
        stop_price = price  # optional: the market sets it when absent
    else:  # STP_LIMIT, and TRAILLMT (both optional: limit = stop when absent)
        limit_price, stop_price = price, aux
    trailing_amount, trailing_type = _trailing(data, order_type)
    parent_ref, oca_group, single_group = _links(data)
    outside_rth = _flag(data, "outsideRTH")
    if outside_rth and order_type not in LIMIT_TYPES:
        raise InvalidInput("Only limit orders (LMT, STP_LIMIT, TRAILLMT) may fill outside RTH.")

    client_order_id = data.get("cOID")
    if client_order_id is not None and not isinstance(client_order_id, str):
        raise InvalidInput("'cOID' must be a string.")
    account_id = data.get("acctId")
    if account_id is not None and not isinstance(account_id, str):
        raise InvalidInput("'acctId' must be a string.")

    if order_type in TRAILING_TYPES and (stop_price is None or limit_price is None):
        validate_terms(order_type=OrderType.MKT, quantity=quantity, limit_price=None,
                       stop_price=None)  # fmt: skip  # prices come from the market later
    else:
        validate_terms(
            order_type=order_type, quantity=quantity, limit_price=limit_price, stop_price=stop_price
        )
    if client_order_id is not None and not 0 < len(client_order_id) <= MAX_CLIENT_ORDER_ID_LENGTH:
        raise InvalidInput(
            f"The client order id (cOID) must be 1 to {MAX_CLIENT_ORDER_ID_LENGTH} characters."
        )
    return OrderRequest(
        conid=conid,
        side=side,
        order_type=order_type,
        quantity=quantity,
        limit_price=limit_price,
        stop_price=stop_price,
        tif=tif,
        client_order_id=client_order_id,
        account_id=account_id,
        trailing_amount=trailing_amount,
        trailing_type=trailing_type,
        outside_rth=outside_rth,
        parent_ref=parent_ref,
        oca_group=oca_group,
        single_group=single_group,
    )


_TYPES = "MKT, LMT, STP, STP_LIMIT, TRAIL or TRAILLMT"


def _flag(data: Mapping[str, object], key: str) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput(f"'{key}' must be true or false.")
    return value


def _trailing(
    data: Mapping[str, object], order_type: OrderType
) -> tuple[Decimal | None, TrailType | None]:
    amount = (
        None if data.get("trailingAmt") is None else _decimal(data["trailingAmt"], "trailingAmt")
    )
    raw = data.get("trailingType")
    kind: TrailType | None = None
    if raw is not None:
        text = raw.strip().lower() if isinstance(raw, str) else ""
        if text not in ("amt", "%"):
            raise InvalidInput("'trailingType' must be 'amt' or '%'.")
        kind = TrailType(text)
    validate_trailing(order_type, amount, kind)
    return amount, kind


def _links(data: Mapping[str, object]) -> tuple[str | None, str | None, bool]:
    parent = data.get("parentId")
    if parent in (None, ""):
        parent = None
    elif isinstance(parent, bool) or not isinstance(parent, str | int):
        raise InvalidInput("'parentId' must be the cOID of the parent order.")
    group = data.get("ocaGroup")
    if group is not None and (not isinstance(group, str) or not 0 < len(group.strip()) <= 48):
        raise InvalidInput("'ocaGroup' must be a name of 1 to 48 characters.")
    return (
        None if parent is None else str(parent).strip(),
        group.strip() if isinstance(group, str) else None,
        _flag(data, "isSingleGroup"),
    )
