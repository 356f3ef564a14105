"""Every message the TWS server sends is decoded by the real ib_async and ibapi decoders at
server version 178 into the values it was given."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.tws_clients import ib_async_decode, ibapi_decode

from gatehouse.clients.gateway.tws import encode
from gatehouse.clients.gateway.tws.encode_orders import completed_order, open_order
from gatehouse.clients.gateway.tws.messages import Tick
from gatehouse.clients.gateway.tws.model import ApiExecution, ApiOrder, Contract

AAPL = Contract(
    con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", primary_exchange="NASDAQ",
    currency="USD", local_symbol="AAPL", trading_class="NMS", long_name="Apple Inc",
    category="Common Stock", valid_exchanges="SMART,NASDAQ",
)  # fmt: skip


def _order(**changes: Any) -> ApiOrder:
    fields: dict[str, Any] = {
        "order_id": 12, "client_id": 7, "perm_id": 1234567890, "contract": AAPL,
        "action": "BUY", "quantity": 10.0, "order_type": "LMT", "lmt_price": 101.5,
        "aux_price": None, "tif": "GTC", "account": "DU1", "order_ref": "bot",
        "status": "Submitted", "filled": 4.0, "remaining": 6.0, "avg_fill_price": 101.25,
    }  # fmt: skip
    fields.update(changes)
    return ApiOrder(**fields)


def both(message: list[Any]) -> tuple[list[Any], list[Any]]:
    """(ib_async's calls, ibapi's calls) for one message; neither reports a bad message."""
    ours, theirs = ib_async_decode(message), ibapi_decode(message)
    assert not [c for c in theirs if c[0] == "error" and c[1][2] == 505], theirs  # BAD_MESSAGE
    return ours, theirs


def test_open_order_and_order_status():
    order = _order()
    [(name, (order_id, contract, o, state))] = ib_async_decode(open_order(order))
    assert name == "openOrder" and order_id == 12 and contract.conId == 265598
    assert (o.action, o.totalQuantity, o.orderType, o.lmtPrice) == ("BUY", 10.0, "LMT", 101.5)
    assert (o.tif, o.account, o.orderRef, o.clientId, o.permId) == (
        "GTC",
        "DU1",
        "bot",
        7,
        1234567890,
    )
    assert o.whatIf is False and state.status == "Submitted"
    [(name, (order_id, contract, o, state))] = ibapi_decode(open_order(order))
    assert name == "openOrder" and order_id == 12 and contract.symbol == "AAPL"
    assert (o.permId, o.lmtPrice, str(o.totalQuantity), state.status) == (
        1234567890,
        101.5,
        "10",
        "Submitted",
    )

    ours, theirs = both(encode.order_status(order))
    assert ours == [
        ("orderStatus", (12, "Submitted", 4.0, 6.0, 101.25, 1234567890, 0, 0.0, 7, "", 0.0))
    ]
    assert theirs[0][0] == "orderStatus" and theirs[0][1][:2] == (12, "Submitted")


def test_a_stop_limit_order_and_a_completed_order():
    stop = _order(order_type="STP LMT", lmt_price=99.0, aux_price=100.0)
    [(_, (_, _, o, _))] = ib_async_decode(open_order(stop))
    assert (o.orderType, o.lmtPrice, o.auxPrice) == ("STP LMT", 99.0, 100.0)
    done = _order(
        status="Filled", filled=10.0, remaining=0.0, completed_status="Filled",
        completed_time="20260105 14:30:00 UTC",
    )  # fmt: skip
    ours, theirs = both(completed_order(done))
    [(name, (contract, o, state))] = ours
    assert name == "completedOrder" and contract.conId == 265598 and o.permId == 1234567890
    assert (state.status, state.completedStatus, o.filledQuantity) == ("Filled", "Filled", 10.0)
    [(name, (contract, o, state))] = theirs
    assert name == "completedOrder" and state.completedTime == "20260105 14:30:00 UTC"


def test_execution_and_commission():
    fill = ApiExecution(
        exec_id="e1", order_id=12, client_id=7, perm_id=1234567890, contract=AAPL,
        time="20260105 14:30:00 UTC", account="DU1", exchange="NASDAQ", side="BOT", shares=10.0,
        price=229.8, cum_qty=10.0, avg_price=229.8, order_ref="bot", commission=1.0,
    )  # fmt: skip
    ours, theirs = both(encode.exec_details(-1, fill))
    [(name, (req_id, contract, execution))] = ours
    assert (name, req_id, contract.conId) == ("execDetails", -1, 265598)
    assert (execution.execId, execution.side, execution.shares, execution.permId) == (
        "e1",
        "BOT",
        10.0,
        1234567890,
    )
    assert execution.time.year == 2026
    assert theirs[0][0] == "execDetails" and theirs[0][1][2].execId == "e1"
    ours, theirs = both(encode.commission_report(fill))
    assert ours[0][1][0].commission == 1.0 and ours[0][1][0].execId == "e1"
    assert theirs[0][0] == "commissionAndFeesReport" and theirs[0][1][0].commissionAndFees == 1.0


def test_contract_details_and_symbols():
    ours, theirs = both(encode.contract_data(5, AAPL))
    [(name, (req_id, details))] = ours
    assert (name, req_id, details.contract.conId, details.longName) == (
        "contractDetails",
        5,
        265598,
        "Apple Inc",
    )
    assert details.contract.primaryExchange == "NASDAQ" and details.minTick == 0.01
    assert theirs[0][1][1].contract.conId == 265598 and theirs[0][1][1].stockType == "COMMON"
    ours, theirs = both(encode.symbol_samples(6, [AAPL]))
    assert ours[0][1][1][0].contract.conId == 265598
    assert theirs[0][1][1][0].contract.symbol == "AAPL"


def test_account_and_position_messages():
    for message, name in [
        (encode.position("DU1", AAPL, 10.0, 229.9), "position"),
        (
            encode.portfolio_value(AAPL, 10.0, 230.0, 2300.0, 229.9, 1.0, 0.0, "DU1"),
            "updatePortfolio",
        ),
        (encode.account_value("NetLiquidation", "1000000.00", "USD", "DU1"), "updateAccountValue"),
        (encode.account_summary(3, "DU1", "NetLiquidation", "1000000.00", "USD"), "accountSummary"),
        (
            encode.account_update_multi(4, "DU1", "NetLiquidation", "1.00", "USD"),
            "accountUpdateMulti",
        ),
        (encode.position_multi(5, "DU1", AAPL, 10.0, 229.9), "positionMulti"),
        (encode.pnl(6, 1.0, 2.0, 3.0), "pnl"),
        (encode.pnl_single(7, 10.0, 1.0, 2.0, 3.0, 2300.0), "pnlSingle"),
        (encode.managed_accounts(["DU1"]), "managedAccounts"),
        (encode.next_valid_id(8), "nextValidId"),
        (encode.current_time(1767623400), "currentTime"),
        (encode.account_time("14:30"), "updateAccountTime"),
        (encode.account_download_end("DU1"), "accountDownloadEnd"),
        (encode.position_end(), "positionEnd"),
        (encode.open_order_end(), "openOrderEnd"),
        (encode.completed_orders_end(), "completedOrdersEnd"),
        (encode.account_summary_end(3), "accountSummaryEnd"),
        (encode.exec_details_end(3), "execDetailsEnd"),
        (encode.contract_data_end(3), "contractDetailsEnd"),
        (encode.error(-1, 2104, "Market data farm connection is OK:usfarm"), "error"),
    ]:
        ours, theirs = both(message)
        assert [c[0] for c in ours] == [name], message
        assert name in [c[0] for c in theirs], message
    [(_, (contract, position, *_))] = ib_async_decode(
        encode.portfolio_value(AAPL, 10.0, 230.0, 2300.0, 229.9, 1.0, 0.0, "DU1")
    )
    assert contract.primaryExchange == "NASDAQ" and position == 10.0


@pytest.mark.parametrize(
    ("message", "ib_async_name"),
    [
        (encode.tick_price(1, Tick.BID, 229.78, 300.0), "priceSizeTick"),
        (encode.tick_size(1, Tick.VOLUME, 12000.0), "tickSize"),
        (encode.tick_string(1, Tick.LAST_TIMESTAMP, "1767623400"), "tickString"),
        (encode.tick_generic(1, Tick.HALTED, 0.0), "tickGeneric"),
        (encode.market_data_type(1, 1), "marketDataType"),
        (encode.tick_req_params(1, 0.01, "SMART", 3), "tickReqParams"),
        (encode.tick_snapshot_end(1), "tickSnapshotEnd"),
        (encode.head_timestamp(2, "20110105-14:30:00"), "headTimestamp"),
        (
            encode.historical_data_update(
                3, ("20260105 14:30:00 UTC", 1.0, 2.0, 0.5, 1.5, 100.0, 1.3, 1)
            ),
            "historicalDataUpdate",
        ),
    ],
)
def test_market_data_messages(message, ib_async_name):
    ours, theirs = both(message)
    assert ours and ours[0][0] == ib_async_name
    assert theirs


def test_historical_bars():
    bars = [("20260105 14:30:00 UTC", 1.0, 2.0, 0.5, 1.5, 100.0, 1.3, 1)] * 3
    ours, theirs = both(
        encode.historical_data(4, "20260104 14:30:00 UTC", "20260105 14:35:00 UTC", bars)
    )
    assert [c[0] for c in ours] == ["historicalData"] * 3 + ["historicalDataEnd"]
    assert ours[0][1][1].close == 1.5 and ours[0][1][1].date == "20260105 14:30:00 UTC"
    assert [c[0] for c in theirs] == ["historicalData"] * 3 + ["historicalDataEnd"]
