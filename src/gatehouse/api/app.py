"""The application factory: one FastAPI app serving ``/v1/api`` and its ``/v1/portal`` alias."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from gatehouse import __version__
from gatehouse.api import errors
from gatehouse.api.limits import BodySizeLimit
from gatehouse.api.responses import JsonResponse
from gatehouse.api.routers import auth, sessions
from gatehouse.bootstrap import Runtime

API_ROUTERS: list[APIRouter] = [auth.router, sessions.router]


def create_app(runtime: Runtime, *, close_runtime: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if close_runtime:
            await runtime.close()

    app = FastAPI(
        title="Gatehouse",
        version=__version__,
        default_response_class=JsonResponse,
        lifespan=lifespan,
        docs_url="/v1/api/docs",
        openapi_url="/v1/api/openapi.json",
    )
    app.state.ctx = runtime.ctx
    app.state.runtime = runtime
    app.state.public_https = runtime.settings.public_https
    errors.install(app)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/v1/api")
        app.include_router(router, prefix="/v1/portal", include_in_schema=False)

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(BodySizeLimit, max_bytes=runtime.settings.max_body_bytes)
    return app
