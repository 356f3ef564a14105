"""The proxy's upstream: a lean HTTP/1.1 keep-alive pool over asyncio streams, parsed by h11.

Cheaper per request than a general client (no URL objects, no header models, no anyio): the
listener hands it raw header pairs and a body and streams the answer back. A connection goes
back to the pool only when both sides finished their messages cleanly; a reused connection
the server closed while idle (its keep-alive timeout) is dropped and the request is sent once
on a fresh connection, before any byte of an answer was read.

At most ``max_connections`` connections are open at once (idle, busy or connecting): a burst
of requests beyond that waits, first come first served, for a connection to come back to the
pool (handed straight to the next waiter, so keep-alive reuse goes on) or for one to close
(the waiter then opens a fresh one in its place). A request that waits longer than
``wait_timeout`` gets ``UpstreamBusy``. A connection holds its place from the moment it is
being opened until it is closed, whichever way it ends, so a place is never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import h11

Headers = list[tuple[bytes, bytes]]
READ_SIZE = 65536
MAX_CONNECTIONS = 50  # open at once to the server (idle, busy or connecting)
WAIT_TIMEOUT = 10.0  # seconds a request waits for a connection when all are busy


class UpstreamUnavailable(Exception):
    """No connection could be opened to the server (refused, unreachable, connect timeout)."""


class UpstreamError(Exception):
    """The server broke the exchange (closed early, bad HTTP, read timeout)."""


class UpstreamBusy(Exception):
    """Every connection the pool may open was busy for longer than its ``wait_timeout``."""


class _Connection:
    __slots__ = ("closed", "http", "pool", "reader", "reused", "writer")

    def __init__(
        self, pool: Pool, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.pool = pool
        self.reader = reader
        self.writer = writer
        self.http = h11.Connection(h11.CLIENT)
        self.reused = False  # it served a request before (it may have been closed while idle)
        self.closed = False

    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        """Close it and give its place in the pool back (once, however often it is called)."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            self.writer.close()
        self.pool._place_freed()


