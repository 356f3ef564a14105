"""The local listener: a plain ASGI app (served by uvicorn) that proxies ``/v1/api/*``,
``/v1/portal/*`` (rewritten to ``/v1/api``) and the ``/v1/api/ws`` WebSocket to the server with
the Gateway's own session, and answers ``GET /gateway/status``. Local programs send no
credentials: any ``Authorization`` or cookie they send is dropped.

Request bodies are read whole (at most 1 MiB) so a request can be sent again when the server
is restarting; responses are streamed through as they arrive, over the lean keep-alive pool of
``upstream.py``. A server that cannot be reached gets ``502 {"error": "upstream_unavailable"}``;
a request that waited too long for one of the pool's capped connections gets
``503 {"error": "upstream_busy"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from gatehouse.clients.gateway.allow import AllowList
from gatehouse.clients.gateway.state import GatewayState
from gatehouse.clients.gateway.upstream import (
    Answer,
    Headers,
    Pool,
    UpstreamBusy,
    UpstreamError,
    UpstreamUnavailable,
)
from gatehouse.clients.sdk.transport import API_PREFIX, PORTAL_PREFIX

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 1 << 20
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
DROP_RESPONSE = {
    b"connection",
    b"keep-alive",
    b"proxy-authenticate",
    b"proxy-connection",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"set-cookie",
}
API = API_PREFIX + "/"
PORTAL = PORTAL_PREFIX + "/"
SOCKET = API + "ws"
SOCKET_PATHS = {SOCKET, PORTAL + "ws"}
SESSION_GONE = {"not_authenticated", "session_expired", "session_ended"}


class Sessions(Protocol):
    async def fresh_token(self, stale: str | None) -> str | None:
        """A token to use instead of ``stale`` (which the server refused), or None."""
        ...


def _hop_by_hop(headers: Headers) -> set[bytes]:
    """The fields named by ``Connection`` headers (hop-by-hop by declaration, RFC 9110 7.6.1)."""
    named: set[bytes] = set()
    for key, value in headers:
        if key.lower() == b"connection":
            named.update(part.strip().lower() for part in value.split(b","))
    return named


def _clean_request(headers: Headers) -> Headers:
    """A local program's headers without hop-by-hop fields and without its credentials."""
    named = _hop_by_hop(headers)
    return [
        (k, v) for k, v in headers if (low := k.lower()) not in DROP_REQUEST and low not in named
    ]


def _clean_response(headers: Headers) -> Headers:
    named = _hop_by_hop(headers)
    return [
        (k, v) for k, v in headers if (low := k.lower()) not in DROP_RESPONSE and low not in named
    ]


def _session_gone(answer: Answer, body: bytes) -> bool:
    """Whether a 401 says the gateway's own session is over (not that the request failed)."""
    if answer.header(b"content-encoding"):
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
        upstream: Pool,
        sessions: Sessions,
        allow: AllowList,
        *,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.state = state
        self.upstream = upstream
        self.sessions = sessions
        self.allow = allow
        self.retry_seconds = retry_seconds
        base = upstream.server
        self.ws_base = "ws" + base[4:] if base.startswith("http") else base
        self.upstream_sockets: set[ClientConnection] = set()

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
        headers = _clean_request(scope["headers"])
        query: bytes = scope.get("query_string", b"")
        target = path.encode("latin-1") + (b"?" + query if query else b"")
        method = scope["method"].encode("ascii")
        answer: Answer | None = None
        held: bytes | None = None  # a 401's body, read to see whether the session is gone
        for attempt in (1, 2):
            sent = [*headers, (b"authorization", b"Bearer " + token.encode())]
            try:
                answer = await self._send(method, target, sent, bytes(body))
            except UpstreamBusy as busy:  # every connection the pool may open stayed busy
                self.state.error("upstream_busy", str(busy))
                await _json(send, 503, {"error": "upstream_busy", "message": str(busy)})
                return
            if answer is None:
                last = self.state.last_error
                reason = str(last["reason"]) if last else ""
                await _json(send, 502, {"error": "upstream_unavailable", "message": reason})
                return
            if answer.status == 401 and attempt == 1:
                try:
                    held = await answer.read()
                except UpstreamError as error:
                    await self._upstream_failed(send, error)
                    return
                if not _session_gone(answer, held):
                    break  # a refusal of the request itself (a wrong code, …): pass it on
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
            start = _clean_response(answer.headers)
            await send({"type": "http.response.start", "status": answer.status, "headers": start})
            if held is not None:
                await send({"type": "http.response.body", "body": held})
                return
            async for chunk in answer.chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except UpstreamError as error:  # the answer has begun: all we can do is cut it short
            self.state.error("upstream_error", str(error))
            raise
        finally:
            answer.close()

    async def _upstream_failed(self, send: Send, error: UpstreamError) -> None:
        self.state.error("upstream_error", str(error))
        await _json(send, 502, {"error": "upstream_unavailable", "message": str(error)})

    async def _send(
        self, method: bytes, target: bytes, headers: Headers, body: bytes
    ) -> Answer | None:
        """Send, waiting out a server that refuses connections (restarting) for a while."""
        delay, waited = 0.1, 0.0
        while True:
            try:
                answer = await self.upstream.request(method, target, headers, body)
                if not self.state.upstream_connected:
                    self.state.upstream_connected = True
                return answer
            except UpstreamUnavailable as exc:
                self.state.upstream_connected = False
                self.state.error("upstream_unavailable", str(exc))
                if waited >= self.retry_seconds or self.state.stopped:
                    return None
                await asyncio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 2.0)
            except UpstreamError as exc:
                self.state.error("upstream_error", str(exc))
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
