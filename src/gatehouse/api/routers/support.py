"""The support console API under ``/support``: only sessions of users with the support role.

Routes parse input and call one use case in ``service/support.py``, passing the agent as
the audited ``actor``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field, StrictBool, StrictStr

from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.service.support import console as support

router = APIRouter(route_class=LeanRoute, prefix="/support", tags=["support"])


def _agent(principal: CurrentPrincipal) -> str:
    return support.require_support(principal)


Agent = Annotated[str, Depends(_agent)]


class ResetFactorsBody(Body):
    key_devices: StrictBool = True
    totp: StrictBool = True
    card: StrictBool = True


class IdentityCheckBody(Body):
    answers: list[StrictStr] = Field(max_length=3)


@router.get("/users")
async def find_users(
    agent: Agent, ctx: Ctx, q: str = Query(min_length=2, max_length=100)
) -> dict[str, Any]:
    return {"users": await support.find_users(ctx, q)}


@router.get("/users/{username}")
async def show_user(username: str, agent: Agent, ctx: Ctx) -> dict[str, Any]:
    return await support.show_user(ctx, username, actor=agent)


@router.get("/users/{username}/activity")
async def activity(
    username: str, agent: Agent, ctx: Ctx, limit: int = Query(default=50, ge=1, le=500)
) -> dict[str, Any]:
    return {"activity": await support.activity(ctx, username, limit=limit)}


@router.post("/users/{username}/unlock")
async def unlock(username: str, agent: Agent, ctx: Ctx) -> dict[str, Any]:
    await support.unlock(ctx, username, actor=agent)
    return {"unlocked": username}


@router.post("/users/{username}/reset-factors")
async def reset_factors(
    username: str, body: ResetFactorsBody, agent: Agent, ctx: Ctx
) -> dict[str, Any]:
    return await support.reset_factors(
        ctx, username, actor=agent, key_devices_=body.key_devices, totp=body.totp, card=body.card
    )


@router.delete("/users/{username}/key-devices/{device_id}")
async def revoke_device(username: str, device_id: str, agent: Agent, ctx: Ctx) -> dict[str, Any]:
    await support.revoke_device(ctx, username, device_id, actor=agent)
    return {"revoked": device_id}


@router.post("/users/{username}/temporary-password")
async def temporary_password(username: str, agent: Agent, ctx: Ctx) -> dict[str, Any]:
    return await support.temporary_password(ctx, username, actor=agent)


@router.post("/users/{username}/reenrollment-code")
async def reenrollment_code(username: str, agent: Agent, ctx: Ctx) -> dict[str, Any]:
    return await support.reenrollment_code(ctx, username, actor=agent)


@router.post("/users/{username}/identity-check")
async def identity_check(
    username: str, body: IdentityCheckBody, agent: Agent, ctx: Ctx
) -> dict[str, Any]:
    return await support.identity_check(ctx, username, body.answers, actor=agent)
