"""Writing to a sync socket without ever waiting: the hub's ``Outlet`` over an ASGI WebSocket.

To tell "written" from "would have to wait" the outlet needs the socket's write buffer,
which ASGI does not expose; ``probe_transport`` finds uvicorn's protocol object behind its
``send``. With uvicorn's ``websockets-sansio`` protocol (what ``gatehouse serve`` runs) a
frame goes straight to the transport, no coroutine per socket: the WebSocket framing of a
payload is built once (``wire_frame``, remembered for the last payload offered) and the
same bytes are written to every socket it fans out to, where ``websockets.broadcast``
frames it again for each connection. On asyncio's plain TCP transport, when nothing is
queued in it, the bytes go to the socket's ``send`` itself: a fan-out is one system call
per socket and a handful of attribute reads (``WebSocketOutlet.offer``). Under another
server the outlet steps the ASGI ``send`` and gives up if it would wait.
"""

from __future__ import annotations

import asyncio
import asyncio.selector_events
import contextlib
import socket
from collections.abc import Awaitable, Callable, Coroutine, Sized
from typing import Any, Protocol

import orjson
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.protocol import State
from websockets.server import ServerProtocol

from gatehouse.api.sockets.slim import Flag, slim

TRANSPORT = "gatehouse.transport"
RAW_SEND = "gatehouse.raw_send"
SANSIO = "gatehouse.sansio"


class _Transport(Protocol):
    def get_write_buffer_size(self) -> int: ...
    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None: ...
    def is_closing(self) -> bool: ...
    def write(self, data: bytes) -> None: ...
    def abort(self) -> None: ...


class _PlainTransport(Protocol):
    """What a write straight to the socket must check on asyncio's selector TCP transport
    (the state its own ``write`` reads): nothing queued, not closed or lost."""

    _conn_lost: int
    _buffer: Sized

    def write(self, data: bytes) -> None: ...


class _Conn(Protocol):
    """websockets' ``ServerProtocol`` as the write straight to the socket reads it."""

    _state: State
    expect_continuation_frame: bool


class _SansIO(Protocol):
    """The parts of uvicorn's ``WebSocketsSansIOProtocol`` a direct write uses."""

    transport: _Transport
    conn: ServerProtocol
    writable: asyncio.Event | Flag
    close_sent: bool
    disconnected: bool


def probe_transport(scope: Scope, send: Send) -> None:
    """Note uvicorn's transport, raw ``send`` and protocol in the scope, when found."""
    owner = getattr(send, "__self__", None)
    transport = getattr(owner, "transport", None)
    if transport is not None and hasattr(transport, "get_write_buffer_size"):
        scope[TRANSPORT] = transport
        scope[RAW_SEND] = send
        if isinstance(owner, WebSocketsSansIOProtocol):
            scope[SANSIO] = owner


def forget_handshake(ws: WebSocket) -> None:
    """Once accepted, drop what only the handshake needed: the request's and the response's
    headers, which uvicorn (its request and response objects, the scope) and Starlette
    (the parsed headers and cookies) would otherwise keep for the socket's life, ~4 KiB;
    and give uvicorn's protocol a lighter queue and event (``slim``), ~3.8 KiB."""
    proto: Any = ws.scope.get(SANSIO)
    if proto is not None:  # uvicorn reads them only until the handshake is answered
        for message in (proto.request, proto.response):
            if message is not None:  # (websockets' parser keeps the request object too)
                message.headers.clear()
        proto.request = proto.response = None
        slim(proto)
    ws.scope["headers"] = []
    for key in ("subprotocols", "extensions"):  # read while accepting only: a list, a dict
        ws.scope.pop(key, None)
    vars(ws).pop("_headers", None)
    vars(ws).pop("_cookies", None)


def _limit_kernel_buffer(transport: _Transport, size: int) -> None:
    """Cap the kernel's send buffer too, so a stalled client holds a bounded amount of
    memory (Linux would otherwise grow it to ``tcp_wmem``'s maximum, 4 MiB)."""
    sock = getattr(transport, "get_extra_info", lambda _: None)("socket")
    if sock is not None:
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)


