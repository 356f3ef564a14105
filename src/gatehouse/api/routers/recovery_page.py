"""``/recover``: the page a reset link opens — a plain server-rendered form: no script, no style.

Opening the page uses nothing up (mail scanners prefetch links); only submitting the form
does. The token is kept out of referrers and caches.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from gatehouse.api.auth import Ctx, client_address
from gatehouse.domain.errors import GatehouseError
from gatehouse.domain.identity.passwords import PasswordPolicy
from gatehouse.service.identity import recovery

router = APIRouter(include_in_schema=False)

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def _page(body: str, status: int = 200) -> HTMLResponse:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>Reset your password — Gatehouse</title></head>"
        f"<body><h1>Reset your password</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=HEADERS)


def _form(token: str, policy: PasswordPolicy, error: str = "") -> str:
    problem = f'<p role="alert"><strong>{html.escape(error)}</strong></p>' if error else ""
    return (
        f'{problem}<form method="post" action="/recover">'
        f'<input type="hidden" name="token" value="{html.escape(token)}">'
        f"<p>{html.escape(policy.describe())}</p>"
        '<label for="password">New password</label>'
        '<input id="password" name="password" type="password" autocomplete="new-password" '
        f'required minlength="{policy.min_length}" maxlength="{policy.max_length}">'
        '<label for="confirm">The same again</label>'
        '<input id="confirm" name="confirm" type="password" autocomplete="new-password" '
        'required maxlength="128">'
        '<button type="submit">Set the new password</button></form>'
    )


GONE = (
    "<p>This link is not valid any more: it was used, it expired (links last 30 minutes), "
    "or it was replaced by a newer one.</p><p>Ask for a new link from the sign-in page.</p>"
)


@router.get("/recover")
async def recover_page(ctx: Ctx, token: str = Query(default="", max_length=128)) -> HTMLResponse:
    if not await recovery.token_is_usable(ctx, token):
        return _page(GONE, status=410)
    return _page(_form(token, ctx.password_policy))


@router.post("/recover")
async def recover_submit(request: Request, ctx: Ctx) -> HTMLResponse:
    raw = (await request.body())[:8192].decode("utf-8", errors="replace")
    fields = {k: v[0] for k, v in parse_qs(raw, max_num_fields=8).items()}
    token = fields.get("token", "")[:128]
    password = fields.get("password", "")
    if password != fields.get("confirm", ""):
        return _page(
            _form(token, ctx.password_policy, "The two passwords are not the same."), status=400
        )
    try:
        done = await recovery.reset_password(
            ctx, token=token, password=password, address=client_address(request)
        )
    except GatehouseError as error:
        if error.code == "invalid_recovery_token":
            return _page(GONE, status=410)
        return _page(_form(token, ctx.password_policy, error.message), status=400)
    name = html.escape(str(done["username"]))
    return _page(
        f"<p>Done: the password of <strong>{name}</strong> is changed, and every session "
        "that was open has been signed out. Sign in with the new password.</p>"
    )
