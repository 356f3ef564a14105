"""The secure message center: threads between a user and support (support sees them all)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field, StrictStr

from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.service.support import messages

router = APIRouter(route_class=LeanRoute, prefix="/messages", tags=["messages"])


class NewThreadBody(Body):
    subject: StrictStr = Field(max_length=200)
    body: StrictStr = Field(max_length=8000)
    username: StrictStr | None = Field(default=None, max_length=64)  # support writes to a user


class NewMessageBody(Body):
    body: StrictStr = Field(max_length=8000)


@router.get("/threads")
async def list_threads(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await messages.list_threads(ctx, principal.user)


@router.post("/threads", status_code=201)
async def create_thread(
    body: NewThreadBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await messages.create_thread(
        ctx, principal.user, subject=body.subject, body=body.body, username=body.username
    )


@router.get("/threads/{thread_id}")
async def read_thread(thread_id: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await messages.read_thread(ctx, principal.user, thread_id)


@router.post("/threads/{thread_id}/messages", status_code=201)
async def post_message(
    thread_id: str, body: NewMessageBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await messages.post(ctx, principal.user, thread_id, body=body.body)


@router.post("/threads/{thread_id}/read")
async def mark_read(thread_id: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await messages.mark_read(ctx, principal.user, thread_id)


@router.get("/unread")
async def unread(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await messages.unread(ctx, principal.user)
