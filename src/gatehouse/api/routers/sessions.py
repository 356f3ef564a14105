"""Session endpoints: keep alive, list, end one, sign out, sign out everywhere, activity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from gatehouse.api.auth import SESSION_COOKIE, Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.responses import JsonResponse
from gatehouse.api.schemas import IdleTimeoutBody
from gatehouse.domain.identity.sessions import EndReason
from gatehouse.service.identity import sessions, users

router = APIRouter(route_class=LeanRoute, tags=["sessions"])


@router.post("/tickle")
async def tickle(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    session = await sessions.tickle(ctx, principal)
    return {
        "session": sessions.socket_ticket(ctx, session),  # opens /v1/api/ws (api cookie)
        "ssoExpires": int((session.deadline() - ctx.clock.now()).total_seconds() * 1000),
        "collission": False,
        "userId": principal.user.id,
        "iserver": {"authStatus": {"authenticated": True, "competing": False, "connected": True}},
    }


@router.get("/sessions")
async def list_sessions(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return {"sessions": await sessions.list_for(ctx, principal)}


@router.delete("/sessions/{session_id}")
async def end_session(session_id: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    await sessions.end_one(ctx, principal, session_id, reason=EndReason.REVOKED)
    return {"ended": session_id}


@router.post("/sessions/end-all")
async def end_all(
    principal: CurrentPrincipal, ctx: Ctx, keep_current: bool = Query(default=False)
) -> dict[str, Any]:
    """Sign out everywhere (optionally keeping the session making the request)."""
    assert principal.user.id is not None
    keep = principal.session.public_id if keep_current else None
    count = await sessions.end_all(
        ctx, principal.user.id, reason=EndReason.SIGNED_OUT_EVERYWHERE, keep=keep
    )
    return {"ended": count}


@router.post("/logout")
async def logout(principal: CurrentPrincipal, request: Request, ctx: Ctx) -> JsonResponse:
    await sessions.end_one(ctx, principal, principal.session.public_id, reason=EndReason.LOGOUT)
    response = JsonResponse({"status": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me")
async def me(principal: CurrentPrincipal) -> dict[str, Any]:
    return sessions.session_view(principal.session, principal.user)


@router.get("/me/activity")
async def activity(
    principal: CurrentPrincipal, ctx: Ctx, limit: int = Query(default=50, ge=1, le=500)
) -> dict[str, Any]:
    assert principal.user.id is not None
    return {"activity": await users.recent_activity(ctx, principal.user.id, limit=limit)}


@router.put("/me/idle-timeout")
async def set_idle_timeout(
    body: IdleTimeoutBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return {"idle_timeout": await sessions.set_mobile_idle(ctx, principal, body.idle_timeout)}
