"""The TWS API server: accepts up to 32 clients on an allow-listed address, keeps the order
map and the market-data feed they share, and turns Gatehouse's account events into TWS
messages for every client that should see them. ``serve_tws`` is the entry point."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from gatehouse.clients.gateway.tws import encode, forward, messages
from gatehouse.clients.gateway.tws.book import OrderBook
from gatehouse.clients.gateway.tws.contracts import ContractBook
from gatehouse.clients.gateway.tws.encode_orders import open_order
from gatehouse.clients.gateway.tws.handlers import HANDLERS
from gatehouse.clients.gateway.tws.market import MarketFeed
from gatehouse.clients.gateway.tws.model import ApiOrder
from gatehouse.clients.gateway.tws.session import Session
from gatehouse.clients.gateway.tws.upstream import (
    LOST,
    RESTORED,
    RESTORED_DATA_LOST,
    Upstream,
    UpstreamError,
    UpstreamEvent,
)

log = logging.getLogger("gatehouse.gateway.tws")
MAX_CLIENTS = 32
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AllowPolicy(Protocol):
    """Who may connect (the gateway's allow-list has this shape)."""

    def permits(self, host: str | None) -> bool: ...


class Networks:
    """An allow-list of addresses and networks (loopback when empty)."""

    def __init__(self, entries: Sequence[str] = ()) -> None:
        self.networks = parse_allow(entries) or parse_allow(["127.0.0.0/8", "::1"])

    def permits(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        candidate = getattr(address, "ipv4_mapped", None) or address
        return any(candidate in network for network in self.networks)


def parse_allow(entries: Sequence[str]) -> list[Network]:
    """``127.0.0.1``, ``10.0.0.0/8``, ``::1`` → networks (a bad entry is ValueError)."""
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]


class TwsServer:
    def __init__(
        self,
        upstream: Upstream,
        *,
        allow: AllowPolicy | None = None,
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.upstream = upstream
        self.allow = allow or Networks()
        self.now = clock or (lambda: datetime.now(UTC))
        self.contracts = ContractBook(upstream)
        self.book = OrderBook(self.contracts, run=_base36(int(time.time() * 1000)))
        self.market = MarketFeed(self, poll_seconds)
        self.handlers = HANDLERS
        self.sessions: dict[int, Session] = {}
        self.accounts: list[str] = []
        self.connected = True
        self._stream_ok = True  # the event stream is connected
        self._calls_ok = True  # the last REST call reached the server
        self._ready = asyncio.Event()  # the event stream has connected once
        self._server: asyncio.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._connections: set[Session] = set()

    @property
    def calls_ok(self) -> bool:
        return self._calls_ok

    @property
    def port(self) -> int:
        """The port listened on (useful after binding port 0)."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def account(self) -> str:
        return self.accounts[0] if self.accounts else ""

    # -- lifecycle -------------------------------------------------------------------------
    async def load_accounts(self) -> list[str]:
        """The session's accounts (read once; a client's startApi retries if it failed)."""
        if not self.accounts:
            found = await self.upstream.request("GET", "iserver/accounts")
            self.accounts = [str(a) for a in found.get("accounts", [])]
        return self.accounts

    async def start(self, host: str, port: int) -> asyncio.Server:
        try:
            await self.load_accounts()
        except UpstreamError as exc:
            log.warning("TWS: accounts not read yet (%s); clients will retry", exc.message)
        self._server = await asyncio.start_server(self._accept, host, port)  # may be taken
        self._tasks.append(asyncio.create_task(self._pump_events(), name="tws-events"))
        self._tasks.append(asyncio.create_task(self.market.run(), name="tws-market"))
        return self._server

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self._connections):
            await session.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if not self.allow.permits(str(peer[0]) if peer else None):
            log.warning("TWS connection from %s refused: not on the allow-list", peer)
            writer.close()
            return
        session = Session(self, reader, writer)
        self._connections.add(session)
        try:
            await session.run()
        finally:
            self._connections.discard(session)

    # -- clients ---------------------------------------------------------------------------
    def register(self, session: Session, client_id: int) -> str | None:
        """Bind a clientId to a session; the refusal text when it cannot be."""
        if client_id in self.sessions:
            return messages.error_text(messages.ALREADY_CONNECTED)
        if len(self.sessions) >= MAX_CLIENTS:
            return f"Unable to connect: {MAX_CLIENTS} API clients are already connected."
        self.sessions[client_id] = session
        session.client_id = client_id
        return None

    def forget(self, session: Session) -> None:
        if session.client_id is not None and self.sessions.get(session.client_id) is session:
            del self.sessions[session.client_id]
        self.market.drop(session)

    def order_targets(self, order: ApiOrder) -> list[Session]:
        """The owner of an order and clientId 0 (which sees every order)."""
        found = []
        owner = self.sessions.get(order.client_id) if order.order_id > 0 else None
        if owner is not None:
            found.append(owner)
        zero = self.sessions.get(0)
        if zero is not None and zero is not owner:
            found.append(zero)
        return found

    def send_order(self, order: ApiOrder, targets: Sequence[Session] | None = None) -> None:
        for session in self.order_targets(order) if targets is None else targets:
            session.send(open_order(order))
            session.send(encode.order_status(order))

    # -- connectivity ----------------------------------------------------------------------
    def upstream_lost(self, *, stream: bool = False) -> None:
        """A call (or, with ``stream``, the event stream) could not reach the server: 1100."""
        if stream:
            self._stream_ok = False
        else:
            self._calls_ok = False
        if self.connected:
            self.connected = False
            for session in list(self.sessions.values()):
                session.error(messages.NO_ID, messages.UPSTREAM_LOST)

    def upstream_restored(self, *, stream: bool = False, data_lost: bool = False) -> None:
        """Calls (or the event stream) work again: 1102 once both do (1101 if events were
        lost). Subscriptions need nothing: the market feed and the stream carry on."""
        if stream:
            self._stream_ok = True
        else:
            self._calls_ok = True
        if not self.connected and self._stream_ok and self._calls_ok:
            self.connected = True
            code = messages.UPSTREAM_RESTORED_LOST if data_lost else messages.UPSTREAM_RESTORED
            for session in list(self.sessions.values()):
                session.error(messages.NO_ID, code)

    # -- account events --------------------------------------------------------------------
    async def wait_ready(self, patience: float = 2.0) -> None:
        """Wait (a while) for the event stream's first connection, so that a client that
        trades at once misses none of its orders' events; not when the server is known to
        be unreachable (the client is told 1100 instead)."""
        if self._ready.is_set() or not self.connected:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), patience)

    async def _pump_events(self) -> None:
        delay = 0.05
        while True:
            try:
                await self.load_accounts()  # signed in: the stream would be refused before
                async for event in self.upstream.events():
                    delay = 0.05
                    try:
                        await self.on_event(event)
                    except UpstreamError as exc:
                        log.warning("TWS: event %s not forwarded: %s", event.type, exc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("TWS: the event stream is down (%s); retrying", exc)
                self.upstream_lost(stream=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def on_event(self, event: UpstreamEvent) -> None:
        kind, data = event.type, event.data
        if kind == LOST:
            self.upstream_lost(stream=True)
        elif kind in (RESTORED, RESTORED_DATA_LOST):
            self._ready.set()
            self.upstream_restored(stream=True, data_lost=kind == RESTORED_DATA_LOST)
            if kind == RESTORED_DATA_LOST:  # events were missed: send the state as it is now
                await forward.refresh(self)
        elif event.account and self.accounts and event.account not in self.accounts:
            return
        elif isinstance(data, dict):
            await forward.forward(self, kind, data)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text or "0"


async def serve_tws(
    upstream: Upstream,
    host: str = "127.0.0.1",
    port: int = 4002,
    allow: Sequence[str] | AllowPolicy | None = None,
    *,
    poll_seconds: float = 1.0,
) -> TwsServer:
    """Start a TWS API server for ``upstream`` on ``host:port``; ``await server.close()``."""
    policy = Networks(allow) if isinstance(allow, Sequence) else allow
    server = TwsServer(upstream, allow=policy, poll_seconds=poll_seconds)
    await server.start(host, port)
    return server
