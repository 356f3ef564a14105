"""Parsing IBKR order bodies: key mapping, aliases and clear rejections of anything unsupported."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.order_requests import (
    OrderRequest,
    order_from_request,
    parse_order_request,
)
from gatehouse.domain.trading.orders import OrderStatus, OrderType, Side, TimeInForce

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_ibind_style_limit_order() -> None:
    request = parse_order_request(
        {
            "conid": 265598,
            "side": "BUY",
            "quantity": 10,
            "orderType": "LMT",
            "price": 190.5,
            "tif": "GTC",
            "cOID": "my-order-1",
            "acctId": "DU123",
            "outsideRTH": False,
        }
    )
    assert request == OrderRequest(
        conid=265598,
        side=Side.BUY,
        order_type=OrderType.LMT,
        quantity=Decimal(10),
        limit_price=Decimal("190.5"),
        stop_price=None,
        tif=TimeInForce.GTC,
        client_order_id="my-order-1",
        account_id="DU123",
    )


def test_market_order_defaults_to_day() -> None:
    request = parse_order_request(
        {"conidex": "756733@SMART", "side": "sell", "quantity": 5, "orderType": "MKT"}
    )
    assert (request.conid, request.side, request.order_type) == (756733, Side.SELL, OrderType.MKT)
    assert request.tif is TimeInForce.DAY
    assert request.limit_price is None and request.stop_price is None


def test_none_values_count_as_absent() -> None:
    request = parse_order_request(
        {"conid": "265598", "side": "BUY", "quantity": 1, "orderType": "MKT", "price": None}
    )
    assert request.conid == 265598


def test_stop_price_travels_in_price_for_stp() -> None:
    body = {"conid": 265598, "side": "SELL", "quantity": 1, "orderType": "STP", "price": 180}
    assert parse_order_request(body).stop_price == Decimal(180)
    body = {"conid": 265598, "side": "SELL", "quantity": 1, "orderType": "STP", "auxPrice": 180}
    assert parse_order_request(body).stop_price == Decimal(180)
    with pytest.raises(InvalidInput):
        parse_order_request({**body, "price": 181})


@pytest.mark.parametrize("name", ["STP_LIMIT", "STOP_LIMIT", "stp_limit"])
def test_stop_limit_takes_limit_in_price_and_stop_in_aux_price(name: str) -> None:
    request = parse_order_request(
        {
            "conid": 265598,
            "side": "BUY",
            "quantity": 3,
            "orderType": name,
            "price": "201.00",
            "auxPrice": "200.00",
        }
    )
    assert request.order_type is OrderType.STP_LIMIT
    assert (request.limit_price, request.stop_price) == (Decimal("201.00"), Decimal("200.00"))


BASE = {"conid": 265598, "side": "BUY", "quantity": 10, "orderType": "LMT", "price": 190}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"orderType": "MOC"}, "not supported; use MKT, LMT, STP, STP_LIMIT, TRAIL or TRAILLMT"),
        ({"orderType": "TRAIL"}, "needs 'trailingAmt' and 'trailingType'"),
        ({"orderType": "TRAILLMT", "trailingAmt": 1}, "needs 'trailingAmt' and 'trailingType'"),
        ({"orderType": "TRAIL", "trailingAmt": 0, "trailingType": "amt"}, "greater than 0"),
        ({"orderType": "TRAIL", "trailingAmt": 1, "trailingType": "pct"}, "'amt' or '%'"),
        ({"orderType": "TRAIL", "trailingAmt": 60, "trailingType": "%"}, "below 50%"),
        (
            {"orderType": "TRAIL", "trailingAmt": 1, "trailingType": "amt", "auxPrice": 3},
            "initial stop price in 'price' only",
        ),
        ({"trailingAmt": 1, "trailingType": "amt"}, "cannot have a trailing amount"),
        ({"outsideRTH": "yes"}, "'outsideRTH' must be true or false"),
        ({"orderType": "MKT", "price": None, "outsideRTH": True}, "Only limit orders"),
        ({"parentId": 1.5}, "'parentId' must be the cOID"),
        ({"ocaGroup": ""}, "1 to 48 characters"),
        ({"isSingleGroup": 1}, "'isSingleGroup' must be true or false"),
        ({"orderType": None}, "needs an 'orderType'"),
        ({"tif": "OPG"}, "use DAY, GTC or IOC"),
        ({"side": "HOLD"}, "BUY or SELL"),
        ({"side": None}, "BUY or SELL"),
        ({"side": 1}, "must be a string"),
        ({"quantity": None}, "needs a 'quantity'"),
        ({"quantity": True}, "must be a number"),
        ({"quantity": "ten"}, "must be a number"),
        ({"quantity": "5"}, "must be a number"),  # a quantity is a JSON number, never text
        ({"quantity": float("inf")}, "finite"),
        ({"quantity": 1e308}, "out of range"),
        ({"quantity": 10**30}, "out of range"),
        ({"quantity": 1e-308}, "out of range"),
        ({"price": "1e400"}, "out of range"),
        ({"conid": 2**70}, "positive contract id"),
        ({"quantity": 1.5}, "whole number"),
        ({"quantity": 0}, "whole number"),
        ({"price": None}, "needs a limit price"),
        ({"price": 0}, "greater than 0"),
        ({"price": "190.123456"}, "4 decimal places"),
        ({"auxPrice": 5}, "cannot have a stop price"),
        ({"orderType": "MKT"}, "MKT order cannot have a limit price"),
        ({"conid": None}, "needs a 'conid'"),
        ({"conid": "AAPL"}, "integer contract id"),
        ({"conid": True}, "integer contract id"),
        ({"conid": 0}, "positive contract id"),
        ({"conidex": "8314@SMART"}, "different contracts"),
        ({"conidex": "x@SMART"}, "conidex"),
        ({"cOID": 12}, "'cOID' must be a string"),
        ({"cOID": ""}, "1 to 64 characters"),
        ({"acctId": 5}, "'acctId' must be a string"),
    ],
)
def test_rejections(changes: dict[str, object], message: str) -> None:
    body = {**BASE, **changes}
    with pytest.raises(InvalidInput) as raised:
        parse_order_request(body)
    assert message in raised.value.message


def test_market_order_with_aux_price_is_refused() -> None:
    with pytest.raises(InvalidInput, match="stop price"):
        parse_order_request({**BASE, "orderType": "MKT", "price": None, "auxPrice": 3})


def test_order_from_request() -> None:
    request = parse_order_request({**BASE, "cOID": "c-1"})
    o = order_from_request(request, order_id="o-9", account_id="DU1", now=NOW)
    assert o.status is OrderStatus.PENDING_SUBMIT
    assert (o.order_id, o.account_id, o.conid, o.client_order_id) == ("o-9", "DU1", 265598, "c-1")
    assert o.limit_price == Decimal(190) and o.quantity == 10