def wire_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented, uncompressed text frame (RFC 6455 5.2): what a server sends."""
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 1 << 16:
        head = b"\x81\x7e" + size.to_bytes(2, "big")
    else:
        head = b"\x81\x7f" + size.to_bytes(8, "big")
    return head + payload


_OPEN = State.OPEN

# asyncio's own TCP transport, whose ``write`` the direct path does when nothing is queued.
_SELECTOR_TCP: object = getattr(asyncio.selector_events, "_SelectorSocketTransport", None)


def _plain(transport: object, conn: ServerProtocol) -> tuple[_PlainTransport, socket.socket] | None:
    """The transport and its socket when frames may go straight to the socket: asyncio's own
    TCP transport (not TLS, not uvloop's, not a subclass), and websockets' state readable
    as the attribute its ``state`` property returns."""
    if type(transport) is not _SELECTOR_TCP:
        return None
    sock = getattr(transport, "_sock", None)
    if not isinstance(sock, socket.socket) or getattr(conn, "_state", None) is not conn.state:
        return None
    if not isinstance(getattr(transport, "_conn_lost", None), int):
        return None
    return transport, sock  # type: ignore[return-value]


# The last payload offered and its wire frame: a fan-out offers one payload to many sockets.
_last_payload: bytes = b""
_last_wire: bytes = wire_frame(b"")


def _wire(payload: bytes) -> bytes:
    global _last_payload, _last_wire
    if payload is not _last_payload:
        _last_wire = wire_frame(payload)
        _last_payload = payload
    return _last_wire


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

    __slots__ = (
        "_close_timeout",
        "_closer",
        "_conn",
        "_direct",
        "_high_water",
        "_plain",
        "_sansio",
        "_send",
        "_send_timeout",
        "_sock",
        "_transport",
    )  # fmt: skip

    def __init__(
        self, ws: WebSocket, *, high_water: int, send_timeout: float, close_timeout: float = 1.0
    ) -> None:
        self._transport: _Transport | None = ws.scope.get(TRANSPORT)
        self._send: Callable[[Message], Awaitable[None]] = ws.scope.get(RAW_SEND) or ws.send
        self._sansio: _SansIO | None = ws.scope.get(SANSIO)
        self._high_water = high_water
        self._send_timeout = send_timeout
        self._close_timeout = close_timeout
        self._closer: asyncio.Task[None] | None = None
        if self._transport is not None:
            self._transport.set_write_buffer_limits(high=high_water)
            _limit_kernel_buffer(self._transport, high_water)
        # Frames built once need the plain framing: no extension (compression) negotiated.
        self._direct = self._sansio if self._sansio and not self._sansio.conn.extensions else None
        # And on asyncio's TCP transport they can skip it while nothing is queued in it.
        direct = self._direct
        plain = _plain(direct.transport, direct.conn) if direct is not None else None
        self._conn: _Conn | None = direct.conn if direct and plain else None  # type: ignore[assignment]
        self._plain: _PlainTransport | None = plain[0] if plain else None
        self._sock: socket.socket | None = plain[1] if plain else None

    @property
    def closing(self) -> bool:
        return self._closer is not None

    def offer(self, frame: bytes) -> bool:
        conn, transport = self._conn, self._plain
        if (
            conn is not None
            and transport is not None
            and self._closer is None
            and conn._state is _OPEN  # no close frame sent or received (close_sent)
            and not transport._conn_lost  # not closed nor lost (disconnected)
            and not transport._buffer  # nothing queued: below the high-water mark (writable)
            and not conn.expect_continuation_frame
        ):
            # The common case, one attribute read per condition and one system call: what
            # the transport's own ``write`` does when nothing is queued, and what uvicorn's
            # send and websockets' ``send_text`` check (``_direct``'s checks below).
            wire = _last_wire if frame is _last_payload else _wire(frame)
            try:
                sent = self._sock.send(wire)  # type: ignore[union-attr]
            except OSError:  # would block, or a dead connection: the transport's write
                sent = 0  # queues it, or meets the error and closes the transport
            if sent != len(wire):
                transport.write(wire[sent:])  # the rest queued in order, and backpressure
            return True
        proto = self._direct
        if proto is not None:
            # What uvicorn's send and the protocol's send_text check, minus the wait for
            # buffer room; then the frame, built once for every socket it goes to.
            if (
                self._closer is not None
                or proto.close_sent
                or proto.disconnected
                or not proto.writable.is_set()  # paused: past the high-water mark
                or proto.conn.state is not State.OPEN
                or proto.conn.expect_continuation_frame
            ):
                return False
            proto.transport.write(_wire(frame))
            return True
        proto = self._sansio
        if proto is not None:  # an extension frames each socket's own way
            if self._closer is not None or proto.close_sent or proto.disconnected:
                return False
            if not proto.writable.is_set():
                return False
            try:
                proto.conn.send_text(frame)
            except InvalidState:
                return False
            proto.transport.write(b"".join(proto.conn.data_to_send()))
            return True
        if self._closer is not None or (
            self._transport is not None
            and self._transport.get_write_buffer_size() > self._high_water
        ):
            return False
        step = self._send({"type": "websocket.send", "text": frame.decode()})
        return _without_waiting(step)  # type: ignore[arg-type]

    async def send(self, frame: bytes) -> bool:
        if self._closer is not None:
            return False
        try:
            await asyncio.wait_for(
                self._send({"type": "websocket.send", "text": frame.decode()}), self._send_timeout
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


def raw_receive(ws: WebSocket) -> Receive:
    """The server's own ASGI ``receive`` behind an accepted socket. Starlette's
    ``WebSocket.receive`` only adds state checks the sync sockets do not need, and one
    more coroutine per idle socket for every full garbage collection to walk."""
    found: Receive = ws._receive
    return found


async def next_text(
    receive: Receive, on_error: Callable[[str, str], None], *, max_bytes: int = 4096
) -> str | None:
    """The client's next text frame; None once it has gone away. Bad frames are reported,
    not fatal. (A coroutine per frame rather than an async generator: an idle socket
    waits one object deep here instead of three, the generator and its ``asend``.)"""
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if text is None:
            on_error("binary_frame", "Send JSON text frames, not binary ones.")
        elif len(text) > max_bytes:
            on_error("frame_too_large", f"Frames are limited to {max_bytes} bytes.")
        else:
            return str(text)


def encode(body: dict[str, object]) -> bytes:
    """A text frame's UTF-8 JSON."""
    return orjson.dumps(body)
