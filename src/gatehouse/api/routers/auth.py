"""Sign-in endpoints: password, second-factor challenge and verification, long-poll status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from gatehouse.api.auth import SESSION_COOKIE, Ctx, client_address
from gatehouse.api.lean_routes import LeanBodyRoute
from gatehouse.api.responses import JsonResponse
from gatehouse.api.schemas import ChallengeBody, LoginBody, VerifyBody
from gatehouse.domain.identity.users import Platform
from gatehouse.service.identity import login_status, signin
from gatehouse.service.identity.sessions import SessionGrant

# Lean routes (api/lean_routes.py): the two sign-in steps skip FastAPI's dependency walk and
# body pass for a plain JSON body (anything else gets FastAPI's handler and its errors).
router = APIRouter(route_class=LeanBodyRoute, tags=["sign-in"])


@router.post("/auth/login", response_model=dict[str, Any])
async def login(body: LoginBody, request: Request, ctx: Ctx) -> JsonResponse:
    started = await signin.start(
        ctx,
        signin.LoginRequest(
            username=body.username,
            password=body.password,
            platform=body.platform,
            environment=body.environment,
            client=signin.ClientInfo(
                address=client_address(request),
                user_agent=request.headers.get("user-agent", ""),
                device_name=body.device_name,
                device_token=body.device_token or request.cookies.get(KNOWN_DEVICE_COOKIE, ""),
            ),
        ),
    )
    return JsonResponse(started)  # the schema stays ``response_model``'s


@router.post("/auth/login/{login_id}/challenge")
async def challenge(
    login_id: str, body: ChallengeBody, request: Request, ctx: Ctx
) -> dict[str, Any]:
    return await signin.challenge(ctx, login_id, body.factor, client_address(request))


@router.post("/auth/login/{login_id}/verify")
async def verify(login_id: str, body: VerifyBody, request: Request, ctx: Ctx) -> JsonResponse:
    grant = await signin.verify(ctx, login_id, body.factor, body.code, client_address(request))
    return session_response(request, grant)


@router.get("/auth/login/{login_id}", response_model=None)
async def status(
    login_id: str, request: Request, ctx: Ctx, wait: float = Query(default=0, ge=0, le=60)
) -> dict[str, Any] | JsonResponse:
    """Long poll; a push approved on the Key device answers here with the session."""
    found = await login_status.status(ctx, login_id, wait=wait)
    if found.grant is not None:
        return session_response(request, found.grant)
    return found.body


COOKIE_REQUEST_HEADER = "x-gatehouse-session"
KNOWN_DEVICE_COOKIE = "gatehouse_known_device"


def session_response(request: Request, grant: SessionGrant) -> JsonResponse:
    """Web sessions get an HttpOnly cookie (and no token in the body); others a bearer token.

    The Mobile web app asks for the cookie too, with ``X-Gatehouse-Session: cookie``. The
    cookie lives as long as the session can (its absolute lifetime); a new known-device
    token goes the same way as the session token (cookie or body).
    """
    is_web = grant.session.platform == Platform.WEB.value or (
        request.headers.get(COOKIE_REQUEST_HEADER, "").lower() == "cookie"
    )
    response = JsonResponse(grant.view(include_token=not is_web))
    if is_web:
        session = grant.session
        lifetime = int((session.expires_at - session.created_at).total_seconds())
        _cookie(request, response, SESSION_COOKIE, grant.token, lifetime)
        if grant.device_token:
            days = request.app.state.ctx.signin.known_device_days
            _cookie(request, response, KNOWN_DEVICE_COOKIE, grant.device_token, days * 86400)
    return response


def _cookie(request: Request, response: JsonResponse, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or request.app.state.public_https,
        path="/",
    )
