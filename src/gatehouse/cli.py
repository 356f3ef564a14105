"""The ``gatehouse`` command: run the server and administer users, factors and the SMS outbox.

Exit codes: 0 success, 1 refused (the message says why), 2 bad usage, 3 not found.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import segno
import typer
from rich.console import Console
from rich.table import Table

from gatehouse.bootstrap import Runtime, build
from gatehouse.cli_support import support_app
from gatehouse.domain.errors import GatehouseError, NotFound
from gatehouse.key.cli import key_app
from gatehouse.settings import Settings

T = TypeVar("T")
app = typer.Typer(
    help="Gatehouse: one identity for the Client Portal, Mobile, Workstation and Gateway.",
    no_args_is_help=True,
    add_completion=False,
)
users_app = typer.Typer(help="Create and manage users.", no_args_is_help=True)
totp_app = typer.Typer(help="Authenticator-app (TOTP) enrollment.", no_args_is_help=True)
card_app = typer.Typer(help="Security code cards.", no_args_is_help=True)
sms_app = typer.Typer(help="The embedded SMS outbox.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(totp_app, name="totp")
app.add_typer(card_app, name="card")
app.add_typer(sms_app, name="sms")
app.add_typer(key_app, name="key")
app.add_typer(support_app, name="support")
out = Console()
err = Console(stderr=True)


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Build a runtime from the environment, run ``work``, map errors to exit codes."""

    async def main() -> T:
        runtime = await build(Settings())
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except NotFound as error:
        err.print(f"[red]error:[/] {error.message}")
        raise typer.Exit(3) from None
    except GatehouseError as error:
        err.print(f"[red]error ({error.code}):[/] {error.message}")
        raise typer.Exit(1) from None


def print_qr(uri: str) -> None:
    qr = segno.make(uri, error="m")
    qr.terminal(out=sys.stdout, compact=True)


# --- serve ---------------------------------------------------------------------------------
@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 0,
    demo: Annotated[bool, typer.Option(help="Create the demo user on an empty database.")] = True,
) -> None:
    """Run the Gatehouse server (embedded SQLite by default)."""
    import uvicorn

    from gatehouse.api.app import create_app
    from gatehouse.service.demo import create_demo

    settings = Settings()
    host = host or settings.host
    port = port or settings.port

    async def main() -> None:
        runtime = await build(settings)
        if demo and settings.demo:
            created = await create_demo(runtime.ctx)
            path = settings.home / "demo-credentials.json"
            if created is not None:
                _write_private(path, json.dumps(created.__dict__, indent=2))
            if path.exists():
                _banner(json.loads(path.read_text()), host, port)
        out.print(
            f"Gatehouse listening on [bold]http://{host}:{port}[/]  "
            f"(API: /v1/api, docs: /v1/api/docs)"
        )
        config = uvicorn.Config(
            create_app(runtime),
            host=host,
            port=port,
            log_level="warning",
            ws="websockets-sansio",
            ws_per_message_deflate=False,  # ~64 KiB per socket; frames are small (docs/sync.md)
            lifespan="on",
        )
        # Long-lived start-up objects leave the GC's view, so full collections stay short
        # with thousands of sockets connected (a 1.3 s pause was measured without this).
        gc.freeze()
        await uvicorn.Server(config).serve()

    asyncio.run(main())


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _banner(demo: dict[str, Any], host: str, port: int) -> None:
    out.rule("Gatehouse demo account")
    out.print(f"live:  username [bold]{demo['username']}[/]  password [bold]{demo['password']}[/]")
    out.print(
        f"paper: username [bold]{demo['paper_username']}[/]  "
        f"password [bold]{demo['paper_password']}[/]"
    )
    out.print(f"SMS codes go to {demo['phone']}: read them with [bold]gatehouse sms outbox[/]")
    out.print(f"TOTP: {demo['otpauth_uri']}")
    out.print(
        "Scan with any authenticator app, or: "
        f"oathtool --totp -b {demo['otpauth_uri'].split('secret=')[1].split('&')[0]}"
    )
    print_qr(demo["otpauth_uri"])
    out.print(f"Sign in: curl -X POST http://{host}:{port}/v1/api/auth/login ...  (see README)")
    out.rule()


