"""The local listener: a plain ASGI app (served by uvicorn) that proxies ``/v1/api/*``,
``/v1/portal/*`` (rewritten to ``/v1/api``) and the ``/v1/api/ws`` WebSocket to the server with
the Gateway's own session, and answers ``GET /gateway/status``. Local programs send no
credentials: any ``Authorization`` or cookie they send is dropped.

Request bodies are read whole (at most 1 MiB) so a request can be sent again when the server
is restarting; responses are streamed through as they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from gatehouse.clients.gateway.allow import AllowList
from gatehouse.clients.gateway.state import GatewayState
from gatehouse.clients.sdk.transport import API_PREFIX, PORTAL_PREFIX

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 1 << 20
URL_CACHE = 4096
RETRY_SECONDS = 15.0  # how long a request waits out a restarting server
DROP_REQUEST = {
    b"host",
    b"connection",
    b"keep-alive",
    b"proxy-authorization",
    b"proxy-connection",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"authorization",
    b"cookie",
    b"content-length",
}
DROP_RESPONSE = {b"connection", b"keep-alive", b"transfer-encoding", b"set-cookie"}
API = API_PREFIX + "/"
PORTAL = PORTAL_PREFIX + "/"
SOCKET = API + "ws"
SOCKET_PATHS = {SOCKET, PORTAL + "ws"}
SESSION_GONE = {"not_authenticated", "session_expired", "session_ended"}


class Sessions(Protocol):
    async def fresh_token(self, stale: str | None) -> str | None:
        """A token to use instead of ``stale`` (which the server refused), or None."""
        ...


def _session_gone(answer: httpx.Response, body: bytes) -> bool:
    """Whether a 401 says the gateway's own session is over (not that the request failed)."""
    if answer.headers.get("content-encoding"):
        return True  # cannot tell: signing in again is always safe
    try:
        code = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return True
    return code in SESSION_GONE


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


