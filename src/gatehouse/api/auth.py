"""Who is calling: bearer tokens, web session cookies with CSRF, and the client's address."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gatehouse.domain.errors import CsrfFailed, NotAuthenticated, PasswordChangeRequired
from gatehouse.domain.identity.sessions import csrf_matches
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import sessions
from gatehouse.service.identity.sessions import Principal

SESSION_COOKIE = "gatehouse_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def context(request: Request) -> ServiceContext:  # async: no thread-pool hop
    ctx: ServiceContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServiceContext, Depends(context)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


# A session opened with a temporary password may do only this until the password is changed.
PASSWORD_CHANGE_ALLOWED = {("POST", "/me/password"), ("POST", "/logout"), ("GET", "/me")}
API_PREFIXES = ("/v1/api", "/v1/portal")


def _api_path(request: Request) -> str:
    path = request.url.path
    for prefix in API_PREFIXES:
        if path.startswith(prefix + "/"):
            return path[len(prefix) :]
    return path


async def principal(request: Request, ctx: Ctx) -> Principal:
    """The signed-in caller; a temporary password must be changed before anything else."""
    found = await _signed_in(request, ctx)
    if found.user.must_change_password and (
        (request.method, _api_path(request)) not in PASSWORD_CHANGE_ALLOWED
    ):
        raise PasswordChangeRequired()
    return found


async def _signed_in(request: Request, ctx: ServiceContext) -> Principal:
    """The session behind the request; cookie sessions must send the CSRF token on changes."""
    token = bearer_token(request)
    if token is not None:
        return await sessions.authenticate(ctx, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise NotAuthenticated()
    found = await sessions.authenticate(ctx, cookie)
    if request.method not in SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER, "")
        if not presented or not csrf_matches(cookie, presented, key=ctx.csrf_key):
            raise CsrfFailed()
    return found


def current_token(request: Request) -> str:
    return bearer_token(request) or request.cookies.get(SESSION_COOKIE, "")


CurrentPrincipal = Annotated[Principal, Depends(principal)]


async def trading_principal(found: CurrentPrincipal) -> Principal:
    """The caller of an order-placing, -changing, -cancelling or funding call: a read-only
    session (a gateway device's scope) gets ``403 scope``. Every such route uses this."""
    found.session.require_trade()
    return found


TradingPrincipal = Annotated[Principal, Depends(trading_principal)]
