"""WebSocket plumbing for the sync sockets: who is calling, and writes that never wait.

Authentication reads the session from an ``Authorization: Bearer`` header or a cookie —
never from the URL, where tokens end up in logs. A browser attaches cookies to a
WebSocket opened by any site, so a cookie is accepted only when the ``Origin`` header is
absent (not a browser) or names this host: that stops cross-site WebSocket hijacking.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from gatehouse.api.auth import SESSION_COOKIE
from gatehouse.domain.errors import Forbidden, GatehouseError, NotAuthenticated
from gatehouse.service import sessions
from gatehouse.service.context import ServiceContext
from gatehouse.service.sessions import Principal

TRANSPORT = "gatehouse.transport"
RAW_SEND = "gatehouse.raw_send"
IBKR_COOKIE = "api"


class _Transport(Protocol):
    def get_write_buffer_size(self) -> int: ...
    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None: ...
    def abort(self) -> None: ...


class TransportProbe:
    """ASGI middleware: hands WebSocket handlers the server's transport and raw ``send``.

    Writing without waiting needs the socket's write-buffer size, which ASGI does not
    expose. uvicorn's ``send`` is a method of its protocol object, which holds the
    transport; when found, both are put in the scope. Elsewhere the outlet falls back to
    plain ASGI sends, with the transport's default buffer limit.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is not None and hasattr(transport, "get_write_buffer_size"):
                scope[TRANSPORT] = transport
                scope[RAW_SEND] = send
        await self.app(scope, receive, send)


def _limit_kernel_buffer(transport: _Transport, size: int) -> None:
    """Cap the kernel's send buffer too, so a stalled client holds a bounded amount of
    memory (Linux would otherwise grow it to ``tcp_wmem``'s maximum, 4 MiB)."""
    sock = getattr(transport, "get_extra_info", lambda _: None)("socket")
    if sock is not None:
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)


def _without_waiting(step: Coroutine[Any, Any, None]) -> bool:
    """Run a send that must not wait: True if it completed, False if it would have waited."""
    try:
        step.send(None)
    except StopIteration:
        return True
    except Exception:
        return False
    step.close()
    return False


class WebSocketOutlet:
    """The hub's ``Outlet`` over one accepted socket."""

    def __init__(
        self, ws: WebSocket, *, high_water: int, send_timeout: float, close_timeout: float = 1.0
    ) -> None:
        self._transport: _Transport | None = ws.scope.get(TRANSPORT)
        self._send: Callable[[Message], Awaitable[None]] = ws.scope.get(RAW_SEND) or ws.send
        self._high_water = high_water
        self._send_timeout = send_timeout
        self._close_timeout = close_timeout
        self._closer: asyncio.Task[None] | None = None
        if self._transport is not None:
            self._transport.set_write_buffer_limits(high=high_water)
            _limit_kernel_buffer(self._transport, high_water)

    @property
    def closing(self) -> bool:
        return self._closer is not None

    def offer(self, frame: str) -> bool:
        if self._closer is not None:
            return False
        if self._transport is not None and (
            self._transport.get_write_buffer_size() > self._high_water
        ):
            return False
        step = self._send({"type": "websocket.send", "text": frame})
        return _without_waiting(step)  # type: ignore[arg-type]

    async def send(self, frame: str) -> bool:
        if self._closer is not None:
            return False
        try:
            await asyncio.wait_for(
                self._send({"type": "websocket.send", "text": frame}), self._send_timeout
            )
        except Exception:
            return False
        return True

    def close(self, code: int, reason: str) -> None:
        if self._closer is None:
            self._closer = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(
                self._send({"type": "websocket.close", "code": code, "reason": reason}),
                self._close_timeout,
            )
        except Exception:
            if self._transport is not None:
                self._transport.abort()  # it cannot even take the close frame: cut it off


async def text_frames(
    ws: WebSocket, on_error: Callable[[str, str], None], *, max_bytes: int = 4096
) -> AsyncIterator[str]:
    """The client's text frames until it goes away; bad ones are reported, not fatal."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            on_error("binary_frame", "Send JSON text frames, not binary ones.")
        elif len(text) > max_bytes:
            on_error("frame_too_large", f"Frames are limited to {max_bytes} bytes.")
        else:
            yield text


def encode(body: dict[str, object]) -> str:
    return orjson.dumps(body).decode()


# --- who is calling ----------------------------------------------------------------------
def api_cookie_token(value: str) -> str | None:
    """The token in IBKR's ``api`` cookie: ``{"session":"<t>"}`` (maybe %-encoded) or ``<t>``."""
    text = value.strip()
    if text[:3].upper() == "%7B":
        text = unquote(text)
    if not text.startswith("{"):
        return text or None
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    session = body.get("session") if isinstance(body, dict) else None
    return session if isinstance(session, str) and session else None


def presented_token(ws: WebSocket, *, ibkr_cookie: bool = False) -> tuple[str, bool] | None:
    """The session token offered, and whether it came in a cookie."""
    scheme, _, value = ws.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    if ibkr_cookie and (raw := ws.cookies.get(IBKR_COOKIE)):
        token = api_cookie_token(raw)
        if token:
            return token, True
    cookie = ws.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else None


def same_origin(ws: WebSocket) -> bool:
    """No ``Origin`` (not a browser), or one naming the host the socket was opened to."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


async def authenticate(
    ws: WebSocket, ctx: ServiceContext, *, ibkr_cookie: bool = False
) -> Principal | None:
    """The caller's principal; None after refusing the handshake with a JSON error."""
    presented = presented_token(ws, ibkr_cookie=ibkr_cookie)
    try:
        if presented is None:
            raise NotAuthenticated()
        token, from_cookie = presented
        if from_cookie and not same_origin(ws):
            raise Forbidden("Cross-site WebSocket connections are refused.")
        return await sessions.authenticate(ctx, token)
    except GatehouseError as error:
        await _deny(ws, error)
        return None


async def _deny(ws: WebSocket, error: GatehouseError) -> None:
    # Closing before accepting makes the server answer the handshake with 403. (A JSON
    # denial response would be nicer, but uvicorn's sansio protocol logs it as an error.)
    with contextlib.suppress(RuntimeError):
        await ws.close(code=1008, reason=error.code)