class GatewayApp:
    def __init__(
        self,
        state: GatewayState,
        http: httpx.AsyncClient,
        sessions: Sessions,
        allow: AllowList,
    ) -> None:
        self.state = state
        self.http = http
        self.sessions = sessions
        self.allow = allow
        base = str(http.base_url).rstrip("/")
        self.ws_base = "ws" + base[4:] if base.startswith("http") else base
        self.upstream_sockets: set[ClientConnection] = set()
        self._urls: dict[tuple[str, bytes], httpx.URL] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        client = scope.get("client")
        host = client[0] if client else None
        if not self.allow.permits(host):
            if kind == "http":
                await _json(send, 403, {"error": "address_not_allowed", "address": host})
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        assert host is not None
        self.state.saw_client(host)
        path: str = scope["path"]
        if kind == "websocket":
            if path in SOCKET_PATHS:
                await self._socket(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        if path == "/gateway/status":
            await _json(send, 200, self.state.view())
        elif path.startswith(API):
            await self._forward(scope, path, receive, send)
        elif path.startswith(PORTAL):
            await self._forward(scope, API + path[len(PORTAL) :], receive, send)
        else:
            await _json(send, 404, {"error": "not_found", "message": f"The gateway serves {API}."})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _refusal(self, send: Send) -> None:
        if self.state.stopped:
            body = {"error": "gateway_stopped", "reason": self.state.stopped}
        else:
            body = {"error": "gateway_signing_in", "reason": "the gateway is not signed in yet"}
        await _json(send, 401, body)

    async def _forward(self, scope: Scope, path: str, receive: Receive, send: Send) -> None:
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _json(send, 413, {"error": "payload_too_large"})
                return
            if not message.get("more_body"):
                break
        token = self.state.token if self.state.stopped is None else None
        if token is None:
            token = await self.sessions.fresh_token(None)
            if token is None:
                await self._refusal(send)
                return
        headers = [(k, v) for k, v in scope["headers"] if k not in DROP_REQUEST]
        url = self._url(path, scope.get("query_string", b""))
        answer: httpx.Response | None = None
        held: bytes | None = None  # a 401's body, read to see whether the session is gone
        for attempt in (1, 2):
            request = self.http.build_request(
                scope["method"],
                url,
                headers=[*headers, (b"authorization", b"Bearer " + token.encode())],
                content=bytes(body),
            )
            answer = await self._send(request)
            if answer is None:
                await _json(send, 502, {"error": "upstream_unavailable"})
                return
            if answer.status_code == 401 and attempt == 1:
                held = b"".join([chunk async for chunk in answer.aiter_raw()])
                if not _session_gone(answer, held):
                    break  # a refusal of the request itself (a wrong code, …): pass it on
                await answer.aclose()
                held = None
                fresh = await self.sessions.fresh_token(token)
                if fresh is None or self.state.stopped:
                    await self._refusal(send)
                    return
                token = fresh
                continue
            break
        assert answer is not None
        try:
            start = [(k, v) for k, v in answer.headers.raw if k.lower() not in DROP_RESPONSE]
            await send(
                {"type": "http.response.start", "status": answer.status_code, "headers": start}
            )
            if held is not None:
                await send({"type": "http.response.body", "body": held})
                return
            async for chunk in answer.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await answer.aclose()

    def _url(self, path: str, query: bytes) -> httpx.URL:
        """The upstream URL, parsed once per distinct path and query (bots repeat theirs)."""
        key = (path, query)
        found = self._urls.get(key)
        if found is None:
            found = self.http.base_url.join(path + ("?" + query.decode("latin-1") if query else ""))
            if len(self._urls) >= URL_CACHE:
                self._urls.clear()
            self._urls[key] = found
        return found

    async def _send(self, request: httpx.Request) -> httpx.Response | None:
        """Send, waiting out a server that refuses connections (restarting) for a while."""
        delay, waited = 0.1, 0.0
        while True:
            try:
                answer = await self.http.send(request, stream=True)
                self.state.upstream_connected = True
                return answer
            except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
                self.state.upstream_connected = False
                self.state.error("upstream_unavailable", str(exc) or type(exc).__name__)
                if waited >= RETRY_SECONDS or self.state.stopped:
                    return None
                await asyncio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 2.0)
            except httpx.HTTPError as exc:
                self.state.error("upstream_error", str(exc) or type(exc).__name__)
                return None

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        token = self.state.token if self.state.stopped is None else None
        if token is None:
            await send({"type": "websocket.close", "code": 4001})
            return
        query = scope.get("query_string", b"")
        url = self.ws_base + SOCKET + ("?" + query.decode("latin-1") if query else "")
        try:
            upstream = await connect(
                url,
                additional_headers={"Authorization": f"Bearer {token}"},
                open_timeout=10,
                max_size=1 << 22,
            )
        except (OSError, InvalidStatus, WebSocketException, TimeoutError):
            await send({"type": "websocket.close", "code": 1011})
            return
        await send({"type": "websocket.accept"})
        self.upstream_sockets.add(upstream)
        self.state.open_sockets += 1
        try:
            await self._pump(upstream, receive, send)
        finally:
            self.state.open_sockets -= 1
            self.upstream_sockets.discard(upstream)
            await upstream.close()

    async def _pump(self, upstream: ClientConnection, receive: Receive, send: Send) -> None:
        async def outward() -> None:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                await upstream.send(text if text is not None else message.get("bytes") or b"")

        async def inward() -> None:
            with contextlib.suppress(ConnectionClosed):
                async for frame in upstream:
                    key = "text" if isinstance(frame, str) else "bytes"
                    await send({"type": "websocket.send", key: frame})

        tasks = [asyncio.create_task(outward()), asyncio.create_task(inward())]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if tasks[1] in done:  # the server closed: pass its code on
            code = upstream.close_code or 1000
            with contextlib.suppress(Exception):
                await send(
                    {"type": "websocket.close", "code": code, "reason": upstream.close_reason or ""}
                )

    async def close_sockets(self) -> None:
        """Close every proxied socket (the gateway stopped serving)."""
        for upstream in list(self.upstream_sockets):
            with contextlib.suppress(Exception):
                await upstream.close(code=4001, reason=self.state.stopped or "stopped")
