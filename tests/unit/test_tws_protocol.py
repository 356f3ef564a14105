"""TWS wire format: framing, the handshake, field text, and requests decoded exactly as the
real ib_async and ibapi clients encode them at server version 178."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tests.support.tws_clients import ib_async_request, ibapi_request, length

from gatehouse.clients.gateway.tws.messages import In
from gatehouse.clients.gateway.tws.protocol import (
    FrameReader,
    ProtocolError,
    field_text,
    frame,
    handshake_answer,
    negotiate,
    parse_version_range,
)
from gatehouse.clients.gateway.tws.requests import decode_request, unsupported_req_id


def test_frames_round_trip_even_when_split_byte_by_byte():
    data = frame([1, "a", None, True, 2.5]) + frame(["x"])
    reader = FrameReader()
    got = []
    for i in range(len(data)):
        got += reader.feed(data[i : i + 1])
    assert got == [["1", "a", "", "1", "2.5"], ["x"]]
    assert reader.pending == 0


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (length(b"abc"), "unterminated_field"),
        (length(b"\xff\xfe\0"), "bad_encoding"),
        (b"\0\0\0\0", "bad_length"),
        (b"\x7f\xff\xff\xff", "bad_length"),
    ],
)
def test_a_malformed_frame_is_a_protocol_error(payload, code):
    with pytest.raises(ProtocolError) as raised:
        FrameReader().feed(payload)
    assert raised.value.code == code


def test_field_text():
    assert [field_text(v) for v in (None, True, False, 10.0, 229.8, 7, Decimal("1E+2"))] == [
        "", "1", "0", "10", "229.8", "7", "100"
    ]  # fmt: skip
    assert field_text(float("nan")) == ""


def test_the_version_range_and_the_answer():
    assert parse_version_range(b"v157..178") == (157, 178, "")
    assert parse_version_range(b"v100..226 +PACEAPI") == (100, 226, "+PACEAPI")
    assert parse_version_range(b"v178") == (178, 178, "")
    for bad in (b"157..178", b"vX..178", b"v178..157", b"\xff"):
        with pytest.raises(ProtocolError):
            parse_version_range(bad)
    assert negotiate(157, 178) == 178 and negotiate(100, 226) == 178
    assert negotiate(100, 151) is None and negotiate(179, 200) is None
    answer = handshake_answer(178, datetime(2026, 1, 5, 14, 30, tzinfo=UTC))
    assert FrameReader().feed(answer) == [["178", "20260105 14:30:00 UTC"]]


def _aapl(module: str):  # type: ignore[no-untyped-def]
    if module == "ib_async":
        from ib_async import Stock

        return Stock("AAPL", "SMART", "USD")
    from ibapi.contract import Contract

    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
    return c


def _limit(module: str):  # type: ignore[no-untyped-def]
    if module == "ib_async":
        from ib_async import LimitOrder

        return LimitOrder("BUY", 5, 101.5, tif="GTC", orderRef="mine")
    from ibapi.order import Order

    o = Order()
    o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.tif = (
        "BUY",
        Decimal(5),
        "LMT",
        101.5,
        "GTC",
    )
    o.orderRef = "mine"
    return o


@pytest.mark.parametrize("module", ["ib_async", "ibapi"])
def test_place_order_is_decoded_as_the_clients_encode_it(module):
    capture = ib_async_request if module == "ib_async" else ibapi_request
    [fields] = capture(lambda c: c.placeOrder(42, _aapl(module), _limit(module)))
    msg_id, req = decode_request(fields)
    assert msg_id == In.PLACE_ORDER and req is not None
    assert req["order_id"] == 42 and req["contract"].symbol == "AAPL"
    assert req["contract"].sec_type == "STK" and req["contract"].exchange == "SMART"
    assert (req["action"], req["quantity"], req["order_type"]) == ("BUY", 5.0, "LMT")
    assert (req["lmt_price"], req["aux_price"], req["tif"]) == (101.5, None, "GTC")
    assert req["order_ref"] == "mine" and req["transmit"] is True and req["parent_id"] == 0


@pytest.mark.parametrize("module", ["ib_async", "ibapi"])
def test_requests_are_decoded_as_the_clients_encode_them(module):
    capture = ib_async_request if module == "ib_async" else ibapi_request
    aapl = _aapl(module)

    def send(c):  # type: ignore[no-untyped-def]
        c.reqMktData(3, aapl, "233", False, False, [])
        c.reqContractDetails(4, aapl)
        c.reqHistoricalData(5, aapl, "", "2 D", "5 mins", "TRADES", 1, 1, True, [])
        c.reqAccountSummary(6, "All", "NetLiquidation,BuyingPower")
        c.reqHeadTimeStamp(7, aapl, "TRADES", 1, 2)
        c.reqPnLSingle(8, "DU1", "", 265598)
        c.reqMatchingSymbols(9, "AA")
        c.reqCompletedOrders(False)
        c.reqAccountUpdates(True, "DU1")
        c.cancelMktData(3)

    decoded = [decode_request(f) for f in capture(send)]
    by_id = {msg_id: req for msg_id, req in decoded}
    assert by_id[In.REQ_MKT_DATA]["req_id"] == 3
    assert by_id[In.REQ_MKT_DATA]["generic_ticks"] == "233"
    assert by_id[In.REQ_CONTRACT_DATA]["contract"].symbol == "AAPL"
    history = by_id[In.REQ_HISTORICAL_DATA]
    assert (history["duration"], history["bar_size"], history["what"]) == (
        "2 D",
        "5 mins",
        "TRADES",
    )
    assert history["keep_up_to_date"] is True and history["format_date"] == 1
    assert by_id[In.REQ_ACCOUNT_SUMMARY]["tags"] == "NetLiquidation,BuyingPower"
    assert by_id[In.REQ_HEAD_TIMESTAMP]["format_date"] == 2
    assert by_id[In.REQ_PNL_SINGLE] == {
        "req_id": 8,
        "account": "DU1",
        "model": "",
        "con_id": 265598,
    }
    assert by_id[In.REQ_MATCHING_SYMBOLS] == {"req_id": 9, "pattern": "AA"}
    assert by_id[In.REQ_COMPLETED_ORDERS] == {"flag": False}
    assert by_id[In.REQ_ACCT_DATA] == {"subscribe": True, "account": "DU1"}
    assert by_id[In.CANCEL_MKT_DATA] == {"req_id": 3}


def test_unsupported_requests_are_named_and_keep_their_request_id():
    [fields] = ib_async_request(
        lambda c: c.reqRealTimeBars(11, _aapl("ib_async"), 5, "TRADES", True, [])
    )
    assert decode_request(fields) == (In.REQ_REAL_TIME_BARS, None)
    assert unsupported_req_id(fields) == 11
    assert decode_request(["999", "1"]) == (999, None) and unsupported_req_id(["999"]) == -1


def test_a_short_or_bad_request_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        decode_request(["61"])  # reqPositions without its version
    with pytest.raises(ProtocolError):
        decode_request(["8", "1", "many"])  # reqIds: not a number
    with pytest.raises(ProtocolError):
        decode_request(["x"])
