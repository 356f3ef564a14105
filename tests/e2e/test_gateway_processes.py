"""The Gateway end to end with real processes: ``gatehouse serve``, ``gatehouse gateway login``
(TOTP from oathtool; or push approved with ``gatehouse key approve``), ``gatehouse gateway
run``, and the real ``ibind`` at the gateway's URL with no credentials. The server restarts
mid-run; then the device is revoked from another session and the gateway stops."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from ibind import IbkrClient, IbkrWsClient, OrderRequest, QuestionType, QueueSink, events
from ibind.subscriptions import MarketDataSubscription, OrdersSubscription
from tests.support.processes import GatewayProcess, Server, cli, wait_until

from gatehouse.clients.sdk import AsyncGatehouse
from gatehouse.clients.sdk import devices as sdk_devices

PASSPHRASE = "a long gateway passphrase"
FORD = 9599491


def oathtool(secret: str) -> str:
    binary = shutil.which("oathtool")
    if binary is None:
        pytest.skip("oathtool is not installed")
    done = subprocess.run([binary, "--totp", "-b", secret], capture_output=True, text=True)
    return done.stdout.strip()


def totp_secret(demo: dict[str, str]) -> str:
    return demo["otpauth_uri"].split("secret=")[1].split("&")[0]


async def revoke_from_another_session(server: Server, demo: dict[str, str], device_id: str) -> None:
    """A workstation session signed in with an SMS code (the TOTP step is spent) revokes it."""
    async with AsyncGatehouse(server.url) as other:
        await other.login(demo["paper_username"], demo["paper_password"], "workstation", "paper")
        await other.challenge("sms")
        outbox = cli(server.env, "sms", "outbox", "--json", "--limit", "1")
        code = re.search(r"\b(\d{6})\b", json.loads(outbox.stdout)[0]["text"])
        assert code is not None
        await other.verify("sms", code.group(1))
        listed = await sdk_devices.devices(other)
        assert [d["device_id"] for d in listed] == [device_id]
        assert listed[0]["last_address"] == "127.0.0.1"
        await sdk_devices.revoke(other, device_id)


def test_ibind_through_the_gateway_survives_a_restart_and_stops_on_revoke(tmp_path: Path):
    server = Server(tmp_path / "server")
    server.start()
    gateway = None
    try:
        demo = server.demo()
        env = {
            **server.env,
            "GATEHOUSE_GATEWAY_HOME": str(tmp_path / "gateway"),
            "GATEHOUSE_GATEWAY_PASSPHRASE": PASSPHRASE,
        }
        env.pop("GATEHOUSE_HOME")
        code = oathtool(totp_secret(demo))
        login = cli(
            env,
            "gateway", "login", "--server", server.url, "--username", demo["paper_username"],
            "--environment", "paper", "--factor", "totp", "--password-stdin", "--name", "e2e bot",
            stdin=f"{demo['paper_password']}\n{code}\n",
        )  # fmt: skip
        assert login.returncode == 0, login.stderr + login.stdout
        device_file = tmp_path / "gateway" / "device.json"
        assert device_file.stat().st_mode & 0o777 == 0o600
        stored = json.loads(device_file.read_text())
        device_id = stored["enrollment"]["device_id"]
        assert PASSPHRASE not in device_file.read_text()

        gateway = GatewayProcess(env, tmp_path)
        gateway.start("--no-tws")
        status = wait_until(lambda: gateway.status()["signed_in"] and gateway.status(), "sign-in")
        assert status["scope"] == "trade" and status["environment"] == "paper"
        assert status["user"] == demo["paper_username"] and status["upstream_connected"]

        ib = IbkrClient(
            url=f"{gateway.url}/v1/api/",
            cacert=False,
            timeout=30,
            max_retries=1,
            use_session=True,
            auto_register_shutdown=False,
        )
        assert ib.check_health() is True
        account = ib.portfolio_accounts().data[0]["accountId"]
        assert account.startswith("DU")
        assert ib.account_summary(account).data["balance"] > 0
        # ibind's WebSocket client through the gateway: its cookie is dropped, the gateway's
        # session opens the server's socket; market data (smd) and orders (sor) arrive
        sink = QueueSink()
        ws = IbkrWsClient(
            url=f"ws://127.0.0.1:{gateway.port}/v1/api/ws", account_id=account,
            ibkr_client=ib, cacert=False, sink=sink, synchronous_output_events=True,
        )  # fmt: skip
        assert ws.start()
        subscriptions = [
            MarketDataSubscription(conid=str(FORD), fields=["31", "84", "86"]),
            OrdersSubscription(),
        ]
        handles = [ws.subscribe(s) for s in subscriptions]
        assert ws.wait_all(handles, 15) == []
        quote = sink.get(events.MarketData, True, 15)
        assert quote is not None and quote.conid == str(FORD)
        order = OrderRequest(
            conid=FORD, side="BUY", quantity=10, order_type="MKT", acct_id=account, tif="DAY"
        )
        placed = ib.place_order([order], {q: True for q in QuestionType}, account_id=account)
        order_id = placed.data["order_id"]  # one order: ibind unwraps the list
        filled = wait_until(
            lambda: ib.order_status(order_id).data["order_status"] == "Filled", "the fill"
        )
        assert filled
        update = sink.get(events.Orders, True, 15)
        assert update is not None  # the sor topic saw the order
        ws.shutdown()
        portal = httpx.get(f"{gateway.url}/v1/portal/portfolio/accounts", timeout=10)
        assert portal.json()[0]["accountId"] == account  # /v1/portal is rewritten

        server.stop()
        server.start()  # ibind's next call succeeds through the same gateway
        assert ib.tickle().data["iserver"]["authStatus"]["authenticated"] is True
        assert ib.order_status(order_id).data["order_status"] == "Filled"
        wait_until(lambda: gateway.status()["upstream_connected"], "reconnection")

        # SIGTERM: a clean stop (session signed out, exit 0); then it starts again unattended
        assert gateway.process is not None
        gateway.process.send_signal(signal.SIGTERM)
        assert gateway.process.wait(20) == 0
        assert '"event": "signed out"' in gateway.log.read_text()
        gateway.start("--no-tws")
        wait_until(lambda: gateway.status()["signed_in"], "the second start")
        assert ib.tickle().data["iserver"]["authStatus"]["authenticated"] is True

        asyncio.run(revoke_from_another_session(server, demo, device_id))
        assert gateway.process is not None
        assert gateway.process.wait(20) == 3  # stopped serving, exit status "revoked"
        log = gateway.log.read_text()
        assert '"reason": "revoked"' in log
        assert PASSPHRASE not in log and stored["sealed"]["ciphertext"] not in log
        assert ib.check_health() is False
    finally:
        if gateway is not None:
            gateway.stop()
        server.stop()


async def activation_code(server: Server, demo: dict[str, str]) -> str:
    """A Key activation code, from a session signed in with an SMS code."""
    async with AsyncGatehouse(server.url) as owner:
        await owner.login(demo["paper_username"], demo["paper_password"], "workstation", "paper")
        await owner.challenge("sms")
        outbox = cli(server.env, "sms", "outbox", "--json", "--limit", "1")
        code = re.search(r"\b(\d{6})\b", json.loads(outbox.stdout)[0]["text"])
        assert code is not None
        await owner.verify("sms", code.group(1))
        body = await owner.request("POST", "/key/activations")
        return str(body["code"])


def test_gateway_login_by_push_approved_with_gatehouse_key(tmp_path: Path):
    server = Server(tmp_path / "server")
    server.start()
    login = gateway = None
    try:
        demo = server.demo()
        env = {
            **server.env,
            "GATEHOUSE_GATEWAY_HOME": str(tmp_path / "gateway"),
            "GATEHOUSE_GATEWAY_PASSPHRASE": PASSPHRASE,
            "GATEHOUSE_KEY_FILE": str(tmp_path / "key" / "device.json"),
            "GATEHOUSE_KEY_PIN": "246810",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("GATEHOUSE_HOME")
        code = asyncio.run(activation_code(server, demo))
        enrolled = cli(env, "key", "enroll", "--server", server.url, "--code", code)
        assert enrolled.returncode == 0, enrolled.stderr + enrolled.stdout

        login = subprocess.Popen(
            [sys.executable, "-m", "gatehouse.cli", "gateway", "login", "--server", server.url,
             "--username", demo["paper_username"], "--environment", "paper",
             "--factor", "push", "--password-stdin", "--scope", "read-only"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        assert login.stdin is not None and login.stdout is not None
        login.stdin.write(demo["paper_password"] + "\n")
        login.stdin.close()
        line = ""
        while "pick" not in line:  # "Approve the request on your Key device: pick NN."
            line = login.stdout.readline()
            assert line, "gateway login ended before showing the number"
        number = re.search(r"pick (\d+)", line)
        assert number is not None
        approved = cli(env, "key", "approve", "--pick", number.group(1), "--wait", "10")
        assert approved.returncode == 0 and "Approved" in approved.stdout, approved.stdout
        assert login.wait(60) == 0
        said = " ".join(login.stdout.read().split())  # as printed, wrapped at 80 columns
        assert "is enrolled" in said
        assert re.search(r"a full second factor is due by \d{4}-\d\d-\d\d \d\d:\d\d UTC\.", said)

        gateway = GatewayProcess(env, tmp_path)
        gateway.start("--no-tws")
        status = wait_until(lambda: gateway.status()["signed_in"] and gateway.status(), "sign-in")
        assert status["scope"] == "read-only"
    finally:
        if login is not None and login.poll() is None:
            login.kill()
        if gateway is not None:
            gateway.stop()
        server.stop()
