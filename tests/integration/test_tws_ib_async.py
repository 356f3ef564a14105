"""The TWS API with the real ib_async client against a real Gatehouse server: connect,
account, positions, contracts, market data, orders (fill, modify, cancel), orders placed
elsewhere, history."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from ib_async import IB, LimitOrder, MarketOrder, Order, Stock, StopLimitOrder, StopOrder
from tests.support.sync import EVENTUALLY
from tests.support.trading import AAPL, trader
from tests.support.tws import DeafUpstream, Restartable, tws_server

from gatehouse.api.app import create_app
from gatehouse.clients.gateway.tws.upstream import LOST, RESTORED_DATA_LOST, UpstreamEvent


@pytest.fixture
def backend() -> str:
    return "sqlite"


async def until(condition, timeout: float = EVENTUALLY) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_ib_async_connects_and_trades(client, base_url, alice, clock, caplog):
    t = await trader(client, alice, clock)
    caplog.set_level(logging.INFO, logger="ib_async")
    async with tws_server(base_url, t.token) as (_server, port):
        ib = IB()
        await ib.connectAsync("127.0.0.1", port, clientId=7, timeout=15)
        try:
            assert ib.isConnected()
            assert ib.managedAccounts() == [t.account]
            assert not [r for r in caplog.records if "timed out" in r.getMessage()]
            summary = await ib.accountSummaryAsync()
            tags = {v.tag: v.value for v in summary}
            assert float(tags["NetLiquidation"]) > 0 and tags["AccountType"]
            [aapl] = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
            assert aapl.conId == AAPL
            ticker = ib.reqMktData(aapl)
            await until(lambda: ticker.bid == ticker.bid and ticker.bid > 0)
            trade = ib.placeOrder(aapl, MarketOrder("BUY", 10))
            reports = []
            trade.commissionReportEvent += lambda *args: reports.append(args)
            await until(lambda: trade.orderStatus.status == "Filled" and reports)
            await until(lambda: any(p.contract.conId == AAPL for p in ib.positions()))
            [position] = ib.positions()
            assert position.position == 10
            await until(lambda: len(ib.portfolio()) == 1)
            limit = ib.placeOrder(aapl, LimitOrder("BUY", 5, 100.0, tif="GTC"))
            await until(lambda: limit.orderStatus.status == "Submitted")
            limit.order.lmtPrice = 101.0
            ib.placeOrder(aapl, limit.order)
            path = f"iserver/account/order/status/{limit.order.permId}"

            async def limit_price() -> str:
                return str((await t.get(path)).json()["limit_price"])

            async with asyncio.timeout(5):
                while await limit_price() != "101.00":
                    await asyncio.sleep(0.02)
            ib.cancelOrder(limit.order)
            await until(lambda: limit.orderStatus.status == "Cancelled")
            bars = await ib.reqHistoricalDataAsync(aapl, "", "1 D", "5 mins", "TRADES", True)
            assert bars and bars[-1].close > 0
        finally:
            ib.disconnect()


async def test_client_zero_sees_orders_placed_elsewhere(client, base_url, alice, clock):
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token) as (_server, port):
        ib0, ib5 = IB(), IB()
        await ib0.connectAsync("127.0.0.1", port, clientId=0, timeout=15)
        await ib5.connectAsync("127.0.0.1", port, clientId=5, timeout=15)
        try:
            web = await t.order(
                conid=AAPL, side="BUY", quantity=3, orderType="LMT", price=150, tif="GTC"
            )
            perm_id = int(web["order_id"])
            await until(lambda: any(tr.order.permId == perm_id for tr in ib0.openTrades()))
            [seen] = [tr for tr in ib0.openTrades() if tr.order.permId == perm_id]
            assert (seen.order.action, seen.order.totalQuantity, seen.order.lmtPrice) == (
                "BUY", 3.0, 150.0
            )  # fmt: skip
            assert seen.contract.conId == AAPL and seen.orderStatus.status == "Submitted"
            assert not any(tr.order.permId == perm_id for tr in ib5.openTrades())

            [aapl] = await ib5.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
            mine = ib5.placeOrder(aapl, LimitOrder("SELL", 1, 400.0, tif="GTC"))
            await until(lambda: mine.orderStatus.status == "Submitted")
            await until(
                lambda: any(tr.order.orderId == mine.order.orderId for tr in ib0.openTrades())
            )

            open_all = await ib5.reqAllOpenOrdersAsync()
            assert {tr.order.permId for tr in open_all} >= {perm_id, mine.order.permId}
            ib5.reqGlobalCancel()
            await until(lambda: mine.orderStatus.status == "Cancelled")
            await until(lambda: not ib0.openTrades())
            done = await ib5.reqCompletedOrdersAsync(apiOnly=False)
            assert {tr.order.permId for tr in done} >= {perm_id, mine.order.permId}
        finally:
            ib0.disconnect()
            ib5.disconnect()


async def test_executions_pnl_symbols_and_live_bars(client, base_url, alice, clock):
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token) as (_server, port):
        ib = IB()
        await ib.connectAsync("127.0.0.1", port, clientId=9, timeout=15)
        try:
            [aapl] = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
            trade = ib.placeOrder(aapl, MarketOrder("BUY", 4))
            await until(lambda: trade.orderStatus.status == "Filled")
            fills = await ib.reqExecutionsAsync()
            assert [f.execution.shares for f in fills] == [4.0]
            assert fills[0].execution.permId == trade.order.permId
            assert [f.commissionReport.commission for f in ib.fills()] == [1.0]

            pnl = ib.reqPnL(t.account)
            await until(lambda: pnl.unrealizedPnL == pnl.unrealizedPnL)  # not NaN: arrived
            single = ib.reqPnLSingle(t.account, "", AAPL)
            await until(lambda: single.position == 4)
            # opened today: measured from the fill, commission included (never 0)
            listed = await t.get(f"portfolio/{t.account}/positions/0")
            [row] = [r for r in listed.json() if r["conid"] == AAPL]
            assert row["dailyPnl"] != 0
            assert single.dailyPnL == pytest.approx(row["dailyPnl"])

            found = await ib.reqMatchingSymbolsAsync("AAP")
            assert found and found[0].contract.conId == AAPL
            head = await ib.reqHeadTimeStampAsync(aapl, "TRADES", True, 1)
            assert head.year < clock.now().year

            snapshot = ib.reqMktData(aapl, snapshot=True)
            await until(lambda: snapshot.last == snapshot.last and snapshot.last > 0)

            bars = await ib.reqHistoricalDataAsync(
                aapl, "", "3600 S", "1 min", "TRADES", True, keepUpToDate=True
            )
            assert bars
            updates = []
            bars.updateEvent += lambda bars, new_bar: updates.append(new_bar)
            clock.advance(60)  # the market moves on a minute: a new bar
            await until(lambda: updates)
            assert updates[-1] is True and bars[-1].date > bars[-2].date
            ib.cancelHistoricalData(bars)
        finally:
            ib.disconnect()


async def test_losing_and_regaining_the_server_gives_1100_then_1102(runtime, alice, clock):
    gatehouse = Restartable(create_app(runtime, close_runtime=False))
    await gatehouse.start()
    try:
        async with httpx.AsyncClient(base_url=gatehouse.url, timeout=30) as http:
            t = await trader(http, alice, clock)
        async with tws_server(gatehouse.url, t.token) as (_server, port):
            ib = IB()
            codes: list[int] = []
            ib.errorEvent += lambda req_id, code, *rest: codes.append(code)
            await ib.connectAsync("127.0.0.1", port, clientId=1, timeout=15)
            try:
                [aapl] = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
                ticker = ib.reqMktData(aapl)
                await until(lambda: ticker.last == ticker.last and ticker.last > 0)

                await gatehouse.stop()
                await until(lambda: 1100 in codes)
                await gatehouse.start()
                await until(lambda: 1102 in codes, timeout=15)
                assert codes.index(1100) < codes.index(1102)

                seen = ticker.time
                clock.advance(5)  # the market moves: the same subscription ticks again
                await until(lambda: ticker.time != seen)
            finally:
                ib.disconnect()
    finally:
        await gatehouse.stop()


async def test_order_types_and_refusals(client, base_url, alice, clock, caplog):
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token) as (_server, port):
        ib = IB()
        errors: list[tuple[int, int]] = []
        ib.errorEvent += lambda req_id, code, *rest: errors.append((req_id, code))
        await ib.connectAsync("127.0.0.1", port, clientId=4, timeout=15)
        try:
            [aapl] = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"))
            assert await ib.qualifyContractsAsync(Stock("NOSUCH", "SMART", "USD")) == [None]
            assert "Error 200" in caplog.text

            stop = ib.placeOrder(aapl, StopOrder("BUY", 2, 400.0, tif="GTC"))
            stop_limit = ib.placeOrder(aapl, StopLimitOrder("BUY", 2, 401.0, 400.0, tif="GTC"))
            await until(lambda: stop.orderStatus.status == "PreSubmitted")
            await until(lambda: stop_limit.orderStatus.status == "PreSubmitted")
            [row] = [
                tr
                for tr in await ib.reqOpenOrdersAsync()
                if tr.order.permId == stop_limit.order.permId
            ]
            assert (row.order.orderType, row.order.lmtPrice, row.order.auxPrice) == (
                "STP LMT", 401.0, 400.0
            )  # fmt: skip

            ioc = ib.placeOrder(aapl, LimitOrder("BUY", 2, 100.0, tif="IOC"))
            await until(lambda: ioc.orderStatus.status in ("Cancelled", "Inactive"))

            trail = Order(action="BUY", totalQuantity=1, orderType="TRAIL")  # no trail amount
            trailing = ib.placeOrder(aapl, trail)
            await until(lambda: (trailing.order.orderId, 201) in errors)

            broke = ib.placeOrder(aapl, MarketOrder("BUY", 100_000))  # far beyond the funds
            await until(lambda: (broke.order.orderId, 201) in errors)

            filled = ib.placeOrder(aapl, MarketOrder("BUY", 1))
            await until(lambda: filled.orderStatus.status == "Filled")
            ib.client.placeOrder(filled.order.orderId, aapl, MarketOrder("BUY", 1))
            await until(lambda: (filled.order.orderId, 103) in errors)

            bad = await ib.reqHistoricalDataAsync(aapl, "", "1 D", "1 secs", "TRADES", True)
            assert len(bad) == 0
            await until(lambda: "Error 162" in caplog.text)  # a failed request: logged only
        finally:
            ib.disconnect()


async def test_missed_events_are_made_good_after_1101(client, base_url, alice, clock):
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token, upstream=DeafUpstream) as (server, port):
        ib0 = IB()
        codes: list[int] = []
        ib0.errorEvent += lambda req_id, code, *rest: codes.append(code)
        await ib0.connectAsync("127.0.0.1", port, clientId=0, timeout=15)
        try:
            upstream = server.upstream
            assert isinstance(upstream, DeafUpstream)
            upstream.deaf = True
            await server.on_event(UpstreamEvent(LOST))
            web = await t.order(
                conid=AAPL, side="BUY", quantity=2, orderType="LMT", price=150, tif="GTC"
            )
            await until(lambda: "order.submitted" in upstream.dropped)
            assert not ib0.openTrades()  # the gateway never heard of it

            upstream.deaf = False
            await server.on_event(UpstreamEvent(RESTORED_DATA_LOST))
            await until(lambda: 1101 in codes)
            await until(
                lambda: [tr.order.permId for tr in ib0.openTrades()] == [int(web["order_id"])]
            )
            assert codes.index(1100) < codes.index(1101)
        finally:
            ib0.disconnect()
