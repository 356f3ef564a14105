"""Decoders for the requests a client sends, one per supported message id, as ib_async 2.x
and ibapi encode them at server version 178. Each returns a plain dict of named fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gatehouse.clients.gateway.tws.messages import In
from gatehouse.clients.gateway.tws.model import Contract
from gatehouse.clients.gateway.tws.protocol import Cursor, ProtocolError

Request = dict[str, Any]
Decoder = Callable[[Cursor], Request]


def _versioned(read: Decoder) -> Decoder:
    """Requests that carry a version field after the message id."""

    def decode(cursor: Cursor) -> Request:
        cursor.skip()
        return read(cursor)

    return decode


def _empty(cursor: Cursor) -> Request:
    return {}


def _req_id(cursor: Cursor) -> Request:
    return {"req_id": cursor.integer()}


def _start_api(cursor: Cursor) -> Request:
    client_id = cursor.integer()
    return {"client_id": client_id, "capabilities": cursor.text() if cursor.left else ""}


def _mkt_data(cursor: Cursor) -> Request:
    req_id = cursor.integer()
    contract = Contract.read(cursor)
    if contract.sec_type == "BAG":
        raise ProtocolError("unsupported", "Combo (BAG) market data is not supported.")
    if cursor.flag():  # delta-neutral contract
        cursor.skip(3)
    return {
        "req_id": req_id,
        "contract": contract,
        "generic_ticks": cursor.text(),
        "snapshot": cursor.flag(),
        "regulatory_snapshot": cursor.flag() if cursor.left else False,
    }


def _place_order(cursor: Cursor) -> Request:
    order_id = cursor.integer()
    contract = Contract.read(cursor)
    cursor.skip(2)  # secIdType, secId
    request: Request = {
        "order_id": order_id,
        "contract": contract,
        "action": cursor.text().upper(),
        "quantity": cursor.real(),
        "order_type": cursor.text().upper(),
        "lmt_price": cursor.real(),
        "aux_price": cursor.real(),
        "tif": cursor.text().upper() or "DAY",
        "oca_group": cursor.text(),
        "account": cursor.text(),
    }
    cursor.skip(2)  # openClose, origin
    request["order_ref"] = cursor.text()
    request["transmit"] = cursor.flag()
    request["parent_id"] = cursor.integer()
    cursor.skip(4)  # blockOrder, sweepToFill, displaySize, triggerMethod
    request["outside_rth"] = cursor.flag()
    request.update(_ORDER_DEFAULTS)
    if cursor.left:  # the rest (ibapi and ib_async always send it; a short test may not)
        _order_tail(cursor, request)
    return request


_ORDER_DEFAULTS: Request = {
    "oca_type": 0,
    "trail_stop_price": None,
    "trailing_percent": None,
    "lmt_price_offset": None,
    "conditions": 0,
    "what_if": False,
    "algo": "",
}
_UNSET_DOUBLE = 1.7e308


def _pairs(cursor: Cursor, width: int) -> None:
    """Skip a count-prefixed list of ``width``-field items."""
    cursor.skip(cursor.integer() * width)


def _order_tail(cursor: Cursor, request: Request) -> None:
    """placeOrder after hidden, at server version 178 (no faProfile): the fields Gatehouse
    reads are ocaType, trailStopPrice, trailingPercent, lmtPriceOffset; conditions stop it."""
    cursor.skip()  # hidden
    if request["contract"].sec_type == "BAG":
        _pairs(cursor, 8)  # comboLegs
        _pairs(cursor, 1)  # orderComboLegs
        _pairs(cursor, 2)  # smartComboRoutingParams
    cursor.skip(7)  # sharesAllocation, discretionaryAmt, goodAfter/TillDate, faGroup … faPct
    cursor.skip(4)  # modelCode, shortSaleSlot, designatedLocation, exemptCode
    request["oca_type"] = cursor.integer()
    cursor.skip(17)  # rule80A … deltaNeutralOrderType's predecessor volatilityType
    if cursor.text():  # deltaNeutralOrderType
        cursor.skip(9)  # deltaNeutralAuxPrice and the 8 delta-neutral fields
    else:
        cursor.skip()  # deltaNeutralAuxPrice
    cursor.skip(2)  # continuousUpdate, referencePriceType
    request["trail_stop_price"] = cursor.real()
    request["trailing_percent"] = cursor.real()
    cursor.skip(2)  # scaleInitLevelSize, scaleSubsLevelSize
    increment = cursor.real()
    if increment is not None and 0 < increment < _UNSET_DOUBLE:
        cursor.skip(7)
    cursor.skip(3)  # scaleTable, activeStartTime, activeStopTime
    if cursor.text():  # hedgeType
        cursor.skip()  # hedgeParam
    cursor.skip(4)  # optOutSmartRouting, clearingAccount, clearingIntent, notHeld
    if cursor.flag():  # a delta-neutral contract
        cursor.skip(3)
    request["algo"] = cursor.text()
    if request["algo"]:
        _pairs(cursor, 2)
    cursor.skip()  # algoId
    request["what_if"] = cursor.flag()
    cursor.skip(4)  # orderMiscOptions, solicited, randomizeSize, randomizePrice
    if request["order_type"] in ("PEG BENCH", "PEGBENCH"):
        cursor.skip(5)
    request["conditions"] = cursor.integer()
    if request["conditions"]:
        return  # refused: the conditions' own fields are not read
    cursor.skip(2)  # adjustedOrderType, triggerPrice
    request["lmt_price_offset"] = cursor.real()


def _cancel_order(cursor: Cursor) -> Request:
    return {"order_id": cursor.integer()}


def _account_updates(cursor: Cursor) -> Request:
    return {"subscribe": cursor.flag(), "account": cursor.text()}


def _executions(cursor: Cursor) -> Request:
    return {
        "req_id": cursor.integer(),
        "client_id": cursor.integer(),
        "account": cursor.text(),
        "time": cursor.text(),
        "symbol": cursor.text(),
        "sec_type": cursor.text(),
        "exchange": cursor.text(),
        "side": cursor.text(),
    }


def _contract_data(cursor: Cursor) -> Request:
    return {"req_id": cursor.integer(), "contract": Contract.read(cursor)}


def _historical(cursor: Cursor) -> Request:
    req_id = cursor.integer()
    contract = Contract.read(cursor)
    cursor.skip()  # includeExpired
    request: Request = {
        "req_id": req_id,
        "contract": contract,
        "end": cursor.text(),
        "bar_size": cursor.text(),
        "duration": cursor.text(),
        "use_rth": cursor.flag(),
        "what": cursor.text(),
        "format_date": cursor.integer(1),
    }
    if contract.sec_type == "BAG":
        raise ProtocolError("unsupported", "Combo (BAG) history is not supported.")
    request["keep_up_to_date"] = cursor.flag() if cursor.left else False
    return request


def _head_timestamp(cursor: Cursor) -> Request:
    req_id = cursor.integer()
    contract = Contract.read(cursor)
    cursor.skip()  # includeExpired
    return {
        "req_id": req_id,
        "contract": contract,
        "use_rth": cursor.flag(),
        "what": cursor.text(),
        "format_date": cursor.integer(1),
    }


def _summary(cursor: Cursor) -> Request:
    return {"req_id": cursor.integer(), "group": cursor.text(), "tags": cursor.text()}


def _updates_multi(cursor: Cursor) -> Request:
    return {"req_id": cursor.integer(), "account": cursor.text(), "model": cursor.text()}


def _pnl(cursor: Cursor) -> Request:
    return {"req_id": cursor.integer(), "account": cursor.text(), "model": cursor.text()}


def _pnl_single(cursor: Cursor) -> Request:
    request = _pnl(cursor)
    request["con_id"] = cursor.integer()
    return request


def _matching(cursor: Cursor) -> Request:
    return {"req_id": cursor.integer(), "pattern": cursor.text()}


def _flag(cursor: Cursor) -> Request:
    return {"flag": cursor.flag()}


def _number(cursor: Cursor) -> Request:
    return {"value": cursor.integer()}


DECODERS: dict[int, Decoder] = {
    In.START_API: _versioned(_start_api),
    In.REQ_MKT_DATA: _versioned(_mkt_data),
    In.CANCEL_MKT_DATA: _versioned(_req_id),
    In.PLACE_ORDER: _place_order,
    In.CANCEL_ORDER: _versioned(_cancel_order),
    In.REQ_OPEN_ORDERS: _versioned(_empty),
    In.REQ_ACCT_DATA: _versioned(_account_updates),
    In.REQ_EXECUTIONS: _versioned(_executions),
    In.REQ_IDS: _versioned(_number),
    In.REQ_CONTRACT_DATA: _versioned(_contract_data),
    In.REQ_AUTO_OPEN_ORDERS: _versioned(_flag),
    In.REQ_ALL_OPEN_ORDERS: _versioned(_empty),
    In.REQ_MANAGED_ACCTS: _versioned(_empty),
    In.REQ_HISTORICAL_DATA: _historical,
    In.CANCEL_HISTORICAL_DATA: _versioned(_req_id),
    In.REQ_CURRENT_TIME: _versioned(_empty),
    In.REQ_GLOBAL_CANCEL: _versioned(_empty),
    In.REQ_MARKET_DATA_TYPE: _versioned(_number),
    In.REQ_POSITIONS: _versioned(_empty),
    In.CANCEL_POSITIONS: _versioned(_empty),
    In.REQ_ACCOUNT_SUMMARY: _versioned(_summary),
    In.CANCEL_ACCOUNT_SUMMARY: _versioned(_req_id),
    In.REQ_POSITIONS_MULTI: _versioned(_updates_multi),
    In.CANCEL_POSITIONS_MULTI: _versioned(_req_id),
    In.REQ_ACCOUNT_UPDATES_MULTI: _versioned(_updates_multi),
    In.CANCEL_ACCOUNT_UPDATES_MULTI: _versioned(_req_id),
    In.REQ_MATCHING_SYMBOLS: _matching,
    In.REQ_HEAD_TIMESTAMP: _head_timestamp,
    In.CANCEL_HEAD_TIMESTAMP: _req_id,
    In.REQ_PNL: _pnl,
    In.CANCEL_PNL: _req_id,
    In.REQ_PNL_SINGLE: _pnl_single,
    In.CANCEL_PNL_SINGLE: _req_id,
    In.REQ_COMPLETED_ORDERS: _flag,
}

# Requests Gatehouse does not serve, with where their request id sits (after the message id
# and, for versioned ones, the version): they are answered with an error on that id.
UNSUPPORTED_REQ_ID_AT: dict[int, int | None] = {
    In.REQ_MKT_DEPTH: 2,
    In.CANCEL_MKT_DEPTH: 2,
    In.REQ_NEWS_BULLETINS: None,
    In.CANCEL_NEWS_BULLETINS: None,
    In.SET_SERVER_LOGLEVEL: None,
    In.REQ_SCANNER_SUBSCRIPTION: 1,
    In.CANCEL_SCANNER_SUBSCRIPTION: 2,
    In.REQ_SCANNER_PARAMETERS: None,
    In.REQ_REAL_TIME_BARS: 2,
    In.CANCEL_REAL_TIME_BARS: 2,
    In.REQ_FUNDAMENTAL_DATA: 2,
    In.REQ_SEC_DEF_OPT_PARAMS: 1,
    In.REQ_HISTORICAL_TICKS: 1,
    In.REQ_TICK_BY_TICK_DATA: 1,
    In.CANCEL_TICK_BY_TICK_DATA: 1,
    In.REQ_USER_INFO: 1,
}


def message_id(fields: Sequence[str]) -> int:
    if not fields:
        raise ProtocolError("empty_message", "A message has no fields.")
    try:
        return int(fields[0])
    except ValueError as exc:
        raise ProtocolError("bad_message_id", f"{fields[0][:20]!r} is not a message id.") from exc


def decode_request(fields: Sequence[str]) -> tuple[int, Request | None]:
    """(message id, its fields by name); None for a message id Gatehouse does not serve."""
    msg_id = message_id(fields)
    decoder = DECODERS.get(msg_id)
    if decoder is None:
        return msg_id, None
    return msg_id, decoder(Cursor(fields))


def unsupported_req_id(fields: Sequence[str]) -> int:
    """The request id of an unsupported request, or -1 when it has none (or it is unknown)."""
    at = UNSUPPORTED_REQ_ID_AT.get(message_id(fields))
    if at is None or at >= len(fields):
        return -1
    try:
        return int(fields[at])
    except ValueError:
        return -1
