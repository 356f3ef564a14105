"""The ``gatehouse`` command: assembles the command groups, one module each.

Exit codes: 0 success, 1 refused (the message says why), 2 bad usage, 3 not found.
"""

from __future__ import annotations

import typer

from gatehouse.cli.factors import card_app, sms_app, totp_app
from gatehouse.cli.serve import serve
from gatehouse.cli.support import support_app
from gatehouse.cli.users import users_app
from gatehouse.clients.gateway.cli import gateway_app
from gatehouse.clients.key.cli import key_app
from gatehouse.clients.workstation.cli import workstation

app = typer.Typer(
    help="Gatehouse: one identity for the Client Portal, Mobile, Workstation and Gateway.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(serve)
app.add_typer(users_app, name="users")
app.add_typer(totp_app, name="totp")
app.add_typer(card_app, name="card")
app.add_typer(sms_app, name="sms")
app.add_typer(key_app, name="key")
app.add_typer(gateway_app, name="gateway")
app.add_typer(support_app, name="support")
app.command()(workstation)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
