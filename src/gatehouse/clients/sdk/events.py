"""``/v1/api/events`` as an async iterator that survives disconnects without gaps or duplicates.

The stream resumes from the last ``seq`` it yielded after any disconnect (with jittered
exponential backoff), yields a :class:`Resync` when the server no longer has what was missed,
and raises :class:`SessionEnded` when the session is revoked, signed out or expired (close
code 4001, or a refused handshake). See docs/sync.md for the protocol.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from gatehouse.clients.sdk.errors import NotSignedIn, SessionEnded
from gatehouse.clients.sdk.models import Event, Resync
from gatehouse.clients.sdk.transport import Transport, websocket_url

log = logging.getLogger("gatehouse.sdk.events")

SESSION_ENDED_CLOSE = 4001
SESSION_ENDED_PREFIX = "session ended: "

# Checks that the session is still valid after a refused handshake (raises if not).
SessionCheck = Callable[[], Awaitable[object]]


class _Reconnect(Exception):
    """The connection is unusable: reconnect and resume."""


def end_reason(close_reason: str) -> str:
    """``"session ended: revoked"`` -> ``"revoked"``."""
    if close_reason.startswith(SESSION_ENDED_PREFIX):
        return close_reason[len(SESSION_ENDED_PREFIX) :] or "ended"
    return close_reason or "ended"


class EventStream:
    """Account events after ``since`` (None: from now on), across reconnects.

    ``last_seq`` and ``epoch`` say where the stream is; pass them as ``since``/``epoch`` to a
    later stream to continue where this one stopped. ``connected`` is True while a socket
    is open and resumed; ``reconnects`` counts the connections after the first.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        since: int | None = None,
        epoch: str | None = None,
        check_session: SessionCheck | None = None,
        backoff_initial: float = 0.05,
        backoff_max: float = 5.0,
        idle_timeout: float = 45.0,
        open_timeout: float = 10.0,
    ) -> None:
        self.last_seq = since
        self.epoch = epoch
        self.connected = False
        self.reconnects = 0
        self._transport = transport
        self._check_session = check_session
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._idle_timeout = idle_timeout
        self._open_timeout = open_timeout
        self._ws: ClientConnection | None = None
        self._iterator = self._run()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event | Resync:
        return await self._iterator.__anext__()

    async def aclose(self) -> None:
        """Stop following the stream and close the socket."""
        await self._iterator.aclose()
        await self._close_socket()

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def disconnect(self) -> None:
        """Drop the current socket (as a network failure would); the stream reconnects."""
        await self._close_socket()

    async def _close_socket(self) -> None:
        ws, self._ws = self._ws, None
        self.connected = False
        if ws is not None:
            await ws.close()

    async def _run(self) -> AsyncGenerator[Event | Resync, None]:
        delay = self._backoff_initial
        first = True
        while True:
            if not first:
                self.reconnects += 1
            first = False
            try:
                ws = await self._open()
            except _Reconnect:
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, self._backoff_max)
                continue
            self._ws = ws
            try:
                await self._resume(ws)
                async for item in self._receive(ws):
                    delay = self._backoff_initial  # a working connection resets the backoff
                    yield item
                    if isinstance(item, Resync):
                        await self._resume(ws)
            except _Reconnect:
                pass
            finally:
                self.connected = False
                self._ws = None
                await ws.close()
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self._backoff_max)

    async def _open(self) -> ClientConnection:
        url = websocket_url(self._transport.server, "/events")
        ssl_context: Any = None
        if url.startswith("wss://") and self._transport.verify is not True:
            ssl_context = ssl.create_default_context()
            if self._transport.verify is False:
                ssl_context.check_hostname = False
                ssl_context.verify_mode = ssl.CERT_NONE
            else:
                ssl_context.load_verify_locations(str(self._transport.verify))
        try:
            return await connect(
                url,
                additional_headers=self._transport.auth_headers(),
                user_agent_header=self._transport.user_agent,
                open_timeout=self._open_timeout,
                compression=None,
                ssl=ssl_context,
            )
        except InvalidStatus as error:
            if error.response.status_code in (401, 403):
                await self._refused()
            raise _Reconnect() from error
        except (OSError, TimeoutError, WebSocketException) as error:
            log.info("events: cannot connect (%s); retrying", error)
            raise _Reconnect() from error

    async def _refused(self) -> None:
        """A refused handshake: if the session is gone, say why; else retry later."""
        if self._check_session is None:
            raise SessionEnded("refused", code="not_authenticated")
        try:
            await self._check_session()
        except NotSignedIn as error:
            raise SessionEnded(error.code, error.message, code=error.code) from error
        except Exception as error:
            log.info("events: session check failed (%s); retrying", error)

    async def _send(self, ws: ClientConnection, body: dict[str, Any]) -> None:
        try:
            await ws.send(json.dumps(body))
        except ConnectionClosed as error:
            self._closed(error)
            raise _Reconnect() from error

    async def _resume(self, ws: ClientConnection) -> None:
        body: dict[str, Any] = {"op": "resume", "since": self.last_seq}
        if self.epoch is not None and self.last_seq is not None:
            body["epoch"] = self.epoch
        await self._send(ws, body)

    def _closed(self, error: ConnectionClosed) -> None:
        """Raise ``SessionEnded`` when the server closed for the session's end."""
        received = error.rcvd
        if received is not None and received.code == SESSION_ENDED_CLOSE:
            raise SessionEnded(end_reason(received.reason)) from error
        log.info("events: disconnected (%s); resuming from %s", error, self.last_seq)

    async def _receive(self, ws: ClientConnection) -> AsyncIterator[Event | Resync]:
        while True:
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns a frame that
                # arrived as the task was cancelled and drops the cancellation, and the
                # stream then follows the socket for ever (a gateway that never stopped)
                async with asyncio.timeout(self._idle_timeout):
                    raw = await ws.recv()
            except TimeoutError as error:
                log.info("events: no frame for %.0f s; reconnecting", self._idle_timeout)
                raise _Reconnect() from error
            except ConnectionClosed as error:
                self._closed(error)
                raise _Reconnect() from error
            try:
                frame = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(frame, dict):
                continue
            item = self._accept(frame)
            if item is not None:
                yield item

    def _accept(self, frame: dict[str, Any]) -> Event | Resync | None:
        """What to yield for a frame; None for frames that carry nothing new."""
        kind = frame.get("type")
        if "seq" in frame and isinstance(kind, str) and "." in kind:
            event = Event.from_json(frame)
            if self.last_seq is not None and event.seq <= self.last_seq:
                return None  # already yielded (a replay overlapping what we saw)
            if self.last_seq is not None and event.seq != self.last_seq + 1:
                log.warning("events: gap after %s (got %s); resuming", self.last_seq, event.seq)
                raise _Reconnect()
            self.last_seq = event.seq
            return event
        if kind == "ready":
            self.connected = True
            self.epoch = str(frame.get("epoch") or self.epoch or "") or None
            if self.last_seq is None:
                self.last_seq = int(frame.get("seq") or 0)
            return None
        if kind == "resync":
            self.last_seq = int(frame.get("seq") or 0)
            self.epoch = str(frame.get("epoch") or "") or None
            return Resync(seq=self.last_seq, epoch=self.epoch or "")
        if kind == "error":
            log.warning("events: the server refused a frame: %s", frame)
        return None
