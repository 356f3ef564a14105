"""``gatehouse gateway run``: the session keeper and the local listener in one event loop.

Stops cleanly on SIGTERM/SIGINT (uvicorn's handlers): closes the listener, signs the session
out. When the device or its session is revoked it stops serving at once and exits with
status 3, so a service manager does not restart it in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gatehouse.clients.gateway import tls
from gatehouse.clients.gateway.allow import AllowList
from gatehouse.clients.gateway.keeper import SessionKeeper
from gatehouse.clients.gateway.keystore import Enrollment
from gatehouse.clients.gateway.logs import say
from gatehouse.clients.gateway.proxy import GatewayApp
from gatehouse.clients.gateway.state import GatewayState
from gatehouse.clients.gateway.tws import serve_tws
from gatehouse.clients.gateway.tws.upstream import SdkUpstream
from gatehouse.clients.gateway.upstream import MAX_CONNECTIONS, WAIT_TIMEOUT, Pool
from gatehouse.clients.sdk import AsyncGatehouse

EXIT_STOPPED = 3
FIRST_SIGN_IN_WAIT = 10.0  # seconds the TWS port waits for the first sign-in to be tried


@dataclass(frozen=True)
class Listener:
    host: str = "127.0.0.1"
    port: int = 5000
    https: bool = True
    folder: Path = Path(".")
    tws_port: int | None = None  # the TWS socket API (docs/tws-api.md); None: not served


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handling: it re-raises the signal after shutting
    down, which would kill the process before the gateway signs its session out."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _exit_on_signal(server: uvicorn.Server, sig: signal.Signals) -> None:
    say("stopping", signal=sig.name)
    server.should_exit = True


def run_loop(work: Coroutine[Any, Any, int]) -> int:
    """Run on uvloop when it is installed (uvicorn[standard] brings it): the proxy's hop is
    cheaper there; plain asyncio otherwise."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        return asyncio.run(work)
    return uvloop.run(work)


def upstream_client(server: str) -> httpx.AsyncClient:
    """The SDK's keep-alive pool of HTTP/1.1 connections to the server (the session keeper and
    the TWS API; proxied requests go through ``upstream.Pool``)."""
    return httpx.AsyncClient(
        base_url=server.rstrip("/"),
        http1=True,
        http2=False,
        timeout=httpx.Timeout(60.0, connect=5.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
        follow_redirects=False,
    )


async def serve(
    enrollment: Enrollment,
    key: Ed25519PrivateKey,
    listener: Listener,
    allow: AllowList,
    *,
    tickle_seconds: float = 60.0,
    upstream_connections: int = MAX_CONNECTIONS,
    upstream_wait: float = WAIT_TIMEOUT,
) -> int:
    """Run until SIGTERM (0) or until the gateway must stop (EXIT_STOPPED)."""
    state = GatewayState(
        server=enrollment.server,
        username=enrollment.username,
        environment=enrollment.environment,
        device_id=enrollment.device_id,
    )
    http = upstream_client(enrollment.server)
    client = AsyncGatehouse(enrollment.server, http=http)
    server: uvicorn.Server | None = None

    async def on_stop(reason: str) -> None:
        await app.close_sockets()
        if server is not None:
            server.should_exit = True

    keeper = SessionKeeper(state, key, client, tickle_seconds=tickle_seconds, on_stop=on_stop)
    pool = Pool(enrollment.server, max_connections=upstream_connections, wait_timeout=upstream_wait)
    app = GatewayApp(state, pool, keeper, allow)
    ssl: dict[str, str] = {}
    if listener.https:
        cert, private = tls.ensure_certificate(listener.folder / "tls")
        ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(private)}
    config = uvicorn.Config(
        app,
        host=listener.host,
        port=listener.port,
        lifespan="off",
        access_log=False,
        log_level="warning",
        ws_max_size=1 << 22,
        timeout_graceful_shutdown=2,
        **ssl,  # type: ignore[arg-type]
    )
    server = _Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _exit_on_signal, server, sig)
    scheme = "https" if listener.https else "http"
    say("listening", url=f"{scheme}://{listener.host}:{listener.port}", server=enrollment.server)
    keeping = asyncio.create_task(keeper.run())
    tws = None
    if listener.tws_port is not None:
        address = f"{listener.host}:{listener.tws_port}"
        # The TWS server reads the accounts and opens the event stream as it starts: after the
        # first sign-in has been tried (not a warning of "Sign in first." on every start), but
        # never later than FIRST_SIGN_IN_WAIT — with the server down it listens and retries.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(keeper.first_attempt.wait(), FIRST_SIGN_IN_WAIT)
        try:
            tws = await serve_tws(SdkUpstream(client), listener.host, listener.tws_port, allow)
            say("listening", api="tws", address=address)
        except OSError as error:  # the port is taken: serve the rest, as IB Gateway does
            say("TWS API not served", level=logging.ERROR, address=address, reason=str(error))
    try:
        await server.serve()
    finally:
        if tws is not None:
            await tws.close()
        keeping.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await keeping
        if state.token is not None and state.stopped is None:
            with contextlib.suppress(Exception):
                await client.logout()
            say("signed out")
        await pool.aclose()
        await http.aclose()
    if state.stopped:
        say("exiting", level=logging.ERROR, reason=state.stopped, status=EXIT_STOPPED)
        return EXIT_STOPPED
    say("exiting", reason="signal")
    return 0
