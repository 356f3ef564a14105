"""``gatehouse workstation [--server URL] [--panel KIND]``: start the Workstation, or open
one panel of a running one in this terminal through its hand-off (no second sign-in)."""

from __future__ import annotations

import gc
import os
from typing import Annotated

import typer

from gatehouse.clients.workstation import handoff
from gatehouse.clients.workstation.config import PreferenceStore
from gatehouse.clients.workstation.layout import TITLES

DEFAULT_SERVER = "http://127.0.0.1:8000"


def workstation(
    server: Annotated[
        str | None,
        typer.Option(
            help="The Gatehouse server (default: GATEHOUSE_URL, the last used, or "
            f"{DEFAULT_SERVER})."
        ),
    ] = None,
    idle_minutes: Annotated[
        float,
        typer.Option(min=1, max=1440, help="Lock behind a re-authentication after this idle time."),
    ] = 15,
    panel: Annotated[
        str | None,
        typer.Option(help=f"Open one panel of the signed-in Workstation: {', '.join(TITLES)}."),
    ] = None,
) -> None:
    """The Workstation: a keyboard-driven trading terminal."""
    from gatehouse.clients.workstation.app import WorkstationApp  # Textual loads only here
    from gatehouse.clients.workstation.connect import SdkSignIn

    store = PreferenceStore()
    if panel is not None:
        if panel not in TITLES:
            raise typer.BadParameter(f"choose one of: {', '.join(TITLES)}", param_hint="--panel")
        try:
            found = handoff.take(panel)
        except handoff.HandoffError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from error
        app = WorkstationApp(SdkSignIn(found.base_url), store=store, detached=found)
    else:
        url = server or os.environ.get("GATEHOUSE_URL") or store.load().server or DEFAULT_SERVER
        app = WorkstationApp(SdkSignIn(url), store=store, idle_seconds=idle_minutes * 60)
    # What start-up loaded (~75,000 objects: Textual, rich, the SDK) lives as long as the
    # process: out of the GC's view, each full collection is ~25 ms shorter. Those come about
    # once a second under a busy order flow (benchmarks/workstation.py; docs/benchmarks.md).
    gc.freeze()
    app.run()
    if app.ended_reason:
        typer.echo(f"Session ended: {app.ended_reason}")
