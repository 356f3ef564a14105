"""The TWS API with the real ib_async client against a real Gatehouse server: connect,
account, positions, contracts, market data, orders (fill, modify, cancel), orders placed
elsewhere, history."""

from __future__ import annotations

import asyncio
import logging

import pytest
from ib_async import IB, LimitOrder, MarketOrder, Stock
from tests.support.trading import AAPL, trader
from tests.support.tws import tws_server


@pytest.fixture
def backend() -> str:
    return "sqlite"


async def until(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_ib_async_connects_and_trades(client, base_url, alice, clock, caplog):
    t = await trader(client, alice, clock)
    caplog.set_level(logging.INFO, logger="ib_async")
    async with tws_server(base_url, t.token) as (_server, port):
        ib = IB()
        await ib.connectAsync("127.0.0.1", port, clientId=7, timeout=5)
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
