"""TWS API test helpers: a TWS server in front of a real Gatehouse server, signed in as a
gateway session through the SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from gatehouse.clients.gateway.tws import TwsServer
from gatehouse.clients.gateway.tws.upstream import SdkUpstream
from gatehouse.clients.sdk import AsyncGatehouse


@asynccontextmanager
async def tws_server(
    base_url: str, token: str, *, poll_seconds: float = 0.2
) -> AsyncIterator[tuple[TwsServer, int]]:
    """A TWS server on a free port, upstream = the SDK signed in with ``token``."""
    async with AsyncGatehouse(base_url, token=token) as client:
        server = TwsServer(SdkUpstream(client), poll_seconds=poll_seconds)
        await server.start("127.0.0.1", 0)
        try:
            yield server, server.port
        finally:
            await server.close()


async def signed_in_token(client: httpx.AsyncClient, user: Any, clock: Any) -> str:
    from tests.support.trading import trader

    found = await trader(client, user, clock)
    return found.token
