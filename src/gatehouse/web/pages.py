"""The Client Portal: the sign-in page and the signed-in pages under ``/portal/``.

Pages are rendered on the server and then kept current by the project's own ES modules,
which call the JSON API (``/v1/api``) and listen to the sync WebSocket.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gatehouse.domain.identity.users import Platform
from gatehouse.web.rendering import render, signed_in, to_sign_in

router = APIRouter(include_in_schema=False)

# (key, path, label): the navigation bar, in order; each key has a template portal/<key>.html
NAV: list[tuple[str, str, str]] = [
    ("dashboard", "/portal/", "Dashboard"),
    ("trade", "/portal/trade", "Trade"),
    ("watchlists", "/portal/watchlists", "Watchlists"),
    ("analysis", "/portal/analysis", "Portfolio"),
    ("funding", "/portal/funding", "Transfer"),
    ("statements", "/portal/statements", "Statements"),
    ("messages", "/portal/messages", "Messages"),
    ("assistant", "/portal/assistant", "ibot"),
    ("settings", "/portal/settings", "Settings"),
]
_PAGES = {path: key for key, path, _ in NAV}
_SAFE_NEXT = re.compile(r"/(portal|m)/[a-z/]*")


def safe_next(raw: str | None, default: str) -> str:
    """Only our own page paths: a sign-in page never redirects to another site."""
    return raw if raw and _SAFE_NEXT.fullmatch(raw) else default


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/portal/", status_code=303)


@router.get("/login")
@router.get("/sso/Login")
async def login_page(request: Request, next: str | None = None) -> Response:
    target = safe_next(next, "/portal/")
    if await signed_in(request, Platform.WEB) is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", next_path=target)


@router.get("/forgot")
async def forgot_page(request: Request) -> Response:
    """Forgot password: ask for a reset link (the link opens ``/recover``)."""
    return render(
        request, "forgot.html", back_path="/login", questions_path="/forgot/questions", mobile=False
    )


@router.get("/forgot/questions")
async def forgot_questions_page(request: Request) -> Response:
    """Recovery by security questions and a TOTP or SMS code (docs/recovery.md)."""
    return render(
        request, "forgot_questions.html", back_path="/login", forgot_path="/forgot", mobile=False
    )


@router.get("/portal")
async def portal_root() -> RedirectResponse:
    return RedirectResponse("/portal/", status_code=303)


@router.get("/portal/")
@router.get("/portal/{name}")
async def portal_page(request: Request, name: str = "") -> Response:
    path = f"/portal/{name}"
    key = _PAGES.get(path)
    if key is None:
        return HTMLResponse("Not found", status_code=404)
    principal = await signed_in(request, Platform.WEB)
    if principal is None:
        return to_sign_in("/login", path)
    if principal.user.must_change_password:  # nothing else works until it is changed
        key = "change_password"
    return render(
        request,
        f"portal/{key}.html",
        principal=principal,
        nav=NAV,
        current=key,
        event_seq=principal.user.event_seq,
    )
