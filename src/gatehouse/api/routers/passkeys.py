"""Passkeys for the mobile unlock: register (signed in), unlock (→ a mobile session), list, remove.

The device cookie names this browser; the server remembers when it last completed a full
sign-in, and a passkey unlocks only within ``passkey_reauth_days`` of that.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from pydantic import Field, StrictStr

from gatehouse.api.auth import Ctx, CurrentPrincipal, client_address
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.responses import JsonResponse
from gatehouse.api.routers.auth import session_response
from gatehouse.api.schemas import Body
from gatehouse.domain.identity.factors.passkey import RelyingParty
from gatehouse.service.identity import passkeys
from gatehouse.settings import Settings

router = APIRouter(route_class=LeanRoute, tags=["passkeys"])
DEVICE_COOKIE = "gatehouse_device"
DEVICE_COOKIE_DAYS = 400


class PasskeyResponseBody(Body):
    challenge_id: StrictStr = Field(max_length=64)
    credential: dict[str, Any]


class RegisterBody(PasskeyResponseBody):
    device_name: StrictStr = Field(default="", max_length=100)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def policy(request: Request) -> passkeys.PasskeyPolicy:
    """The relying party is the configured public origin, else the origin of this request."""
    settings = _settings(request)
    origin = settings.public_origin or f"{request.url.scheme}://{request.url.netloc}"
    host = urlsplit(origin).hostname or "localhost"
    return passkeys.PasskeyPolicy(
        rp=RelyingParty(id=host, origin=origin.rstrip("/")),
        reauth_days=settings.passkey_reauth_days,
    )


def _device(request: Request) -> str | None:
    return passkeys.valid_device_id(request.cookies.get(DEVICE_COOKIE))


@router.post("/me/device")
async def device_checkin(request: Request, principal: CurrentPrincipal, ctx: Ctx) -> JsonResponse:
    """After a full sign-in: remember it for this device (and name the device if new)."""
    device = _device(request) or passkeys.new_device_id(ctx)
    body = await passkeys.device_checkin(ctx, principal, device, policy(request))
    response = JsonResponse(body)
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or request.app.state.public_https,
        path="/",
    )
    return response


@router.post("/auth/passkey/register/options")
async def register_options(
    request: Request, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await passkeys.registration_options(ctx, principal, policy(request), _device(request))


@router.post("/auth/passkey/register/verify")
async def register_verify(
    body: RegisterBody, request: Request, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await passkeys.register(
        ctx,
        principal,
        policy(request),
        challenge_id=body.challenge_id,
        credential=body.credential,
        device_name=body.device_name,
    )


@router.post("/auth/passkey/options")
async def unlock_options(request: Request, ctx: Ctx) -> dict[str, Any]:
    return await passkeys.unlock_options(ctx, policy(request), client_address(request))


@router.post("/auth/passkey/verify")
async def unlock_verify(body: PasskeyResponseBody, request: Request, ctx: Ctx) -> JsonResponse:
    """A passkey assertion → a mobile session (as a cookie when the app asks for one)."""
    grant = await passkeys.unlock(
        ctx,
        policy(request),
        challenge_id=body.challenge_id,
        credential=body.credential,
        client=passkeys.Client(
            address=client_address(request),
            user_agent=request.headers.get("user-agent", ""),
            device_id=_device(request),
        ),
    )
    return session_response(request, grant)


@router.get("/me/passkeys")
async def list_passkeys(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    assert principal.user.id is not None
    return {"passkeys": await passkeys.list_for(ctx, principal.user.id)}


@router.delete("/me/passkeys/{passkey_id}")
async def remove_passkey(passkey_id: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    await passkeys.remove(ctx, principal, passkey_id)
    return {"removed": passkey_id}
