"""The Gateway's keeper and local listener in-process against a real server (fake clock):
no credentials from local programs, /v1/portal rewritten, unattended sign-in again after the
session's lifetime, read-only once the policy wants a full second factor, stop on revoke."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.support import gateway as gw
from tests.support.access import enrolled_device, key_client, session_token
from tests.support.server import serving
from tests.support.signin import bearer
from typer.testing import CliRunner

from gatehouse.cli.app import app as cli_app
from gatehouse.clients.gateway.allow import AllowList
from gatehouse.clients.gateway.keeper import SessionKeeper
from gatehouse.clients.gateway.proxy import GatewayApp
from gatehouse.clients.gateway.run import upstream_client
from gatehouse.clients.gateway.state import GatewayState
from gatehouse.clients.gateway.upstream import Pool
from gatehouse.clients.sdk import AsyncGatehouse
from gatehouse.domain.identity.factors.push import Decision


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The gateway is a client: one backend tells as much as two (the server side runs both)."""
    return str(request.param)


@dataclass
class Running:
    state: GatewayState
    keeper: SessionKeeper
    local: httpx.AsyncClient
    device: gw.Gateway
    task: asyncio.Task[str]
    owner_token: str


async def start(client: httpx.AsyncClient, base_url: str, user: Any, clock: Any, scope: str):
    token = await session_token(client, user, clock)
    device = await gw.register(client, token, scope=scope)
    state = GatewayState(
        server=base_url, username=user.username, environment="live", device_id=device.device_id
    )
    http = upstream_client(base_url)
    sdk = AsyncGatehouse(base_url, http=http)
    keeper = SessionKeeper(state, device.key, sdk, tickle_seconds=3600)
    app = GatewayApp(state, Pool(base_url), keeper, AllowList())
    task = asyncio.create_task(keeper.run())
    assert await keeper.fresh_token(None)
    return state, keeper, app, http, device, task, token


