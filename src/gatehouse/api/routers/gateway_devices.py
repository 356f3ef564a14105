"""Gateway device endpoints: unattended sign-in (challenge, signed verify), and the owner's
list, registration, renewal and revocation of gateways (docs/gateway.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import Field, StrictStr

from gatehouse.api.auth import Ctx, CurrentPrincipal, client_address
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.service.identity import gateway_devices, gateway_renewal

router = APIRouter(route_class=LeanRoute, tags=["gateway"])


class DeviceBody(Body):
    device_id: StrictStr = Field(max_length=64)


class SignedBody(DeviceBody):
    signature: StrictStr = Field(max_length=200)


class RegisterBody(Body):
    public_key: StrictStr = Field(max_length=128)
    scope: StrictStr = Field(default="trade", max_length=16)
    name: StrictStr = Field(default="", max_length=100)


@router.post("/auth/device/challenge")
async def challenge(body: DeviceBody, request: Request, ctx: Ctx) -> dict[str, Any]:
    """A single-use nonce for the gateway to sign (valid one minute)."""
    return await gateway_devices.challenge(ctx, body.device_id, address=client_address(request))


@router.post("/auth/device/verify")
async def verify(body: SignedBody, request: Request, ctx: Ctx) -> dict[str, Any]:
    """The signed nonce opens a gateway session (bearer token in the body)."""
    return await gateway_devices.verify(
        ctx,
        body.device_id,
        body.signature,
        address=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )


@router.post("/auth/device/renewal")
async def renewal(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    """A gateway's own session asks for the full second factor by push (number to pick)."""
    return await gateway_renewal.request(ctx, principal)


@router.get("/auth/device/renewal/{renewal_id}")
async def renewal_status(
    renewal_id: str,
    principal: CurrentPrincipal,
    ctx: Ctx,
    wait: float = Query(default=0, ge=0, le=60),
) -> dict[str, Any]:
    """Long poll: pending, renewed (the policy period starts again) or expired."""
    return await gateway_renewal.wait(ctx, principal, renewal_id, wait=wait)


@router.post("/devices", status_code=201)
async def register(
    body: RegisterBody, request: Request, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await gateway_devices.register(
        ctx,
        principal,
        public_key=body.public_key,
        scope=body.scope,
        name=body.name,
        address=client_address(request),
    )


@router.get("/devices")
async def list_devices(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return {"devices": await gateway_devices.list_devices(ctx, principal)}


@router.delete("/devices/{device_id}")
async def revoke(device_id: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await gateway_devices.revoke(ctx, principal, device_id)


@router.post("/devices/{device_id}/renew")
async def renew(device_id: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await gateway_devices.renew(ctx, principal, device_id)
