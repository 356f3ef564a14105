"""Who is calling on a sync socket.

The session comes from an ``Authorization: Bearer`` header or a cookie — never from the
URL, where tokens end up in logs. A browser attaches cookies to a WebSocket opened by any
site, so a cookie counts only when the ``Origin`` header is absent (not a browser) or
names this host: that stops cross-site WebSocket hijacking. IBKR's ``api`` cookie
(``/v1/api/ws``) carries the socket ticket ``tickle`` returns, or a session token.
"""

from __future__ import annotations

import contextlib
from urllib.parse import unquote, urlsplit

import orjson
from starlette.websockets import WebSocket

from gatehouse.api.auth import SESSION_COOKIE
from gatehouse.domain.errors import Forbidden, GatehouseError, NotAuthenticated
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import sessions
from gatehouse.service.identity.sessions import Principal

IBKR_COOKIE = "api"


def api_cookie_token(value: str) -> str | None:
    """The token in IBKR's ``api`` cookie: ``{"session":"<t>"}`` (maybe %-encoded) or ``<t>``."""
    text = value.strip()
    if text[:3].upper() == "%7B":
        text = unquote(text)
    if not text.startswith("{"):
        return text or None
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    session = body.get("session") if isinstance(body, dict) else None
    return session if isinstance(session, str) and session else None


def presented_token(ws: WebSocket, *, ibkr_cookie: bool = False) -> tuple[str, bool] | None:
    """The session token (or socket ticket) offered, and whether it came in a cookie."""
    scheme, _, value = ws.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    if ibkr_cookie and (raw := ws.cookies.get(IBKR_COOKIE)):
        token = api_cookie_token(raw)
        if token:
            return token, True
    cookie = ws.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else None


def same_origin(ws: WebSocket) -> bool:
    """No ``Origin`` (not a browser), or one naming the host the socket was opened to."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


async def authenticate(
    ws: WebSocket, ctx: ServiceContext, *, ibkr_cookie: bool = False
) -> Principal | None:
    """The caller's principal; None after refusing the handshake with a JSON error."""
    presented = presented_token(ws, ibkr_cookie=ibkr_cookie)
    try:
        if presented is None:
            raise NotAuthenticated()
        token, from_cookie = presented
        if from_cookie and not same_origin(ws):
            raise Forbidden("Cross-site WebSocket connections are refused.")
        if ibkr_cookie and "." in token:  # a socket ticket from tickle, never a token
            return await sessions.authenticate_ticket(ctx, token)
        return await sessions.authenticate(ctx, token, remember=False)
    except GatehouseError as error:
        await _deny(ws, error)
        return None


async def _deny(ws: WebSocket, error: GatehouseError) -> None:
    # Closing before accepting makes the server answer the handshake with 403. (A JSON
    # denial response would be nicer, but uvicorn's sansio protocol logs it as an error.)
    with contextlib.suppress(RuntimeError):
        await ws.close(code=1008, reason=error.code)
