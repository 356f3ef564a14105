"""One TWS API client connection: the handshake, startApi, the read loop with pacing (50
messages a second), and dispatch of each request to its handler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from gatehouse.clients.gateway.tws import encode, messages
from gatehouse.clients.gateway.tws.messages import In
from gatehouse.clients.gateway.tws.protocol import (
    PREFIX,
    FrameReader,
    ProtocolError,
    frame,
    handshake_answer,
    negotiate,
    parse_version_range,
)
from gatehouse.clients.gateway.tws.requests import Request, decode_request, unsupported_req_id
from gatehouse.clients.gateway.tws.upstream import UpstreamError

if TYPE_CHECKING:
    from gatehouse.clients.gateway.tws.placing import Held
    from gatehouse.clients.gateway.tws.server import TwsServer

log = logging.getLogger("gatehouse.gateway.tws")
Handler = Callable[["Session", Request], Awaitable[None]]
PACING_LIMIT = 50
HANDSHAKE_TIMEOUT = 10.0


class Session:
    """A connected client: its clientId, what it subscribed to, and its writer."""

    def __init__(
        self, server: TwsServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.client_id: int | None = None
        self.version = 0
        self.market_data_type = 1
        self.positions = False
        self.account_updates: str | None = None
        self.summaries: dict[int, str] = {}  # reqId → tags
        self.updates_multi: set[int] = set()
        self.pnl: set[int] = set()
        self.pnl_single: dict[int, int] = {}  # reqId → conid
        self.auto_open_orders = False
        self.held: dict[int, Held] = {}  # orderId → an order sent with transmit=False
        self._times: deque[float] = deque()
        self.closed = False

    # -- sending ---------------------------------------------------------------------------
    def send(self, message: list[Any]) -> None:
        if self.closed or self.writer.is_closing():  # gone: the read loop will notice
            return
        self.writer.write(frame(message))

    def error(self, req_id: int, code: int, text: str | None = None, **values: object) -> None:
        self.send(encode.error(req_id, code, text or messages.error_text(code, **values)))

    # -- the connection --------------------------------------------------------------------
    async def run(self) -> None:
        try:
            await asyncio.wait_for(self._handshake(), HANDSHAKE_TIMEOUT)
            frames = FrameReader()
            while not self.closed:
                data = await self.reader.read(65536)
                if not data:
                    break
                for fields in frames.feed(data):
                    await self._dispatch(fields)
                await self.writer.drain()
        except ProtocolError as exc:
            log.info("TWS client %s: closing on a malformed frame: %s", self.client_id, exc)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            await self.close()

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.server.forget(self)
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

    async def _handshake(self) -> None:
        prefix = await self.reader.readexactly(len(PREFIX))
        if prefix != PREFIX:
            raise ProtocolError("bad_handshake", "The connection did not start with API\\0.")
        size = int.from_bytes(await self.reader.readexactly(4), "big")
        if not 0 < size <= 256:
            raise ProtocolError("bad_handshake", f"Handshake length {size} is not allowed.")
        low, high, _options = parse_version_range(await self.reader.readexactly(size))
        version = negotiate(low, high)
        if version is None:
            raise ProtocolError("unsupported_version", f"No common version in v{low}..{high}.")
        self.version = version
        self.writer.write(handshake_answer(version, self.server.now()))
        await self.writer.drain()

    def _paced(self) -> bool:
        """True when this message is over 50 in the last second (it is then refused)."""
        now = time.monotonic()
        while self._times and now - self._times[0] >= 1.0:
            self._times.popleft()
        self._times.append(now)
        return len(self._times) > PACING_LIMIT

    async def _dispatch(self, fields: list[str]) -> None:
        try:
            msg_id, request = decode_request(fields)
        except ProtocolError as exc:
            self.error(messages.NO_ID, messages.UNSUPPORTED_NO_ID, _invalid(fields, str(exc)))
            return
        if self.client_id is None and msg_id != In.START_API:
            self.error(messages.NO_ID, messages.NOT_CONNECTED, "Not connected: send startApi first")
            return
        if self._paced():
            self.error(messages.NO_ID, messages.PACING, count=len(self._times))
            return
        if request is None:
            self._unsupported(fields, msg_id)
            return
        handler = self.server.handlers.get(msg_id)
        if handler is None:
            self._unsupported(fields, msg_id)
            return
        try:
            await handler(self, request)
        except UpstreamError as exc:
            self._upstream_failed(request, exc)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:  # a fault of ours: answer it, keep the connection
            log.exception("TWS: %s failed", messages.request_name(msg_id))
            self.error(
                _req_id(request), messages.UNSUPPORTED, "Error processing request: internal error"
            )

    def _unsupported(self, fields: list[str], msg_id: int) -> None:
        req_id = unsupported_req_id(fields)
        code = messages.UNSUPPORTED if req_id != messages.NO_ID else messages.UNSUPPORTED_NO_ID
        self.error(req_id, code, name=messages.request_name(msg_id), msg_id=msg_id)

    def _upstream_failed(self, request: Request, exc: UpstreamError) -> None:
        req_id = _req_id(request)
        if exc.status == 0:
            self.server.upstream_lost()
        log.info("TWS request failed upstream: %s %s", exc.code, exc.message)
        self.error(req_id, messages.UNSUPPORTED, f"Error processing request: {exc.message}")


def _req_id(request: Request) -> int:
    """The id a request's error is answered on (its reqId or orderId, else -1)."""
    return int(request.get("req_id", request.get("order_id", messages.NO_ID)) or 0)


def _invalid(fields: list[str], reason: str) -> str:
    name = messages.request_name(int(fields[0])) if fields and fields[0].isdigit() else "?"
    return f"Error validating request.-'{name}' : cause - {reason}"
