"""Pure mappings of the TWS server: history durations, bar sizes and end times; account
summary tags; order ids in cOIDs; Gatehouse's live orders and executions as TWS records."""

from __future__ import annotations

import pytest

from gatehouse.clients.gateway.tws import accounts, history
from gatehouse.clients.gateway.tws.book import OrderBook, parse_ref
from gatehouse.clients.gateway.tws.contracts import ContractBook


def test_durations_bar_sizes_and_end_times():
    assert [history.period(d) for d in ("60 S", "90 S", "2 D", "1 W", "3 M", "1 Y")] == [
        "1min", "2min", "2d", "1w", "3m", "1y"
    ]  # fmt: skip
    assert history.bar_size("5 mins") == "5min" and history.bar_size("1  hour") == "1h"
    assert history.end_time("") == ""
    assert history.end_time("20260105 16:00:00 US/Eastern") == "20260105-21:00:00"
    assert history.end_time("20260105-21:00:00") == "20260105-21:00:00"
    assert history.end_time("20260105 21:00:00 UTC") == "20260105-21:00:00"
    for bad in (lambda: history.period("2 X"), lambda: history.period("D"),
                lambda: history.bar_size("1 secs"), lambda: history.end_time("yesterday"),
                lambda: history.end_time("20260105 16:00:00 Mars/Base")):  # fmt: skip
        with pytest.raises(history.HistoryError):
            bad()


def test_bars_carry_dates_as_asked():
    found = {"data": [{"o": 1.0, "h": 2.0, "l": 0.5, "c": 1.5, "v": 100, "t": 1767623400000}]}
    [bar] = history.bars_from(found, 1, daily=False)
    assert bar == ("20260105 14:30:00 UTC", 1.0, 2.0, 0.5, 1.5, 100.0, 1.3333, 1)
    assert history.bars_from(found, 2, daily=False)[0][0] == "1767623400"
    assert history.bars_from(found, 1, daily=True)[0][0] == "20260105"
    assert history.bars_from({"error": "No data."}, 1, daily=False) == []


def test_summary_tags():
    figures = accounts.flatten(
        {
            "netliquidation": {"amount": 1000.5, "value": None},
            "accounttype": {"amount": 0.0, "value": "MARGIN"},
            "leverage-s": {"amount": 0.25, "value": None},
            "totalcashvalue": {"amount": 900.0, "value": None},
        }
    )
    rows = accounts.summary_rows(figures, "AccountType,NetLiquidation,Leverage,Bogus,$LEDGER:ALL")
    assert ("AccountType", "MARGIN", "") in rows and ("NetLiquidation", "1000.5", "USD") in rows
    assert ("Leverage", "0.25", "") in rows and not [r for r in rows if r[0] == "Bogus"]
    assert ("CashBalance", "900.0", "BASE") in rows and ("CashBalance", "900.0", "USD") in rows
    event = accounts.flatten(
        {"netliquidation": "1000.50", "acctId": "DU1", "daytradesremaining": -1}
    )
    assert accounts.summary_rows(event, "NetLiquidation,DayTradesRemaining") == [
        ("NetLiquidation", "1000.50", "USD"), ("DayTradesRemaining", "-1", "")
    ]  # fmt: skip


def test_order_refs_and_records():
    book = OrderBook(ContractBook(upstream=None), run="abc")  # type: ignore[arg-type]
    assert book.ref_for(7, 12) == "tws-7-12-abc"
    assert parse_ref("tws-7-12-abc") == (7, 12) and parse_ref("bot-1") is None
    view = {
        "orderId": 1234567890, "order_ref": "tws-7-12-abc", "conid": 265598, "ticker": "AAPL",
        "listingExchange": "NASDAQ", "orderType": "Stop Limit", "price": "99.00",
        "auxPrice": "100.00", "totalSize": 10.0, "filledQuantity": 4.0, "status": "Submitted",
        "side": "SELL", "timeInForce": "GTC", "acct": "DU1", "avgPrice": "99.5000",
    }  # fmt: skip
    order = book.apply_view(view)
    assert (order.client_id, order.order_id, order.perm_id) == (7, 12, 1234567890)
    assert (order.order_type, order.lmt_price, order.aux_price) == ("STP LMT", 99.0, 100.0)
    assert (order.filled, order.remaining, order.avg_fill_price) == (4.0, 6.0, 99.5)
    assert book.get(7, 12) is order and book.next_id(7) == 13 and book.next_id(8) == 1
    web = book.apply_view({**view, "orderId": 42, "order_ref": None, "status": "Filled"})
    assert (web.client_id, web.order_id, web.remaining) == (0, 0, 0.0)

    first = {
        "execution_id": "e1", "order_id": 1234567890, "conid": 265598, "symbol": "AAPL",
        "side": "S", "size": 3.0, "price": "99.00", "commission": "1.00",
        "trade_time_r": 1767623400000, "order_ref": "tws-7-12-abc", "account": "DU1",
    }  # fmt: skip
    _, one = book.apply_execution(first)
    _, two = book.apply_execution({**first, "execution_id": "e2", "size": 1.0, "price": "101.00"})
    assert (one.side, one.cum_qty, one.avg_price, one.time) == (
        "SLD",
        3.0,
        99.0,
        "20260105 14:30:00 UTC",
    )
    assert (two.cum_qty, two.avg_price, two.order_id, two.client_id) == (4.0, 99.5, 12, 7)
    _, again = book.apply_execution(first)  # reqExecutions reads it again: the same record
    assert again is one
