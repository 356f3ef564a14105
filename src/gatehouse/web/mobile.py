"""The Mobile web app under ``/m/``: phone-sized pages, the manifest and the service worker.

It installs to the home screen (manifest + service worker, which caches static files only,
never API answers or pages). After a full sign-in it offers a passkey for biometric unlock.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from gatehouse.domain.identity.users import Platform
from gatehouse.web.pages import safe_next
from gatehouse.web.rendering import (
    asset_version,
    render,
    settings_of,
    signed_in,
    static_assets,
    templates,
)

router = APIRouter(include_in_schema=False)

# (key, path, label, in the tab bar): each key has a template m/<key>.html
TABS: list[tuple[str, str, str, bool]] = [
    ("home", "/m/", "Portfolio", True),
    ("quotes", "/m/quotes", "Quotes", True),
    ("trade", "/m/trade", "Trade", True),
    ("orders", "/m/orders", "Orders", True),
    ("more", "/m/more", "More", True),
    ("alerts", "/m/alerts", "Alerts", False),
    ("messages", "/m/messages", "Messages", False),
    ("assistant", "/m/assistant", "ibot", False),
    ("settings", "/m/settings", "Settings", False),
]
_PAGES = {path: key for key, path, _, _ in TABS}
THEME = "#0b1220"


@router.get("/m")
async def mobile_root() -> RedirectResponse:
    return RedirectResponse("/m/", status_code=303)


@router.get("/m/login")
async def mobile_login(request: Request, next: str | None = None) -> Response:
    target = safe_next(next, "/m/")
    if not target.startswith("/m/"):
        target = "/m/"
    if await signed_in(request, Platform.MOBILE) is not None:
        return RedirectResponse(target, status_code=303)
    blocked = passkey_blocked(request)
    return render(
        request,
        "m/login.html",
        next_path=target,
        reauth_days=settings_of(request).passkey_reauth_days,
        forgot_path="/m/forgot",
        passkey_blocked=blocked[0] if blocked else None,
        passkey_alternative=blocked[1] if blocked else None,
    )


@router.get("/m/forgot")
async def mobile_forgot(request: Request) -> Response:
    return render(
        request,
        "forgot.html",
        back_path="/m/login",
        questions_path="/m/forgot/questions",
        mobile=True,
    )


@router.get("/m/forgot/questions")
async def mobile_forgot_questions(request: Request) -> Response:
    return render(
        request, "forgot_questions.html", back_path="/m/login", forgot_path="/m/forgot", mobile=True
    )


def passkey_blocked(request: Request) -> tuple[str, str] | None:
    """(this address, one that works) when the page is opened on an IP address, where
    WebAuthn refuses passkeys; ``None`` when passkeys can work here."""
    host = request.url.hostname or ""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    port = f":{request.url.port}" if request.url.port else ""
    public = settings_of(request).public_origin
    alternative = f"{public}/m/" if public else f"{request.url.scheme}://localhost{port}/m/"
    return f"{request.url.scheme}://{request.url.netloc}", alternative


@router.get("/m/manifest.webmanifest")
async def manifest() -> JSONResponse:
    icons = [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/icons/icon-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "name": "Gatehouse Mobile",
        "short_name": "Gatehouse",
        "id": "/m/",
        "start_url": "/m/",
        "scope": "/m/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": THEME,
        "theme_color": THEME,
        "icons": icons,
    }
    return JSONResponse(body, media_type="application/manifest+json")


@router.get("/m/sw.js")
async def service_worker(request: Request) -> Response:
    """The service worker, scoped to ``/m/``; it knows the current static files by version."""
    response = templates.TemplateResponse(
        request,
        "m/sw.js",
        {"version": asset_version(), "assets": static_assets()},
        media_type="text/javascript",
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/m/")
@router.get("/m/{name}")
async def mobile_page(request: Request, name: str = "") -> Response:
    path = f"/m/{name}"
    key = _PAGES.get(path)
    if key is None:
        return HTMLResponse("Not found", status_code=404)
    principal = await signed_in(request, Platform.MOBILE)
    if principal is None:
        return RedirectResponse(f"/m/login?next={path}", status_code=303)
    if principal.user.must_change_password:  # nothing else works until it is changed
        key = "change_password"
    return render(
        request,
        f"m/{key}.html",
        principal=principal,
        tabs=TABS,
        current=key,
        event_seq=principal.user.event_seq,
    )
