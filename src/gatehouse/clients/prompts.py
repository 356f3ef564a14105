"""Asking for a new secret on a terminal: hidden, twice, and again until it is acceptable.

One place for every command that has someone choose a password, a PIN or a passphrase
(``gatehouse users``, ``gatehouse key``, ``gatehouse gateway login``): a secret the rules refuse
is said at once — before the second entry — and asked for again, as is a second entry that does
not match, instead of ending the command (``gateway login`` asks for its passphrase after a
whole sign-in, which a refusal would have thrown away).
"""

from __future__ import annotations

from collections.abc import Callable

import typer


def new_secret(label: str, problem: Callable[[str], str | None]) -> str:
    """Ask for a new secret until ``problem`` finds none in it and it is typed the same twice.

    ``problem`` returns why a secret is refused, or None. End of input aborts (``typer.Abort``,
    exit 1), so a script that pipes one refused secret ends instead of looping.
    """
    while True:
        first = str(typer.prompt(label, hide_input=True))
        reason = problem(first)
        if reason:
            typer.echo(f"{reason} Choose another.", err=True)
            continue
        if str(typer.prompt("Repeat for confirmation", hide_input=True)) == first:
            return first
        typer.echo("The two entries do not match. Type it again.", err=True)
