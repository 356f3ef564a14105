"""``gatehouse users``: create, list, show, lock, unlock users and set their passwords."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from gatehouse.cli.common import (
    JsonFlag,
    UserName,
    new_password,
    out,
    record_table,
    rows_table,
    run,
)

users_app = typer.Typer(help="Create and manage users.", no_args_is_help=True)


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="Username (3-32 chars: letters, digits, . _ -).")],
    email: Annotated[str, typer.Option(help="Email address for recovery.")],
    password: Annotated[
        str | None, typer.Option(help="Password; prompted for (hidden, twice) when omitted.")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Mobile number for SMS codes, +E.164.")] = None,
    support: Annotated[bool, typer.Option(help="Create a support agent.")] = False,
) -> None:
    """Create a user with live and paper credentials (the paper password is shown once)."""
    from gatehouse.domain.identity.users import Role
    from gatehouse.service.identity import users

    secret = (
        password if password is not None else new_password("Password", username=name, email=email)
    )
    created = run(
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
def users_list(as_json: JsonFlag = False) -> None:
    """List every user."""
    from gatehouse.service.identity import users

    found = run(lambda rt: users.list_users(rt.ctx))
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
    out.print(rows_table(rows, ["username", "email", "live", "paper", "role", "locked", "totp"]))


@users_app.command("show")
def users_show(name: UserName, as_json: JsonFlag = False) -> None:
    """Show one user: accounts, factors, lock state, sessions."""
    from gatehouse.service.identity import users

    info = run(lambda rt: users.describe(rt.ctx, name))
    if as_json:
        print(json.dumps(info))
        return
    out.print(record_table(info))


@users_app.command("lock")
def users_lock(name: UserName) -> None:
    """Lock an account by hand (its sessions end at once)."""
    from gatehouse.service.identity import users

    run(lambda rt: users.set_locked(rt.ctx, name, True, actor="cli"))
    out.print(f"Locked {name}.")


@users_app.command("unlock")
def users_unlock(name: UserName) -> None:
    """Lift a manual lock and any lockout from failed sign-ins."""
    from gatehouse.service.identity import users

    run(lambda rt: users.set_locked(rt.ctx, name, False, actor="cli"))
    out.print(f"Unlocked {name}.")


@users_app.command("set-password")
def users_set_password(
    name: UserName,
    password: Annotated[
        str | None, typer.Option(help="New password; prompted for (hidden, twice) when omitted.")
    ] = None,
    temporary: Annotated[
        bool, typer.Option(help="Must be changed at the next sign-in (live password only).")
    ] = False,
    paper: Annotated[
        bool, typer.Option(help="Set the paper-trading password (NAMEpaper) instead.")
    ] = False,
) -> None:
    """Set a user's live (or, with --paper, paper) password; every session of the user ends."""
    from gatehouse.service.identity import users

    secret = password if password is not None else new_password("New password", username=name)
    ended = run(
        lambda rt: users.set_password(
            rt.ctx, name, secret, actor="cli", temporary=temporary, paper=paper
        )
    )
    which = "Paper password" if paper else "Password"
    out.print(f"{which} changed for {name}; {ended} session(s) ended.")