async def stop(task: asyncio.Task[str]) -> None:
    """Cancel the keeper and wait until its socket is closed (before the server stops)."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
async def gateway(client, base_url, alice, clock, request) -> AsyncIterator[Running]:
    scope = getattr(request, "param", "trade")
    state, keeper, app, http, device, task, token = await start(
        client, base_url, alice, clock, scope
    )
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as local:
        yield Running(state, keeper, local, device, task, token)
        await stop(task)
    await app.upstream.aclose()
    await http.aclose()


async def test_local_programs_send_no_credentials_and_portal_is_rewritten(gateway, alice):
    local = gateway.local
    accounts = await local.get("/v1/api/portfolio/accounts")
    assert accounts.status_code == 200 and accounts.json()[0]["accountId"] == alice.live_account
    portal = await local.get("/v1/portal/portfolio/accounts", headers=bearer("someone-else"))
    assert portal.json() == accounts.json()  # a local Authorization header is dropped
    me = (await local.get("/v1/api/me")).json()
    assert me["platform"] == "gateway" and me["session_id"] == gateway.state.session_id
    status = (await local.get("/gateway/status")).json()
    assert status["signed_in"] and status["scope"] == "trade" and status["user"] == "alice"
    assert status["local_clients"] == 1 and status["last_error"] is None
    assert (await local.get("/elsewhere")).status_code == 404
    too_big = await local.post("/v1/api/tickle", content=b"x" * (1 << 20 + 1))
    assert too_big.status_code == 413


async def test_after_the_sessions_lifetime_it_signs_in_again_unattended(gateway, clock):
    first = gateway.state.session_id
    clock.advance(24 * 3600 + 1)  # the gateway platform's absolute lifetime has passed
    answer = await gateway.local.post("/v1/api/tickle")
    assert answer.status_code == 200, answer.text  # refused upstream, signed in, sent again
    assert gateway.state.session_id not in (None, first)
    assert answer.json()["session"].startswith(str(gateway.state.session_id))


async def test_gatehouse_gateway_status_reads_the_running_gateway(gateway):
    port = str(gateway.local.base_url.port)
    runner = CliRunner()
    shown = await asyncio.to_thread(
        runner.invoke, cli_app, ["gateway", "status", "--http", "--port", port, "--json"]
    )
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert body["signed_in"] is True and body["user"] == "alice" and body["scope"] == "trade"
    assert set(body) >= {
        "session_expires_at",
        "second_factor_due_at",
        "upstream_connected",
        "local_clients",
        "last_error",
    }


async def test_a_refused_request_is_passed_on_and_keeps_the_session(gateway):
    before = gateway.state.session_id
    body = {"username": "alice", "password": "wrong password", "platform": "gateway"}
    refused = await gateway.local.post("/v1/api/auth/login", json=body)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_credentials"
    assert gateway.state.session_id == before  # a refusal of the request, not of the session


async def test_past_the_policy_period_it_serves_read_only_and_says_so(gateway, clock, alice):
    clock.advance(7 * 86400 + 1)
    assert (await gateway.local.post("/v1/api/tickle")).status_code == 200
    status = (await gateway.local.get("/gateway/status")).json()
    assert status["scope"] == "read-only" and status["second_factor_due"] is True
    order = {"conid": 265598, "orderType": "MKT", "side": "BUY", "quantity": 1, "tif": "DAY"}
    refused = await gateway.local.post(
        f"/v1/api/iserver/account/{alice.live_account}/orders", json={"orders": [order]}
    )
    assert refused.status_code == 403 and refused.json()["error"] == "scope"


async def test_revoking_the_device_stops_the_gateway_with_the_reason(gateway, client):
    token = gateway.owner_token
    revoked = await client.delete(
        f"/v1/api/devices/{gateway.device.device_id}", headers=bearer(token)
    )
    assert revoked.status_code == 200
    assert await asyncio.wait_for(gateway.task, 10) == "revoked"
    refused = await gateway.local.get("/v1/api/portfolio/accounts")
    assert refused.status_code == 401 and refused.json() == {
        "error": "gateway_stopped",
        "reason": "revoked",
    }
    status = (await gateway.local.get("/gateway/status")).json()
    assert status["signed_in"] is False and status["stopped"] == "revoked"
    assert status["last_error"]["code"] == "stopped"


async def test_only_allowed_addresses_are_served():
    allow = AllowList(["10.1.0.0/16", "192.168.1.7  # the desk", ""])
    assert allow.permits("127.0.0.1") and allow.permits("::1")
    assert allow.permits("10.1.200.3") and allow.permits("192.168.1.7")
    assert allow.permits("::ffff:10.1.0.9")
    assert not allow.permits("10.2.0.1") and not allow.permits("") and not allow.permits(None)
    assert not allow.permits("not-an-address")
    state = GatewayState(server="http://x", username="u", environment="live", device_id="d")
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    app = GatewayApp(state, Pool("http://x"), None, allow)  # type: ignore[arg-type]
    scope = {"type": "http", "path": "/gateway/status", "client": ("10.9.9.9", 5), "headers": []}
    await app(scope, receive, send)
    assert sent[0]["status"] == 403


async def until(check: Any, what: str) -> Any:
    """Poll ``check`` until truthy, within a deadline (a bound, not a timing claim)."""
    for _ in range(400):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.025)
    raise AssertionError(f"timed out waiting for {what}")


async def test_when_a_full_second_factor_is_due_it_asks_by_push_and_recovers_its_scope(
    client, base_url, alice, clock
):
    key_device = await enrolled_device(client, alice, clock)
    state, keeper, _, http, _, task, _ = await start(client, base_url, alice, clock, "trade")
    try:
        clock.advance(7 * 86400 + 1)
        keeper._lost.set()  # as a refused request would: sign in again, now read-only
        await until(lambda: state.renewal, "the push request")
        assert state.scope == "read-only" and state.second_factor_due
        async with key_client(client, clock) as keys:
            [request] = await keys.pending(key_device.identity)
            number = state.renewal["number"]
            assert await keys.decide(key_device.identity, request.nonce, Decision.APPROVE, number)
        await until(lambda: state.scope == "trade", "the renewed sign-in")
        assert state.second_factor_due is False and state.renewal is None
    finally:
        await stop(task)
        await http.aclose()
