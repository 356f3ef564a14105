"""Attach the web pages to the app: static files, page routers and the security headers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from gatehouse.web import mobile, pages
from gatehouse.web.rendering import STATIC_DIR
from gatehouse.web.security import SecurityHeaders


class RevalidatedStatic(StaticFiles):
    """Static files that browsers revalidate (ETag) on each use, so an update is seen at once."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def no_cache(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                headers.append((b"cache-control", b"no-cache"))
                message["headers"] = headers
            await send(message)

        await super().__call__(scope, receive, no_cache)  # type: ignore[arg-type]


def install(app: FastAPI) -> None:
    app.mount("/static", RevalidatedStatic(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(mobile.router)
    app.add_middleware(SecurityHeaders)
