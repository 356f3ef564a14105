"""Trailing, bracket and OCA fields of the TWS API: placeOrder decoded as the real ib_async
and ibapi encoders write them, mapped to Gatehouse's order terms, Gatehouse's live orders
mapped back, and openOrder / completedOrder decoded by both clients' real decoders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.support.tws_clients import ib_async_decode, ib_async_request, ibapi_decode, ibapi_request

from gatehouse.clients.gateway.tws.book import OrderBook
from gatehouse.clients.gateway.tws.contracts import ContractBook
from gatehouse.clients.gateway.tws.encode_orders import completed_order, open_order
from gatehouse.clients.gateway.tws.model import ApiOrder, Contract
from gatehouse.clients.gateway.tws.order_terms import order_terms
from gatehouse.clients.gateway.tws.requests import Request, decode_request

AAPL = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")
_FIELDS = {
    "action": "SELL", "totalQuantity": 3, "orderType": "TRAIL LIMIT", "auxPrice": 1.5,
    "trailStopPrice": 180.0, "lmtPriceOffset": 0.25, "ocaGroup": "g1", "ocaType": 1,
    "outsideRth": True, "transmit": False, "parentId": 41, "tif": "GTC",
}  # fmt: skip


def _encoded(module: str, **changes: Any) -> Request:
    values = {**_FIELDS, **changes}
    if module == "ib_async":
        from ib_async import Order, Stock

        [fields] = ib_async_request(
            lambda c: c.placeOrder(42, Stock("AAPL", "SMART", "USD"), Order(**values))
        )
    else:
        from ibapi.contract import Contract as IbContract
        from ibapi.order import Order as IbOrder

        contract = IbContract()
        contract.symbol, contract.secType, contract.exchange, contract.currency = (
            "AAPL", "STK", "SMART", "USD"
        )  # fmt: skip
        order = IbOrder()
        for key, value in values.items():
            if value is None:  # ibapi's own "unset" stays
                continue
            setattr(order, key, Decimal(value) if key == "totalQuantity" else value)
        [fields] = ibapi_request(lambda c: c.placeOrder(42, contract, order))
    _, req = decode_request(fields)
    assert req is not None
    return req


@pytest.mark.parametrize("module", ["ib_async", "ibapi"])
def test_linked_and_trailing_fields_are_decoded_as_the_clients_encode_them(module):
    req = _encoded(module)
    assert (req["order_type"], req["aux_price"], req["trail_stop_price"]) == (
        "TRAIL LIMIT", 1.5, 180.0
    )  # fmt: skip
    assert (req["lmt_price_offset"], req["trailing_percent"], req["lmt_price"]) == (
        0.25, None, None
    )  # fmt: skip
    assert (req["oca_group"], req["oca_type"], req["outside_rth"]) == ("g1", 1, True)
    assert (req["transmit"], req["parent_id"], req["conditions"], req["what_if"]) == (
        False, 41, 0, False
    )  # fmt: skip
    percent = _encoded(module, orderType="TRAIL", auxPrice=None, trailingPercent=2.5)
    assert (percent["aux_price"], percent["trailing_percent"]) == (None, 2.5)
    assert _encoded(module, whatIf=True)["what_if"] is True
    assert _encoded(module, algoStrategy="Adaptive")["algo"] == "Adaptive"


def test_trailing_terms():
    req = _encoded("ib_async")
    terms, refused = order_terms(req)
    assert refused is None
    assert terms == {
        "orderType": "TRAILLMT", "side": "SELL", "quantity": 3, "tif": "GTC",
        "trailingAmt": 1.5, "trailingType": "amt", "auxPrice": 180.0, "price": 179.75,
        "ocaGroup": "g1", "outsideRTH": True,
    }  # fmt: skip
    buy, _ = order_terms({**req, "action": "BUY"})
    assert buy["price"] == 180.25  # a buy's limit sits above its stop
    trail, _ = order_terms({**req, "order_type": "TRAIL", "aux_price": None,
                            "trailing_percent": 2.0, "trail_stop_price": None})  # fmt: skip
    assert (trail["orderType"], trail["trailingAmt"], trail["trailingType"]) == ("TRAIL", 2.0, "%")
    assert "price" not in trail and "auxPrice" not in trail  # Gatehouse starts it at the mark


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aux_price": None}, "trailing amount"),
        ({"lmt_price": 179.0}, "not both"),
        ({"oca_type": 2}, "OCA type 2 and 3"),
        ({"conditions": 1}, "conditions"),
        ({"what_if": True}, "What-if"),
        ({"algo": "Adaptive"}, "Algo"),
        ({"order_type": "MIT"}, "Order type MIT"),
    ],
)
def test_refused_terms_say_why(changes, reason):
    terms, refused = order_terms({**_encoded("ib_async"), **changes})
    assert terms == {} and refused is not None and reason in refused


def _book() -> OrderBook:
    return OrderBook(ContractBook(upstream=None), run="abc")  # type: ignore[arg-type]


def test_live_trailing_and_bracket_orders_as_tws_records():
    book = _book()
    base = {"conid": 265598, "ticker": "AAPL", "totalSize": 10.0, "filledQuantity": 0.0,
            "timeInForce": "GTC", "acct": "DU1"}  # fmt: skip
    parent = book.apply_view({**base, "orderId": 100, "order_ref": "tws-3-5-abc",
                              "orderType": "Limit", "price": "99.00", "side": "BUY",
                              "status": "Submitted"})  # fmt: skip
    child = book.apply_view({**base, "orderId": 101, "order_ref": "tws-3-7-abc",
                             "orderType": "TRAILLMT", "price": "98.90", "auxPrice": "99.00",
                             "trailingAmount": 1, "trailingType": "%", "side": "SELL",
                             "status": "PreSubmitted", "parentId": 100, "ocaGroup": "B100",
                             "outsideRTH": True})  # fmt: skip
    assert parent.parent_id == 0 and (child.parent_id, child.oca_group, child.oca_type) == (
        5, "B100", 1
    )  # fmt: skip
    assert (child.order_type, child.lmt_price, child.aux_price, child.trailing_percent) == (
        "TRAIL LIMIT", 98.9, None, 1.0
    )  # fmt: skip
    assert (child.trail_stop_price, child.lmt_price_offset, child.outside_rth) == (99.0, 0.1, True)
    trail = book.apply_view({**base, "orderId": 102, "order_ref": "tws-3-8-abc",
                             "orderType": "TRAIL", "price": "99.50", "trailingAmount": 0.5,
                             "trailingType": "amt", "side": "SELL",
                             "status": "PreSubmitted"})  # fmt: skip
    assert (trail.order_type, trail.aux_price, trail.trail_stop_price, trail.lmt_price) == (
        "TRAIL", 0.5, 99.5, None
    )  # fmt: skip


def _order(**changes: Any) -> ApiOrder:
    fields: dict[str, Any] = {
        "order_id": 7, "client_id": 3, "perm_id": 101, "contract": AAPL, "action": "SELL",
        "quantity": 10.0, "order_type": "TRAIL LIMIT", "lmt_price": 98.9, "aux_price": None,
        "tif": "GTC", "account": "DU1", "status": "PreSubmitted", "remaining": 10.0,
        "parent_id": 5, "oca_group": "B100", "oca_type": 1, "outside_rth": True,
        "trailing_percent": 1.0, "trail_stop_price": 99.0, "lmt_price_offset": 0.1,
    }  # fmt: skip
    fields.update(changes)
    return ApiOrder(**fields)


def test_open_and_completed_orders_carry_the_new_fields_to_both_clients():
    order = _order()
    [(name, (order_id, _, o, state))] = ib_async_decode(open_order(order))
    assert (name, order_id, state.status) == ("openOrder", 7, "PreSubmitted")
    assert (o.orderType, o.lmtPrice, o.trailingPercent, o.trailStopPrice) == (
        "TRAIL LIMIT", 98.9, 1.0, 99.0
    )  # fmt: skip
    assert (o.lmtPriceOffset, o.parentId, o.ocaGroup, o.ocaType, o.outsideRth) == (
        0.1, 5, "B100", 1, True
    )  # fmt: skip
    [(name, (order_id, _, o, state))] = ibapi_decode(open_order(order))
    assert (name, order_id, o.orderType, o.trailingPercent, o.trailStopPrice) == (
        "openOrder", 7, "TRAIL LIMIT", 1.0, 99.0
    )  # fmt: skip
    assert (o.lmtPriceOffset, o.parentId, o.ocaGroup, o.ocaType, o.outsideRth) == (
        0.1, 5, "B100", 1, True
    )  # fmt: skip

    done = _order(status="Cancelled", remaining=0.0, completed_status="Cancelled",
                  completed_time="20260105 14:30:00 UTC", order_type="TRAIL", aux_price=0.5,
                  trailing_percent=None, lmt_price=None, lmt_price_offset=None)  # fmt: skip
    for decoded in (ib_async_decode(completed_order(done)), ibapi_decode(completed_order(done))):
        [(name, (_, o, state))] = decoded
        assert (name, o.orderType, o.auxPrice, o.trailStopPrice) == (
            "completedOrder", "TRAIL", 0.5, 99.0
        )  # fmt: skip
        assert (o.ocaGroup, o.ocaType, o.outsideRth, state.status) == (
            "B100", 1, True, "Cancelled"
        )  # fmt: skip
