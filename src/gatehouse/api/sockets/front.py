"""The app class that serves the sync sockets ahead of the framework stack.

Thousands of these sockets stay open for hours, and every layer a connection passes
through keeps a frame alive for its whole life: FastAPI's routing, exit stacks and
exception wrappers cost about 11 KiB per idle socket, and even the middleware layers
that only pass a WebSocket on (error page, telemetry, body limit) keep ~1.5 KiB. The
sync endpoints need none of that, so ``FrontApp.__call__`` sends WebSocket connections
to their paths (under ``/v1/api`` and ``/v1/portal``) straight to them, and everything
else into FastAPI unchanged — but for GET requests the router has already sent to a lean
handler, which go straight to it (``api/lean_routes.py``, ``LeanPaths``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from gatehouse.api import lean_routes
from gatehouse.api.sockets import events, ibkr
from gatehouse.api.sockets.outlet import probe_transport

Endpoint = Callable[[WebSocket], Awaitable[None]]
PREFIXES = ("/v1/api", "/v1/portal")
ENDPOINTS: dict[str, Endpoint] = {"/events": events.serve, "/ws": ibkr.serve}
ROUTES = {prefix + path: serve for prefix in PREFIXES for path, serve in ENDPOINTS.items()}


class FrontApp(FastAPI):
    """FastAPI, with the sync sockets served first (one coroutine frame deep), and the GETs
    of remembered lean paths next."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.lean_paths = lean_routes.LeanPaths()
        self._traced_answer: bool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = self.lean_paths.find(scope)
            if found is not None and not self._traced():
                await lean_routes.serve(self, found, scope, receive, send)
                return
        elif scope["type"] == "websocket":
            serve = ROUTES.get(scope["path"].removeprefix(scope.get("root_path", "")))
            if serve is not None:
                scope["app"] = self  # what Starlette sets: the endpoints read app.state
                probe_transport(scope, send)
                await serve(WebSocket(scope, receive, send))
                return
        await super().__call__(scope, receive, send)

    def _traced(self) -> bool:
        """Whether FastAPI's OpenTelemetry layer is on (a tracer or meter is configured): its
        spans need the full stack. Asked once, at the first remembered GET (asking costs
        ~3.4 µs, a seventh of such a request): providers are set up before serving starts."""
        if self._traced_answer is None:
            native = getattr(self, "_native_telemetry", None)
            self._traced_answer = native is None or bool(native.enabled())
        return self._traced_answer
