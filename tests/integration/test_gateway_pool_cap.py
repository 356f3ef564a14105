"""The gateway's upstream pool has a connection cap: a burst of bot requests through the real
listener against a real server opens at most that many connections (counted where they are
accepted) and every request completes over them; a request that waits too long is a 503 with
a stable code; a connection that fails or whose request is cancelled gives its place back."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
from tests.support import gateway as gw
from tests.support.access import session_token
from tests.support.ports import free_port
from tests.support.server import serving

from gatehouse.clients.gateway.allow import AllowList
from gatehouse.clients.gateway.keeper import SessionKeeper
from gatehouse.clients.gateway.proxy import GatewayApp
from gatehouse.clients.gateway.run import upstream_client
from gatehouse.clients.gateway.state import GatewayState
from gatehouse.clients.gateway.upstream import Pool, UpstreamBusy, UpstreamError
from gatehouse.clients.sdk import AsyncGatehouse

CAP = 4
BURST = 40


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The gateway is a client: one backend tells as much as two."""
    return str(request.param)


class Listening:
    """A TCP server on a free port while the ``async with`` lasts; ``_serve`` answers."""

    server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


class Counting(Listening):
    """A TCP relay on a free port in front of ``target``: it counts the connections it
    accepted and the most that were open at once."""

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.accepted = 0
        self.open = 0
        self.peak = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.open += 1
        self.peak = max(self.peak, self.open)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
        finally:
            self.open -= 1
            writer.close()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def test_a_burst_of_bot_requests_opens_at_most_the_cap(client, base_url, alice, clock):
    token = await session_token(client, alice, clock)
    device = await gw.register(client, token, scope="trade")
    state = GatewayState(
        server=base_url, username=alice.username, environment="live", device_id=device.device_id
    )
    http = upstream_client(base_url)
    keeper = SessionKeeper(
        state, device.key, AsyncGatehouse(base_url, http=http), tickle_seconds=3600
    )
    keeping = asyncio.create_task(keeper.run())
    relay = Counting(base_url)
    try:
        assert await keeper.fresh_token(None)
        async with relay as counted:
            app = GatewayApp(state, Pool(counted, max_connections=CAP), keeper, AllowList())
            limits = httpx.Limits(max_connections=BURST)  # the bots: one connection each
            async with (
                serving(app) as url,
                httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as bots,
            ):
                answers = await asyncio.gather(
                    *(bots.get("/v1/api/portfolio/accounts") for _ in range(BURST))
                )
            await app.upstream.aclose()
    finally:
        keeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeping
        await http.aclose()
    assert [a.status_code for a in answers] == [200] * BURST, answers[0].text
    assert all(a.json()[0]["id"] == alice.live_account for a in answers)
    assert relay.peak <= CAP
    assert relay.accepted <= CAP  # kept alive and reused: no connection was opened twice


# --- the pool's places, against scripted servers --------------------------------------------


class Scripted(Listening):
    """An HTTP/1.1 server on a free port: each connection answers every request with "ok"
    once ``go`` is set; the first connection does what ``first`` says instead."""

    def __init__(self, first: str = "") -> None:
        self.first = first
        self.accepted = 0
        self.go = asyncio.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        number = self.accepted
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                assert head.startswith((b"GET", b"POST"))
                if number == 1 and self.first == "cut":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                    await writer.drain()
                    return
                if number == 1 and self.first == "hang":
                    await asyncio.Event().wait()
                await self.go.wait()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


class Fixed:
    async def fresh_token(self, stale: str | None) -> str | None:
        return None if stale else "gateway-token"


async def until(done: object, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not done():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "never got there"
        await asyncio.sleep(0.01)


async def test_a_request_that_waits_too_long_is_503_upstream_busy_then_all_goes_on() -> None:
    scripted = Scripted()
    async with scripted as upstream:
        state = GatewayState(server=upstream, username="u", environment="paper", device_id="d")
        state.token = "gateway-token"
        pool = Pool(upstream, max_connections=1, wait_timeout=0.2)
        app = GatewayApp(state, pool, Fixed(), AllowList())
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as local:
            first = asyncio.create_task(local.get("/v1/api/one"))
            await until(lambda: scripted.accepted == 1)
            busy = await local.get("/v1/api/two")  # the one connection is busy past 0.2 s
            assert busy.status_code == 503
            assert busy.json()["error"] == "upstream_busy" and busy.json()["message"]
            assert state.last_error is not None and state.last_error["code"] == "upstream_busy"
            waiting = asyncio.create_task(local.get("/v1/api/three"))
            scripted.go.set()  # the first answer ends: its connection goes to the next request
            assert (await first).text == "ok"
            assert (await waiting).text == "ok"
            assert (await local.get("/v1/api/four")).text == "ok"
        await pool.aclose()
    assert scripted.accepted == 1  # one connection, reused by every request


async def test_a_failed_connection_gives_its_place_back() -> None:
    scripted = Scripted(first="cut")
    scripted.go.set()
    async with scripted as upstream:
        pool = Pool(upstream, max_connections=1, wait_timeout=5)
        try:
            answer = await pool.request(b"GET", b"/v1/api/x", [], b"")
            with pytest.raises(UpstreamError):
                await answer.read()
            again = await pool.request(b"GET", b"/v1/api/x", [], b"")
            assert await again.read() == b"ok"
            assert pool.open_connections == 1
        finally:
            await pool.aclose()
    assert scripted.accepted == 2


async def test_a_cancelled_request_gives_its_place_back() -> None:
    """A local program that gives up while the server has not answered yet: the connection
    is closed (half an exchange) and the next request gets the place, not a wait."""
    scripted = Scripted(first="hang")
    scripted.go.set()
    async with scripted as upstream:
        pool = Pool(upstream, max_connections=1, wait_timeout=5)
        try:
            hanging = asyncio.create_task(pool.request(b"GET", b"/v1/api/x", [], b""))
            await until(lambda: scripted.accepted == 1)
            waiting = asyncio.create_task(pool.request(b"GET", b"/v1/api/y", [], b""))
            await asyncio.sleep(0.05)
            assert not waiting.done()  # at the cap: it waits
            hanging.cancel()
            with pytest.raises(asyncio.CancelledError):
                await hanging
            assert await (await waiting).read() == b"ok"
            assert pool.open_connections == 1
        finally:
            await pool.aclose()
    assert scripted.accepted == 2


async def test_a_waiter_that_gives_up_leaves_no_trace() -> None:
    scripted = Scripted()
    async with scripted as upstream:
        pool = Pool(upstream, max_connections=1, wait_timeout=0.1)
        try:
            first = asyncio.create_task(pool.request(b"GET", b"/v1/api/x", [], b""))
            await until(lambda: scripted.accepted == 1)
            with pytest.raises(UpstreamBusy):
                await pool.request(b"GET", b"/v1/api/y", [], b"")
            assert not pool._waiters
            scripted.go.set()
            assert await (await first).read() == b"ok"
            assert await (await pool.request(b"GET", b"/", [], b"")).read() == b"ok"
        finally:
            await pool.aclose()
    assert scripted.accepted == 1


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Pool(f"http://127.0.0.1:{free_port()}", max_connections=0)
