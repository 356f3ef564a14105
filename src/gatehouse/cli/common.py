"""What every command group shares: running a use case on a runtime, exit codes, output.

Exit codes: 0 success, 1 refused (the message says why), 2 bad usage, 3 not found.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import segno
import typer
from rich.console import Console

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
    """Ask for a new password, hidden and twice, until it meets the password policy.

    A password the policy refuses is said at once, before the confirmation, and asked for again
    (the use case checks it once more, with everything it knows of the account). End of input
    aborts, so a script that pipes one weak password is refused instead of looping.
    """
    from gatehouse.domain.identity.passwords import check_password

    policy = Settings().password_policy()
    while True:
        first = str(typer.prompt(label, hide_input=True))
        try:
            check_password(first, policy=policy, username=username, email=email)
        except WeakPassword as refused:
            err.print(f"[red]{refused.message}[/] Choose another.")
            continue
        if str(typer.prompt("Repeat for confirmation", hide_input=True)) == first:
            return first
        err.print("[red]The two entries do not match.[/] Type it again.")


def print_qr(uri: str) -> None:
    qr = segno.make(uri, error="m")
    qr.terminal(out=sys.stdout, compact=True)


def write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
