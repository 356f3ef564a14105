"""TWS API test helpers: a TWS server in front of a real Gatehouse server, signed in as a
gateway session through the SDK."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.exceptions import InvalidState

from gatehouse.clients.gateway.tws import TwsServer
from gatehouse.clients.gateway.tws.server import Networks
from gatehouse.clients.gateway.tws.upstream import SdkUpstream, UpstreamEvent
from gatehouse.clients.sdk import AsyncGatehouse
from tests.support.ports import free_port
from tests.support.server import _Server


@asynccontextmanager
async def tws_server(
    base_url: str,
    token: str,
    *,
    poll_seconds: float = 0.2,
    allow: list[str] | None = None,
    upstream: type[SdkUpstream] = SdkUpstream,
) -> AsyncIterator[tuple[TwsServer, int]]:
    """A TWS server on a free port, upstream = the SDK signed in with ``token``."""
    async with AsyncGatehouse(base_url, token=token) as client:
        policy = Networks(allow) if allow else None
        server = TwsServer(upstream(client), poll_seconds=poll_seconds, allow=policy)
        await server.start("127.0.0.1", 0)
        try:
            yield server, server.port
        finally:
            await server.close()


class Restartable:
    """A real Gatehouse server on a fixed free port that a test can stop and start again."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._task: asyncio.Task[None] | None = None
        self._server: Any = None

    async def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
            ws="websockets-sansio",
        )  # fmt: skip
        self._server = _Stoppable(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            self._server.stopping.set()
            await self._task
            self._task = None


class _Stoppable(_Server):
    """The test server, whose shutdown tolerates a WebSocket already closing (a client that
    is itself reconnecting when the server stops)."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            with contextlib.suppress(InvalidState):
                connection.shutdown()
        async with asyncio.timeout(30):
            while self.server_state.connections or self.server_state.tasks:
                await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()


class DeafUpstream(SdkUpstream):
    """The real SDK upstream with one fault: while ``deaf`` it drops account events, as a
    stream that lost them would (``dropped`` lists their types)."""

    deaf = False
    dropped: list[str]

    async def events(self) -> AsyncIterator[UpstreamEvent]:
        self.dropped = []
        async for event in super().events():
            if self.deaf and not event.type.startswith("upstream."):
                self.dropped.append(event.type)
                continue
            yield event
