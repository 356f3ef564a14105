"""The proxy's HTTP/1.1 upstream pool against real servers on loopback: chunked and large
bodies both ways, connection reuse, a server closing idle keep-alive connections, header
hygiene through the listener, and an unreachable server answered by 502."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from tests.support.ports import free_port
from tests.support.server import serving

from gatehouse.clients.gateway.allow import AllowList
from gatehouse.clients.gateway.proxy import GatewayApp
from gatehouse.clients.gateway.state import GatewayState
from gatehouse.clients.gateway.upstream import Pool, UpstreamError, UpstreamUnavailable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Raw:
    """A scripted HTTP/1.1 server on a free port that counts the connections it accepted."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.accepted = 0
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            await self.handler(reader, writer)
        finally:
            writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request's head (and its Content-Length body); None at end of stream."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return None
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":")[1]))
    return head


async def chunked_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers every request on the connection with a chunked body of three parts."""
    while True:
        try:
            if await read_request(reader) is None:
                return
        except asyncio.IncompleteReadError:
            return
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for part in (b"alpha-", b"beta-", b"gamma"):
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()


async def one_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers one request as keep-alive, then closes as an idle server would."""
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    await writer.drain()


async def cut_short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Promises ten bytes and sends three."""
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    await writer.drain()


async def test_chunked_answers_are_decoded_and_the_connection_is_reused() -> None:
    raw = Raw(chunked_forever)
    async with raw as url:
        pool = Pool(url)
        try:
            for _ in range(3):
                answer = await pool.request(b"GET", b"/v1/api/x", [], b"")
                assert answer.status == 200
                assert await answer.read() == b"alpha-beta-gamma"
        finally:
            await pool.aclose()
    assert raw.accepted == 1


async def test_a_keep_alive_connection_closed_by_the_server_is_replaced() -> None:
    raw = Raw(one_then_close)
    async with raw as url:
        pool = Pool(url)
        try:
            for _ in range(3):
                answer = await pool.request(b"POST", b"/v1/api/x", [], b"{}")
                assert (answer.status, await answer.read()) == (200, b"ok")
                await asyncio.sleep(0)  # let the server's close arrive (or not: both must work)
        finally:
            await pool.aclose()
    assert raw.accepted == 3


async def test_a_body_cut_short_is_an_upstream_error_and_the_connection_is_dropped() -> None:
    raw = Raw(cut_short)
    async with raw as url:
        pool = Pool(url)
        try:
            answer = await pool.request(b"GET", b"/v1/api/x", [], b"")
            with pytest.raises(UpstreamError):
                await answer.read()
            assert pool._idle == []
        finally:
            await pool.aclose()


async def test_an_unreachable_server_is_upstream_unavailable() -> None:
    pool = Pool(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(UpstreamUnavailable):
        await pool.request(b"GET", b"/", [], b"")


# --- through the listener ---------------------------------------------------------------


class Fixed:
    """The gateway's sessions, reduced to one token that stays valid."""

    async def fresh_token(self, stale: str | None) -> str | None:
        return None if stale else "gateway-token"


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An upstream that answers what it received: headers, body size and digest, and, when
    asked, a large body in many chunks (sent chunked: no Content-Length)."""
    assert scope["type"] == "http"
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    seen = {
        "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "path": scope["path"],
        "query": scope["query_string"].decode(),
    }
    headers = [
        (b"content-type", b"application/json"),
        (b"set-cookie", b"upstream=1"),
        (b"connection", b"x-hop"),
        (b"x-hop", b"1"),
        (b"x-kept", b"1"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if scope["query_string"] == b"big=1":
        block = bytes(range(256)) * 256  # 64 KiB
        for _ in range(48):  # 3 MiB
            await send({"type": "http.response.body", "body": block, "more_body": True})
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


def gateway_state(url: str) -> GatewayState:
    state = GatewayState(server=url, username="u", environment="paper", device_id="d")
    state.token = "gateway-token"
    return state


@pytest.fixture
async def through() -> AsyncIterator[httpx.AsyncClient]:
    async with serving(echo) as upstream:  # type: ignore[arg-type]
        app = GatewayApp(gateway_state(upstream), Pool(upstream), Fixed(), AllowList())
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as local:
            yield local
        await app.upstream.aclose()


async def test_credentials_and_hop_by_hop_headers_stay_local(through: httpx.AsyncClient) -> None:
    answer = await through.get(
        "/v1/portal/x?a=1",
        headers={
            "Authorization": "Bearer local-secret",
            "Cookie": "x=1",
            "Connection": "keep-alive, x-private",
            "X-Private": "no",
            "Keep-Alive": "timeout=5",
            "X-Kept": "yes",
        },
    )
    seen = json.loads(answer.text.rsplit("\n", 1)[-1])
    headers = dict(seen["headers"])
    assert seen["path"] == "/v1/api/x" and seen["query"] == "a=1"
    assert headers["authorization"] == "Bearer gateway-token"
    assert headers["x-kept"] == "yes" and headers["host"].startswith("127.0.0.1:")
    assert headers["host"] != through.base_url.netloc.decode()  # the server's, not the gateway's
    assert not {"cookie", "x-private", "keep-alive"} & headers.keys()
    assert [k for k, _ in seen["headers"]].count("authorization") == 1
    assert "set-cookie" not in answer.headers and "x-hop" not in answer.headers
    assert answer.headers["x-kept"] == "1"


async def test_large_bodies_both_ways(through: httpx.AsyncClient) -> None:
    sent = bytes(range(251)) * 4000  # about 1 MB, under the 1 MiB limit
    answer = await through.post("/v1/api/upload?big=1", content=sent)
    assert answer.status_code == 200
    block = bytes(range(256)) * 256
    assert answer.content[: len(block) * 48] == block * 48
    seen = json.loads(answer.content[len(block) * 48 :])
    assert seen["size"] == len(sent) and seen["sha256"] == hashlib.sha256(sent).hexdigest()


async def test_an_unreachable_server_is_a_502_with_a_stable_body() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    state = gateway_state(url)
    app = GatewayApp(state, Pool(url), Fixed(), AllowList(), retry_seconds=0)
    async with serving(app) as local_url, httpx.AsyncClient(base_url=local_url) as local:
        answer = await local.get("/v1/api/portfolio/accounts")
    assert answer.status_code == 502
    assert answer.json()["error"] == "upstream_unavailable" and answer.json()["message"]
    assert state.upstream_connected is False and state.last_error is not None
    assert state.last_error["code"] == "upstream_unavailable"