# --- users ---------------------------------------------------------------------------------
@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="Username (3-32 chars: letters, digits, . _ -).")],
    email: Annotated[str, typer.Option(help="Email address for recovery.")],
    password: Annotated[
        str | None, typer.Option(help="Password; prompted for (hidden) when omitted.")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Mobile number for SMS codes, +E.164.")] = None,
    support: Annotated[bool, typer.Option(help="Create a support agent.")] = False,
) -> None:
    """Create a user with live and paper credentials (the paper password is shown once)."""
    from gatehouse.domain.identity import Role
    from gatehouse.service import users

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    assert password is not None
    secret = password
    created = _run(
        lambda rt: users.create(
            rt.ctx,
            username=name,
            password=secret,
            email=email,
            phone=phone,
            role=Role.SUPPORT if support else Role.USER,
        )
    )
    user = created.user
    out.print(
        f"Created [bold]{user.username}[/] — live account {user.live_account_id}, "
        f"paper account {user.paper_account_id}"
    )
    out.print(
        f"Paper trading: username [bold]{user.paper_username}[/] "
        f"password [bold]{created.paper_password}[/]  (shown once — keep it)"
    )


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every user."""
    from gatehouse.service import users

    found = _run(lambda rt: users.list_users(rt.ctx))
    rows = [
        {
            "username": u.username,
            "email": u.email,
            "live": u.live_account_id,
            "paper": u.paper_account_id,
            "role": u.role,
            "locked": u.admin_locked,
            "totp": u.has_totp,
        }
        for u in found
    ]
    if as_json:
        print(json.dumps(rows))
        return
    table = Table("username", "email", "live", "paper", "role", "locked", "totp")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    out.print(table)


@users_app.command("show")
def users_show(
    name: str, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Show one user: accounts, factors, lock state, sessions."""
    from gatehouse.service import users

    info = _run(lambda rt: users.describe(rt.ctx, name))
    if as_json:
        print(json.dumps(info))
        return
    table = Table("field", "value", show_header=False)
    for key, value in info.items():
        table.add_row(key, str(value))
    out.print(table)


@users_app.command("lock")
def users_lock(name: str) -> None:
    """Lock an account by hand (its sessions end at once)."""
    from gatehouse.service import users

    _run(lambda rt: users.set_locked(rt.ctx, name, True, actor="cli"))
    out.print(f"Locked {name}.")


@users_app.command("unlock")
def users_unlock(name: str) -> None:
    """Lift a manual lock and any lockout from failed sign-ins."""
    from gatehouse.service import users

    _run(lambda rt: users.set_locked(rt.ctx, name, False, actor="cli"))
    out.print(f"Unlocked {name}.")


@users_app.command("set-password")
def users_set_password(
    name: str,
    password: Annotated[
        str | None, typer.Option(help="New password; prompted when omitted.")
    ] = None,
    temporary: Annotated[bool, typer.Option(help="Must be changed at next sign-in.")] = False,
) -> None:
    """Set a user's live password; every session of the user ends."""
    from gatehouse.service import users

    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    assert password is not None
    secret = password
    ended = _run(
        lambda rt: users.set_password(rt.ctx, name, secret, actor="cli", temporary=temporary)
    )
    out.print(f"Password changed for {name}; {ended} session(s) ended.")


# --- factors -------------------------------------------------------------------------------
@totp_app.command("enroll")
def totp_enroll(
    name: str, qr: Annotated[bool, typer.Option(help="Also print a terminal QR code.")] = True
) -> None:
    """Give a user a new authenticator secret; prints the otpauth:// URI and a QR code."""
    from gatehouse.service import users

    uri = _run(lambda rt: users.enroll_totp(rt.ctx, name, actor="cli"))
    print(uri)
    if qr:
        print_qr(uri)


@card_app.command("issue")
def card_issue(
    name: str,
    pdf: Annotated[Path | None, typer.Option(help="Where to write the printable PDF.")] = None,
) -> None:
    """Issue a new security code card (replacing the old one) and write it as a PDF."""
    from gatehouse.adapters.documents.card_pdf import render_card_pdf, render_card_text
    from gatehouse.service import users

    issued = _run(lambda rt: users.issue_card(rt.ctx, name, actor="cli"))
    target = pdf or Path(f"gatehouse-card-{issued.user.username}-{issued.card_id}.pdf")
    data = render_card_pdf(
        issued.cells,
        username=issued.user.username,
        card_id=issued.card_id,
        issued_at=datetime.now(UTC),
    )
    _write_private(target, "")
    target.write_bytes(data)
    out.print(f"Card [bold]{issued.card_id}[/] for {issued.user.username}:")
    print(render_card_text(issued.cells))
    out.print(f"Printable PDF: {target}")


@sms_app.command("outbox")
def sms_outbox(
    to: Annotated[str | None, typer.Option(help="Only messages to this number.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the newest messages in the embedded SMS outbox."""

    async def read(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.ctx.uow() as uow:
            return await uow.sms_outbox.latest(limit=limit, to=to)

    rows = _run(read)
    if as_json:
        print(json.dumps(rows, default=str))
        return
    table = Table("sent", "to", "text")
    for row in rows:
        table.add_row(str(row["created_at"]), str(row["to"]), str(row["text"]))
    out.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
