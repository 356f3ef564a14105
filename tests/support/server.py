"""A real uvicorn server on 127.0.0.1 inside the test's event loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp


class _Server(uvicorn.Server):
    """uvicorn, stopping as soon as asked: its own loop looks only every 0.1 s and its
    shutdown always sleeps 0.1 s, which every test would pay for."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stopping = asyncio.Event()

    async def main_loop(self) -> None:
        await self.on_tick(0)  # sets the default response headers (date, server)
        await self.stopping.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        async with asyncio.timeout(30):
            while self.server_state.connections or self.server_state.tasks:
                await asyncio.sleep(0.005)  # connections finishing their last response
        for server in self.servers:
            await server.wait_closed()


@asynccontextmanager
async def serving(app: ASGIApp, *, port: int = 0, **options: Any) -> AsyncIterator[str]:
    """Serve ``app`` on a free port (or ``port``, to restart a server); yields its base URL.
    Forwarded headers are ignored, as ``gatehouse serve`` does without
    ``GATEHOUSE_TRUSTED_PROXIES``, unless ``options`` (uvicorn's) say otherwise."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
        **({"proxy_headers": False} | options),
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        server.stopping.set()
        await task
