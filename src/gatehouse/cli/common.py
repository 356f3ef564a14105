"""What every command group shares: running a use case on a runtime, exit codes, output.

Exit codes: 0 success, 1 refused (the message says why), 2 bad usage, 3 not found.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import segno
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from gatehouse.clients.display import when
from gatehouse.clients.prompts import new_secret
from gatehouse.domain.errors import GatehouseError, NotFound, WeakPassword
from gatehouse.settings import Settings

if TYPE_CHECKING:  # the runtime (and all it loads) is imported when a command runs
    from gatehouse.bootstrap import Runtime

T = TypeVar("T")
UserName = Annotated[str, typer.Argument(help="The user's username (the live one, e.g. alice).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
out = Console()
err = Console(stderr=True)


def run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Build a runtime from the environment, run ``work``, map errors to exit codes."""

    async def main() -> T:
        from gatehouse.bootstrap import build

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


def new_password(label: str, *, username: str = "", email: str = "") -> str:
    """Ask for a new password until it meets the password policy (:func:`new_secret`); the use
    case checks it once more, with everything it knows of the account."""
    from gatehouse.domain.identity.passwords import check_password

    policy = Settings().password_policy()

    def problem(password: str) -> str | None:
        try:
            check_password(password, policy=policy, username=username, email=email)
        except WeakPassword as refused:
            return refused.message
        return None

    return new_secret(label, problem)


def cell(value: object) -> str:
    """A value as a person reads it in a table (``--json`` keeps the raw values): yes/no,
    instants to the second (UTC), a code card as its id and unused cells."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "-"
    if isinstance(value, dict):
        if set(value) == {"id", "unused_cells"}:  # the code card
            return f"{value['id']} ({value['unused_cells']} unused cells)"
        return ", ".join(f"{k} {cell(v)}" for k, v in value.items())
    return when(value) or str(value)


def rows_table(rows: list[dict[str, Any]], columns: list[str], title: str | None = None) -> Table:
    """One row per record. A column empty in every row is left out; a long value folds onto a
    second line rather than being cut. Cells are plain text: what a user typed (a subject, an
    address) is never read as Rich markup or an ``:emoji:`` code (``2001:db8::1234:5678`` was
    shown with a 🔢 in it)."""
    cells = [{column: cell(row.get(column)) for column in columns} for row in rows]
    shown = [c for c in columns if any(r[c] not in ("", "-") for r in cells)] or columns
    table = Table(title=title, title_justify="left")
    for column in shown:
        table.add_column(column, overflow="fold")
    for row in cells:
        table.add_row(*(Text(row[column]) for column in shown))
    return table


def record_table(record: dict[str, Any]) -> Table:
    """One record as field/value lines (lists of records are for :func:`rows_table`)."""
    table = Table("field", "value", show_header=False)
    for key, value in record.items():
        table.add_row(key, Text(cell(value)))
    return table


def print_qr(uri: str) -> None:
    qr = segno.make(uri, error="m")
    qr.terminal(out=sys.stdout, compact=True)


def write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
