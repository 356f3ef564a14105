"""``gatehouse totp``, ``card`` and ``sms``: factors an operator hands out; the SMS outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from gatehouse.cli.common import JsonFlag, UserName, cell, out, print_qr, run, write_private

if TYPE_CHECKING:  # the runtime (and all it loads) is imported when a command runs
    from gatehouse.bootstrap import Runtime

totp_app = typer.Typer(help="Authenticator-app (TOTP) enrollment.", no_args_is_help=True)
card_app = typer.Typer(help="Security code cards.", no_args_is_help=True)
sms_app = typer.Typer(help="The embedded SMS outbox.", no_args_is_help=True)


@totp_app.command("enroll")
def totp_enroll(
    name: UserName, qr: Annotated[bool, typer.Option(help="Also print a terminal QR code.")] = True
) -> None:
    """Give a user a new authenticator secret; prints the otpauth:// URI and a QR code."""
    from gatehouse.service.identity import users

    uri = run(lambda rt: users.enroll_totp(rt.ctx, name, actor="cli"))
    print(uri)
    if qr:
        print_qr(uri)


@card_app.command("issue")
def card_issue(
    name: UserName,
    pdf: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the printable PDF (mode 0600); "
            "default gatehouse-card-NAME-CARD.pdf here."
        ),
    ] = None,
) -> None:
    """Issue a new security code card (replacing the old one) and write it as a PDF."""
    from gatehouse.adapters.documents.card_pdf import render_card_pdf, render_card_text
    from gatehouse.service.identity import users

    issued = run(lambda rt: users.issue_card(rt.ctx, name, actor="cli"))
    target = pdf or Path(f"gatehouse-card-{issued.user.username}-{issued.card_id}.pdf")
    data = render_card_pdf(
        issued.cells,
        username=issued.user.username,
        card_id=issued.card_id,
        issued_at=datetime.now(UTC),
    )
    write_private(target, "")
    target.write_bytes(data)
    out.print(f"Card [bold]{issued.card_id}[/] for {issued.user.username}:")
    print(render_card_text(issued.cells))
    out.print(f"Printable PDF: {target}")


@sms_app.command("outbox")
def sms_outbox(
    to: Annotated[str | None, typer.Option(help="Only messages to this number.")] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=1000, help="How many messages, newest first.")
    ] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Show the newest messages in the embedded SMS outbox."""

    async def read(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.ctx.uow() as uow:
            return await uow.sms_outbox.latest(limit=limit, to=to)

    rows = run(read)
    if as_json:
        print(json.dumps(rows, default=str))
        return
    table = Table("sent", "to", "text")
    for row in rows:
        table.add_row(cell(row["created_at"]), str(row["to"]), str(row["text"]))
    out.print(table)