class Answer:
    """An upstream response: status and headers now, the body streamed by ``chunks()``."""

    def __init__(
        self, pool: Pool, conn: _Connection, response: h11.Response, timeout: float
    ) -> None:
        self.status = response.status_code
        self.headers: Headers = list(response.headers.raw_items())
        self._pool = pool
        self._conn: _Connection | None = conn
        self._timeout = timeout

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives (de-chunked); the connection is pooled again at its end."""
        conn = self._conn
        if conn is None:
            return
        try:
            while True:
                event = conn.http.next_event()
                if event is h11.NEED_DATA:
                    await self._pool._read(conn, self._timeout)
                elif isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    self._conn = None
                    self._pool._release(conn)
                    return
                else:  # ConnectionClosed, a second response: not HTTP/1.1 as we sent it
                    raise UpstreamError(f"unexpected {type(event).__name__} in a response body")
        except h11.RemoteProtocolError as error:
            raise UpstreamError(f"bad response from the server: {error}") from None
        finally:
            if self._conn is not None:  # left early (client gone, error): not reusable
                self._conn = None
                conn.close()

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    def close(self) -> None:
        """Drop the connection unless its body was read to the end."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Pool:
    """Keep-alive HTTP/1.1 connections to one server (``http://`` or ``https://`` URL)."""

    def __init__(
        self,
        server: str,
        *,
        max_connections: int = MAX_CONNECTIONS,
        max_idle: int = 50,
        wait_timeout: float = WAIT_TIMEOUT,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) server URL: {server!r}")
        self.server = server.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.host_header = parts.netloc.encode("ascii")
        self.ssl: ssl.SSLContext | None = None
        if parts.scheme == "https":
            if isinstance(verify, ssl.SSLContext):
                self.ssl = verify
            else:
                self.ssl = ssl.create_default_context()
                if not verify:
                    self.ssl.check_hostname = False
                    self.ssl.verify_mode = ssl.CERT_NONE
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_idle = min(max_idle, max_connections)
        self.max_connections = max_connections
        self.wait_timeout = wait_timeout
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._idle: list[_Connection] = []
        self._open = 0  # connections holding a place: idle, busy or being opened
        # requests waiting for a place, first come first served: each future gets a pooled
        # connection handed over, or None (a place was freed for it: open a fresh one)
        self._waiters: deque[asyncio.Future[_Connection | None]] = deque()
        self._closed = False

    @property
    def open_connections(self) -> int:
        return self._open

    async def request(self, method: bytes, target: bytes, headers: Headers, body: bytes) -> Answer:
        """Send one request (``headers`` already cleaned of hop-by-hop fields and Host) and
        return its answer once the status line and headers have arrived."""
        sent = [(b"host", self.host_header), *headers, (b"content-length", b"%d" % len(body))]
        request = h11.Request(method=method, target=target, headers=sent)
        while True:
            conn = await self._acquire()
            answer = await self._exchange(conn, request, body, reused=conn.reused)
            if answer is not None:
                return answer
            # a reused connection found closed before any answer: it gave its place back

    async def _acquire(self) -> _Connection:
        """A pooled connection, else a fresh one while under the cap, else the first one
        that comes back (or the place of the first one that closes) within ``wait_timeout``."""
        while self._idle:
            conn = self._idle.pop()
            if conn.usable():
                return conn
            conn.close()
        if self._open < self.max_connections and not self._waiters:
            self._open += 1
            return await self._connect()
        waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.wait_timeout):
                handed = await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():  # handed over as we gave up: pass on
                self._hand_on(waiter.result())
            else:
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            if isinstance(error, TimeoutError):
                raise UpstreamBusy(
                    f"all {self.max_connections} connections to the server stayed busy "
                    f"for {self.wait_timeout:g} s"
                ) from None
            raise
        return handed if handed is not None else await self._connect()

    def _hand_on(self, handed: _Connection | None) -> None:
        """Give a connection (or a freed place, ``None``) to the next waiter, or back."""
        if handed is not None:
            self._release(handed)
        else:
            self._place_freed()

    def _next_waiter(self) -> asyncio.Future[_Connection | None] | None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                return waiter
        return None

    def _place_freed(self) -> None:
        """A connection closed (or failed to open): its place goes to the next waiter."""
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(None)  # the place passes on: the count stays
        else:
            self._open -= 1

    async def _connect(self) -> _Connection:
        """Open a connection in a place already counted in ``_open``."""
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=self.ssl,
                    server_hostname=self.host if self.ssl else None,
                    limit=READ_SIZE,
                )
        except BaseException as error:
            self._place_freed()
            if isinstance(error, OSError | TimeoutError):
                raise UpstreamUnavailable(str(error) or type(error).__name__) from None
            raise
        return _Connection(self, reader, writer)

    async def _exchange(
        self, conn: _Connection, request: h11.Request, body: bytes, *, reused: bool
    ) -> Answer | None:
        """The answer; None when a reused connection turned out closed before any answer."""
        http = conn.http
        untouched = reused  # a reused connection from which nothing was read yet
        try:
            data = http.send(request) or b""
            if body:
                data += http.send(h11.Data(data=body)) or b""
            data += http.send(h11.EndOfMessage()) or b""
            conn.writer.write(data)
            if conn.writer.transport.get_write_buffer_size() > READ_SIZE:
                await conn.writer.drain()
            while True:
                event = http.next_event()
                if event is h11.NEED_DATA:
                    got = await self._read(conn, self.read_timeout, first=untouched)
                    if not got and untouched:
                        conn.close()
                        return None  # closed while idle: try again on a fresh connection
                    untouched = False
                elif isinstance(event, h11.Response):
                    return Answer(self, conn, event, self.read_timeout)
                elif isinstance(event, h11.InformationalResponse):
                    continue  # 100 Continue and the like
                else:
                    raise UpstreamError("the server closed the connection without an answer")
        except (h11.LocalProtocolError, h11.RemoteProtocolError) as error:
            conn.close()
            raise UpstreamError(f"bad response from the server: {error}") from None
        except (ConnectionError, OSError) as error:
            conn.close()
            if untouched:
                return None  # reset while idle: try again on a fresh connection
            raise UpstreamError(str(error) or type(error).__name__) from None
        except BaseException:  # UpstreamError, or the request cancelled (its client left)
            conn.close()  # half an exchange: never reusable, and its place must come back
            raise

    async def _read(self, conn: _Connection, seconds: float, *, first: bool = False) -> bytes:
        """Feed the next bytes (b"" at end of stream) to the connection's parser."""
        try:
            async with asyncio.timeout(seconds):
                data = await conn.reader.read(READ_SIZE)
        except TimeoutError:
            conn.close()
            raise UpstreamError(f"no answer from the server within {seconds:g} s") from None
        except (ConnectionError, OSError):
            if first:
                data = b""
            else:
                conn.close()
                raise UpstreamError("the server reset the connection") from None
        conn.http.receive_data(data)
        return data

    def _release(self, conn: _Connection) -> None:
        """A connection whose exchange ended: to the next waiter, else idle, else closed."""
        http = conn.http
        if (
            self._closed
            or conn.closed
            or http.our_state is not h11.DONE
            or http.their_state is not h11.DONE
            or not conn.usable()
        ):
            conn.close()
            return
        http.start_next_cycle()
        conn.reused = True
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(conn)
        elif len(self._idle) >= self.max_idle:
            conn.close()
        else:
            self._idle.append(conn)

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
