"""ASGI middleware that serves the sync sockets ahead of the framework stack.

Thousands of these sockets stay open for hours, and every layer a connection passes
through keeps a frame alive for its whole life: FastAPI's routing, exit stacks and
exception wrappers cost about 11 KiB per idle socket, a third of its memory. The sync
endpoints need none of that, so WebSocket connections to their paths go straight to them
(under ``/v1/api`` and ``/v1/portal``); everything else passes on unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from gatehouse.api.sockets import events, ibkr
from gatehouse.api.sockets.outlet import probe_transport

Endpoint = Callable[[WebSocket], Awaitable[None]]
PREFIXES = ("/v1/api", "/v1/portal")
ENDPOINTS: dict[str, Endpoint] = {"/events": events.serve, "/ws": ibkr.serve}


class SyncSockets:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.routes = {
            prefix + path: serve for prefix in PREFIXES for path, serve in ENDPOINTS.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            path = scope["path"].removeprefix(scope.get("root_path", ""))
            serve = self.routes.get(path)
            if serve is not None:
                probe_transport(scope, send)
                await serve(WebSocket(scope, receive, send))
                return
        await self.app(scope, receive, send)
