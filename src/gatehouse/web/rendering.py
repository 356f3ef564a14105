"""Rendering pages: the Jinja2 templates, who is signed in, and the CSRF token in the page.

The session cookie is HttpOnly, so scripts never see it; the page carries the session's
CSRF token in ``<meta name="csrf-token">`` for the scripts to send as ``X-CSRF-Token``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from gatehouse import __version__
from gatehouse.api.auth import SESSION_COOKIE
from gatehouse.domain.errors import NotAuthenticated
from gatehouse.domain.identity.sessions import csrf_token_for
from gatehouse.domain.identity.users import Platform
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import sessions
from gatehouse.service.identity.sessions import Principal
from gatehouse.settings import Settings

WEB_ROOT = Path(__file__).parent
STATIC_DIR = WEB_ROOT / "static"
templates = Jinja2Templates(directory=str(WEB_ROOT / "templates"))
templates.env.globals["version"] = __version__


@cache
def asset_version() -> str:
    """A short digest of every static file: changes whenever one does (service worker cache)."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(STATIC_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_assets() -> list[str]:
    return sorted(
        "/static/" + str(p.relative_to(STATIC_DIR)) for p in STATIC_DIR.rglob("*") if p.is_file()
    )


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


async def signed_in(request: Request, platform: Platform) -> Principal | None:
    """The principal behind the session cookie, if it is alive and of ``platform``."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        found = await sessions.authenticate(_ctx(request), token)
    except NotAuthenticated:
        return None
    return found if found.session.platform == platform.value else None


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page; signed-in pages carry the session's CSRF token and who is signed in."""
    policy = _ctx(request).password_policy  # what the new-password forms say and check first
    values: dict[str, Any] = {
        "asset_version": asset_version(),
        "page": template,
        "password_rules": policy.describe(),
        "password_min": policy.min_length,
        **context,
    }
    if principal is not None:
        token = request.cookies.get(SESSION_COOKIE, "")
        values["csrf_token"] = csrf_token_for(token, key=_ctx(request).csrf_key)
        values["me"] = sessions.session_view(principal.session, principal.user)
        settings = settings_of(request)
        values["idle_bounds"] = {
            "min": settings.mobile_idle_min_minutes * 60,
            "max": settings.mobile_idle_max_minutes * 60,
            "current": principal.user.mobile_idle_seconds or settings.mobile_idle_minutes * 60,
        }
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def to_sign_in(path: str, next_path: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?next={next_path}", status_code=303)
