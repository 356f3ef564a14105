"""IBKR's brokerage-session calls (auth status, ssodh/init, sso/validate, reauthenticate).

Gatehouse has no separate brokerage bridge: a signed-in session is the brokerage session,
so these report it with IBKR's field names for ibind's health checks and IBeam's keeper.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import StrictBool

from gatehouse import __version__
from gatehouse.api.auth import Ctx, CurrentPrincipal, client_address
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.domain.identity.users import Environment
from gatehouse.service.identity import sessions
from gatehouse.service.identity.sessions import Principal

router = APIRouter(route_class=LeanRoute, tags=["sessions"])

SERVER_INFO = {"serverName": "gatehouse", "serverVersion": f"Gatehouse {__version__}"}
MAC = "00:00:5E:00:53:00"  # no hardware behind the bridge: a documentation address


class SsodhInitBody(Body):
    publish: StrictBool = True
    compete: StrictBool = True


def auth_status(**extra: Any) -> dict[str, Any]:
    """IBKR's ``authStatus``: a signed-in session is always authenticated and connected."""
    return {
        "authenticated": True,
        "competing": False,
        "connected": True,
        "message": "",
        "fail": "",
        "MAC": MAC,
        "serverInfo": SERVER_INFO,
        **extra,
    }


@router.post("/iserver/auth/status")
async def status(principal: CurrentPrincipal) -> dict[str, Any]:
    return auth_status()


@router.post("/iserver/auth/ssodh/init")
async def ssodh_init(
    principal: CurrentPrincipal, ctx: Ctx, body: SsodhInitBody | None = None
) -> dict[str, Any]:
    await sessions.tickle(ctx, principal)
    return auth_status(established=True)


@router.post("/iserver/reauthenticate")
async def reauthenticate(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    await sessions.tickle(ctx, principal)
    return {"message": "triggered"}


@router.get("/sso/validate")
async def validate(principal: CurrentPrincipal, ctx: Ctx, request: Request) -> dict[str, Any]:
    """IBeam's keeper reads ``RESULT``; it also extends the session, as IBKR's does."""
    session = await sessions.tickle(ctx, principal)
    return sso_view(principal, ctx.clock.now().timestamp(), session.deadline().timestamp(),
                    client_address(request))  # fmt: skip


def sso_view(principal: Principal, now: float, deadline: float, address: str) -> dict[str, Any]:
    user = principal.user
    paper = principal.environment is Environment.PAPER
    name = user.paper_username if paper else user.username
    return {
        "USER_ID": user.id,
        "USER_NAME": name,
        "RESULT": True,
        "AUTH_TIME": int(principal.session.created_at.timestamp() * 1000),
        "SF_ENABLED": True,
        "IS_FREE_TRIAL": False,
        "CREDENTIAL": name,
        "IP": address,
        "EXPIRES": max(0, int((deadline - now) * 1000)),
        "QUALIFIED_FOR_MOBILE_AUTH": None,
        "LANDING_APP": "UNIVERSAL",
        "IS_MASTER": False,
        "lastAccessed": int(now * 1000),
        "LOGIN_TYPE": 2 if paper else 1,
        "PAPER_USER_NAME": user.paper_username,
        "features": {"env": "PROD", "wlms": True, "realtime": True, "bond": False,
                     "optionChains": False, "calendar": True, "newMf": False},
        "region": "US",
    }  # fmt: skip
