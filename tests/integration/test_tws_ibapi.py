"""The TWS API with IBKR's official Python client (``ibapi``, the stable channel on PyPI),
threaded as its users run it, against a real Gatehouse server: connect, contract details,
market data, a market order filled with its execution and commission, positions, the
account summary, a limit order modified and cancelled, historical bars; a bracket and a
trailing stop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from ibapi.client import EClient
from ibapi.contract import Contract
from ibapi.order import Order
from ibapi.order_cancel import OrderCancel
from ibapi.wrapper import EWrapper
from tests.support.sync import EVENTUALLY
from tests.support.trading import AAPL, ScriptedMarket, trader
from tests.support.tws import tws_server


@pytest.fixture
def backend() -> str:
    return "sqlite"


class App(EWrapper, EClient):  # type: ignore[misc]
    """An ibapi program: every callback is recorded as (name, arguments)."""

    def __init__(self) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, self)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.lock = threading.Lock()

    def _record(self, name: str, *args: Any) -> None:
        with self.lock:
            self.calls.append((name, args))

    def seen(self, name: str) -> list[tuple[Any, ...]]:
        with self.lock:
            return [args for n, args in self.calls if n == name]

    def nextValidId(self, orderId: int) -> None:
        self._record("nextValidId", orderId)

    def managedAccounts(self, accountsList: str) -> None:
        self._record("managedAccounts", accountsList)

    def error(
        self, reqId: int, errorTime: int, errorCode: int, errorString: str, advanced: str = ""
    ) -> None:
        self._record("error", reqId, errorCode, errorString)

    def contractDetails(self, reqId: int, contractDetails: Any) -> None:
        self._record("contractDetails", reqId, contractDetails)

    def contractDetailsEnd(self, reqId: int) -> None:
        self._record("contractDetailsEnd", reqId)

    def tickPrice(self, reqId: int, tickType: int, price: float, attrib: Any) -> None:
        self._record("tickPrice", reqId, tickType, price)

    def orderStatus(self, orderId: int, status: str, *rest: Any) -> None:
        self._record("orderStatus", orderId, status, *rest)

    def openOrder(self, orderId: int, contract: Any, order: Any, orderState: Any) -> None:
        self._record("openOrder", orderId, contract, order, orderState)

    def execDetails(self, reqId: int, contract: Any, execution: Any) -> None:
        self._record("execDetails", reqId, contract, execution)

    def commissionAndFeesReport(self, report: Any) -> None:
        self._record("commission", report)

    def position(self, account: str, contract: Any, position: Any, avgCost: float) -> None:
        self._record("position", account, contract, position, avgCost)

    def positionEnd(self) -> None:
        self._record("positionEnd")

    def accountSummary(self, reqId: int, account: str, tag: str, value: str, currency: str) -> None:
        self._record("accountSummary", reqId, account, tag, value, currency)

    def accountSummaryEnd(self, reqId: int) -> None:
        self._record("accountSummaryEnd", reqId)

    def historicalData(self, reqId: int, bar: Any) -> None:
        self._record("historicalData", reqId, bar)

    def historicalDataEnd(self, reqId: int, start: str, end: str) -> None:
        self._record("historicalDataEnd", reqId, start, end)


async def until(condition: Callable[[], Any], timeout: float = EVENTUALLY) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def stock() -> Contract:
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
    return c


def order(action: str, quantity: int, kind: str, limit: float | None = None) -> Order:
    o = Order()
    o.action, o.totalQuantity, o.orderType, o.tif = action, Decimal(quantity), kind, "GTC"
    if limit is not None:
        o.lmtPrice = limit
    return o


async def test_ibapi_connects_and_trades(client, base_url, alice, clock):
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token) as (_server, port):
        app = App()
        await asyncio.to_thread(app.connect, "127.0.0.1", port, 3)
        loop = threading.Thread(target=app.run, daemon=True)
        loop.start()
        try:
            await until(lambda: app.seen("nextValidId") and app.seen("managedAccounts"))
            assert app.seen("managedAccounts") == [(t.account,)]
            assert app.serverVersion() == 178
            next_id = app.seen("nextValidId")[0][0]

            app.reqContractDetails(1, stock())
            await until(lambda: app.seen("contractDetailsEnd"))
            [(_, details)] = app.seen("contractDetails")
            assert details.contract.conId == AAPL and details.contract.primaryExchange == "NASDAQ"

            app.reqMktData(2, details.contract, "", False, False, [])
            await until(lambda: {1, 2, 4} <= {args[1] for args in app.seen("tickPrice")})

            app.placeOrder(next_id, details.contract, order("BUY", 2, "MKT"))
            await until(lambda: (next_id, "Filled") in [a[:2] for a in app.seen("orderStatus")])
            await until(lambda: app.seen("commission"))
            [(_, _, execution)] = app.seen("execDetails")
            assert execution.orderId == next_id and execution.side == "BOT"
            assert str(execution.shares) == "2" and execution.price > 0
            [(report,)] = app.seen("commission")
            assert report.execId == execution.execId and report.commissionAndFees == 1.0

            app.reqPositions()
            await until(lambda: app.seen("positionEnd"))
            [(account, contract, quantity, _)] = app.seen("position")
            assert (account, contract.conId, str(quantity)) == (t.account, AAPL, "2")

            app.reqAccountSummary(3, "All", "NetLiquidation,BuyingPower,AccountType")
            await until(lambda: app.seen("accountSummaryEnd"))
            tags = {args[2]: args[3] for args in app.seen("accountSummary")}
            assert set(tags) == {"NetLiquidation", "BuyingPower", "AccountType"}

            limit_id = next_id + 1
            app.placeOrder(limit_id, details.contract, order("BUY", 1, "LMT", 150.0))
            await until(lambda: (limit_id, "Submitted") in [a[:2] for a in app.seen("orderStatus")])
            app.placeOrder(limit_id, details.contract, order("BUY", 1, "LMT", 151.0))
            await until(
                lambda: any(
                    a[0] == limit_id and a[2].lmtPrice == 151.0 for a in app.seen("openOrder")
                )
            )
            app.cancelOrder(limit_id, OrderCancel())
            await until(lambda: (limit_id, "Cancelled") in [a[:2] for a in app.seen("orderStatus")])
            # the cancel's error 202 may reach the client just after the Cancelled status
            await until(lambda: (limit_id, 202) in [a[:2] for a in app.seen("error")])

            app.reqHistoricalData(
                4, details.contract, "", "1 D", "5 mins", "TRADES", 1, 1, False, []
            )
            await until(lambda: app.seen("historicalDataEnd"))
            assert app.seen("historicalData") and app.seen("historicalData")[-1][1].close > 0
            bad = [a for a in app.seen("error") if a[1] not in (202, 2104, 2106, 2158)]
            assert not bad, bad
        finally:
            app.disconnect()
            loop.join(5)


def linked(action: str, kind: str, price: float, parent: int, transmit: bool) -> Order:
    o = order(action, 10, kind, price if kind == "LMT" else None)
    if kind == "STP":
        o.auxPrice = price
    o.parentId, o.transmit = parent, transmit
    return o


async def test_ibapi_bracket_and_trailing_stop(runtime, client, base_url, alice, clock):
    market = ScriptedMarket()
    market.set(AAPL, bid="99.99", ask="100.01")
    runtime.ctx.market = market
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token) as (_server, port):
        app = App()
        await asyncio.to_thread(app.connect, "127.0.0.1", port, 3)
        loop = threading.Thread(target=app.run, daemon=True)
        loop.start()
        try:
            await until(lambda: app.seen("nextValidId"))
            first = app.seen("nextValidId")[0][0]
            app.reqContractDetails(1, stock())
            await until(lambda: app.seen("contractDetailsEnd"))
            [(_, details)] = app.seen("contractDetails")

            def statuses(order_id: int) -> list[str]:
                return [a[1] for a in app.seen("orderStatus") if a[0] == order_id]

            app.placeOrder(first, details.contract, linked("BUY", "LMT", 100.05, 0, False))
            app.placeOrder(first + 1, details.contract, linked("SELL", "LMT", 99.9, first, False))
            app.placeOrder(first + 2, details.contract, linked("SELL", "STP", 95.0, first, True))
            await until(lambda: "Filled" in statuses(first))
            await until(lambda: "Filled" in statuses(first + 1))
            await until(lambda: "Cancelled" in statuses(first + 2))
            stop = next(a[2] for a in app.seen("openOrder") if a[0] == first + 2)
            assert stop.parentId == first and stop.ocaGroup and stop.ocaType == 1

            trail = order("BUY", 1, "TRAIL")
            trail.auxPrice, trail.trailStopPrice = 0.5, 100.5
            app.placeOrder(first + 3, details.contract, trail)
            await until(lambda: "PreSubmitted" in statuses(first + 3))
            shown = [a[2] for a in app.seen("openOrder") if a[0] == first + 3][-1]
            assert (shown.orderType, shown.auxPrice, shown.trailStopPrice) == ("TRAIL", 0.5, 100.5)
            bad = [a for a in app.seen("error") if a[1] not in (202, 2104, 2106, 2158)]
            assert not bad, bad
        finally:
            app.disconnect()
            loop.join(5)
