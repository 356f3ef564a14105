"""The application factory: one FastAPI app serving ``/v1/api`` and its ``/v1/portal`` alias."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from gatehouse import __version__
from gatehouse.api import docs, errors, openapi
from gatehouse.api.hsts import StrictTransportSecurity
from gatehouse.api.limits import BodySizeLimit
from gatehouse.api.responses import JsonResponse
from gatehouse.api.routers import accounts as brokerage_accounts
from gatehouse.api.routers import (
    alerts,
    assistant,
    auth,
    contracts,
    gateway_devices,
    ibkr_session,
    key,
    layouts,
    market,
    messages,
    passkeys,
    performance,
    recovery,
    recovery_page,
    reference,
    self_service,
    sessions,
    statements,
    support,
    watchlists,
)
from gatehouse.api.routers import orders as portal_orders
from gatehouse.api.routers import portfolio as portal_portfolio
from gatehouse.api.routers import workstation as workstation_version
from gatehouse.api.sockets.front import FrontApp
from gatehouse.bootstrap import Runtime
from gatehouse.web import mount as web

# Order matters for speed: a request is matched against routers in this order (the hot
# portal reads and orders first, sign-in's few routes right after the summary's router: each
# router passed costs every request that goes further ~20-30 µs of matching; the brokerage
# routes overlap no other router's paths).
API_ROUTERS: list[APIRouter] = [
    portal_portfolio.router,
    auth.router,
    performance.router,
    portal_orders.router,
    brokerage_accounts.router,
    sessions.router,
    ibkr_session.router,
    self_service.router,
    passkeys.router,
    assistant.router,
    key.router,
    gateway_devices.router,
    recovery.router,
    support.router,
    messages.router,
    market.router,
    contracts.router,
    reference.router,
    watchlists.router,
    alerts.router,
    layouts.router,
    statements.router,
    workstation_version.router,
]


OPENAPI_URL = "/v1/api/openapi.json"


def create_app(runtime: Runtime, *, close_runtime: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        runtime.ticker.start()  # quotes to in-process subscribers, price alerts
        if runtime.ctx.trading.engine_enabled:
            await runtime.matching.start()  # resting orders, DAY expiry, transfers
        yield
        await runtime.matching.stop()
        await runtime.ticker.stop()
        await runtime.stop()
        if close_runtime:
            await runtime.close()

    app = FrontApp(  # /events and /ws WebSockets go first, past the stack (api/sockets/front.py)
        title="Gatehouse",
        version=__version__,
        default_response_class=JsonResponse,
        lifespan=lifespan,
        docs_url=None,  # api/docs.py: the same page, offline and with the security headers
        redoc_url=None,
        openapi_url=OPENAPI_URL,
    )
    app.state.ctx = runtime.ctx
    app.state.runtime = runtime
    app.state.public_https = runtime.settings.public_https
    errors.install(app)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/v1/api")
        app.include_router(router, prefix="/v1/portal", include_in_schema=False)

    docs.install(app, openapi_url=OPENAPI_URL)
    openapi.install(app)  # the real error responses (api/openapi.py)

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(recovery_page.router)  # /recover: the page a reset link opens
    web.install(app)  # Client Portal and Mobile pages, static files, security headers
    app.add_middleware(BodySizeLimit, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(StrictTransportSecurity, public_https=runtime.settings.public_https)
    return app
