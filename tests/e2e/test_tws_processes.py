"""The TWS API end to end with real processes: ``gatehouse serve``, ``gatehouse gateway login``
(TOTP from oathtool) and ``gatehouse gateway run`` with its TWS port, and the real
``ib_async`` connecting to it with no credentials: account, contract, market data, a filled
market order with its commission; the server restarts (1100, then 1102, market data goes on);
started with the server down, the gateway still opens its TWS port."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ib_async import IB, MarketOrder, Stock
from tests.e2e.test_gateway_processes import PASSPHRASE, oathtool, totp_secret
from tests.support.ports import free_port
from tests.support.processes import GatewayProcess, Server, cli, wait_until


def accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def settle(ib: IB, condition: Callable[[], Any], what: str, timeout: float = 20.0) -> None:
    """Let ib_async's loop run until ``condition`` holds (a deadline, not a timing claim)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        ib.sleep(0.05)


def test_ib_async_through_gateway_run(tmp_path: Path) -> None:
    server = Server(tmp_path / "server")
    server.start()
    gateway = None
    ib = IB()
    try:
        demo = server.demo()
        env = {
            **server.env,
            "GATEHOUSE_GATEWAY_HOME": str(tmp_path / "gateway"),
            "GATEHOUSE_GATEWAY_PASSPHRASE": PASSPHRASE,
        }
        env.pop("GATEHOUSE_HOME")
        login = cli(
            env,
            "gateway", "login", "--server", server.url, "--username", demo["paper_username"],
            "--environment", "paper", "--factor", "totp", "--password-stdin",
            stdin=f"{demo['paper_password']}\n{oathtool(totp_secret(demo))}\n",
        )  # fmt: skip
        assert login.returncode == 0, login.stderr + login.stdout

        tws_port = free_port()
        gateway = GatewayProcess(env, tmp_path)
        gateway.start("--tws-port", str(tws_port))
        wait_until(lambda: gateway.status()["signed_in"], "sign-in")

        codes: list[int] = []
        ib.errorEvent += lambda req_id, code, *rest: codes.append(code)
        ib.connect("127.0.0.1", tws_port, clientId=1, timeout=10)
        started = gateway.log.read_text()  # the TWS port opened after the first sign-in
        assert "Sign in first" not in started and '"api": "tws"' in started, started
        [account] = ib.managedAccounts()
        assert account.startswith("DU")
        assert float(next(v.value for v in ib.accountSummary() if v.tag == "NetLiquidation")) > 0
        [aapl] = ib.qualifyContracts(Stock("AAPL", "SMART", "USD"))
        assert aapl.conId == 265598
        ticker = ib.reqMktData(aapl)
        settle(ib, lambda: ticker.last == ticker.last and ticker.last > 0, "ticks")

        trade = ib.placeOrder(aapl, MarketOrder("BUY", 10))
        reports: list[Any] = []
        trade.commissionReportEvent += lambda *args: reports.append(args)
        settle(ib, lambda: trade.orderStatus.status == "Filled" and reports, "the fill")
        settle(ib, lambda: [p.position for p in ib.positions()] == [10.0], "the position")

        server.stop()
        settle(ib, lambda: 1100 in codes, "1100")
        server.start()
        settle(ib, lambda: 1102 in codes, "1102", timeout=40)
        seen = ticker.time
        settle(ib, lambda: ticker.time != seen, "market data after the restart")

        # started while the server is down, the gateway still opens its TWS port (IB
        # Gateway's way): the wait for the first sign-in ends when that attempt fails
        ib.disconnect()
        gateway.stop()
        server.stop()
        gateway.start("--tws-port", str(tws_port))
        wait_until(lambda: accepts(tws_port), "the TWS port")
        assert not gateway.status()["signed_in"]
    finally:
        ib.disconnect()
        if gateway is not None:
            gateway.stop()
        server.stop()
