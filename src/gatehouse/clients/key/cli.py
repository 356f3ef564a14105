"""``gatehouse key``: the Key app (no sub-command), and plain commands for scripts.

The PIN comes from ``--pin``, ``GATEHOUSE_KEY_PIN``, or a hidden prompt; the device file
from ``--file`` or ``GATEHOUSE_KEY_FILE`` (default ~/.config/gatehouse-key/device.json).
Exit codes: 0 done, 1 refused (the message says why), 2 bad usage.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from gatehouse.clients.display import when
from gatehouse.clients.key import actions
from gatehouse.clients.key.store import (
    ENV_FILE,
    Account,
    DeviceFile,
    KeyStoreError,
    UnlockedDevice,
    check_pin,
)
from gatehouse.clients.prompts import new_secret
from gatehouse.clients.sdk.errors import ConnectionLost
from gatehouse.clients.sdk.key_client import KeyApiError, KeyClient, PushRequest

T = TypeVar("T")
key_app = typer.Typer(
    help="The Gatehouse Key authenticator: codes and push approvals. Without a command, "
    "opens the app.",
    invoke_without_command=True,
)
out = Console()
err = Console(stderr=True)

FileOption = Annotated[
    Path | None, typer.Option("--file", envvar=ENV_FILE, help="The device file.")
]
PinOption = Annotated[
    str | None,
    typer.Option(envvar="GATEHOUSE_KEY_PIN", help="The device PIN (prompted when omitted)."),
]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}")
    return typer.Exit(1)


def _run(work: Awaitable[T]) -> T:
    try:
        return asyncio.run(work)  # type: ignore[arg-type]
    except ConnectionLost as error:
        raise _fail(error.message) from None
    except KeyApiError as error:
        raise _fail(f"{error.message} ({error.code})") from None
    except KeyStoreError as error:
        raise _fail(str(error)) from None
    except OSError as error:
        raise _fail(f"The server cannot be reached: {error}") from None


def _unlock(file: DeviceFile, pin: str | None, *, create: bool = False) -> UnlockedDevice:
    if not create:
        try:
            file.check()  # missing or damaged: said before the PIN is asked
        except KeyStoreError as error:
            raise _fail(str(error)) from None
    if pin is None and create and not file.exists():
        pin = new_secret("Choose a PIN", _pin_problem)
    elif pin is None:
        pin = str(typer.prompt("PIN", hide_input=True))
    try:
        return file.open_or_create(pin) if create else file.unlock(pin)
    except KeyStoreError as error:
        raise _fail(str(error)) from None


def _pin_problem(pin: str) -> str | None:
    try:
        check_pin(pin)
    except KeyStoreError as error:
        return str(error)
    return None


@key_app.callback()
def open_app(
    context: typer.Context,
    file: FileOption = None,
    poll: Annotated[float, typer.Option(help="Seconds between checks when polling.")] = 3.0,
) -> None:
    """Open the Key app when no command is given."""
    if context.invoked_subcommand is not None:
        if file is not None:  # `key --file F codes` means `key codes --file F` (it was ignored)
            context.default_map = {context.invoked_subcommand: {"file": str(file)}}
        return
    from gatehouse.clients.key.app import KeyApp

    KeyApp(path=file, poll_seconds=poll).run()


@key_app.command("enroll")
def enroll(
    server: Annotated[str | None, typer.Option(help="The server's address.")] = None,
    code: Annotated[str | None, typer.Option(help="The activation or re-enrollment code.")] = None,
    uri: Annotated[
        str | None, typer.Option(help="The gatehouse-key:// link of the QR code instead.")
    ] = None,
    name: Annotated[str, typer.Option(help="A name for this device.")] = "Gatehouse Key",
    file: FileOption = None,
    pin: PinOption = None,
) -> None:
    """Enroll this device with an activation code (a new device file asks for a new PIN)."""
    if uri:
        try:
            server, code = actions.parse_enrollment_uri(uri)
        except KeyStoreError as error:
            raise _fail(str(error)) from None
    if not server or not code:
        err.print("Give --server and --code, or --uri.")
        raise typer.Exit(2)
    device = _unlock(DeviceFile(file), pin, create=True)
    account = _run(actions.enroll(device, server=server, code=code, name=name))
    out.print(f"Enrolled [bold]{account.label}[/] as device {account.device_id}.")


@key_app.command("list")
def list_accounts(
    file: FileOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The accounts this device is enrolled for (no PIN needed)."""
    try:
        accounts = DeviceFile(file).accounts()
    except KeyStoreError as error:
        raise _fail(str(error)) from None
    if as_json:
        print(json.dumps([a.__dict__ for a in accounts]))
        return
    table = Table()
    table.add_column("account", overflow="fold")
    # support is given the device id to revoke a lost device: never cut, never split
    widest = max((len(a.device_id) for a in accounts), default=0)
    table.add_column("device id", no_wrap=True, min_width=widest)
    table.add_column("name", overflow="fold")
    table.add_column("enrolled (UTC)", no_wrap=True, min_width=16)
    for account in accounts:
        enrolled = when(account.enrolled_at, seconds=False) or account.enrolled_at
        table.add_row(account.label, account.device_id, account.name, enrolled)
    out.print(table)


@key_app.command("codes")
def codes(
    file: FileOption = None,
    pin: PinOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The current 6-digit code of every account, and the seconds it has left."""
    device = _unlock(DeviceFile(file), pin)
    found = actions.current_codes(device, datetime.now(UTC))
    if as_json:
        rows = [
            {"account": c.account.label, "code": c.code, "seconds_left": c.seconds_left}
            for c in found
        ]
        print(json.dumps(rows))
        return
    for current in found:
        out.print(
            f"{current.account.label}: [bold]{actions.format_code(current.code)}[/]"
            f"  ({current.seconds_left} s left)"
        )


@key_app.command("approve")
def approve(
    file: FileOption = None,
    pin: PinOption = None,
    pick: Annotated[
        int | None, typer.Option(help="The number shown on the sign-in screen.")
    ] = None,
    deny: Annotated[bool, typer.Option(help="Deny the request.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds to wait for a request.")] = 0.0,
) -> None:
    """Answer the open push request: show its context and numbers, then approve or deny."""
    device = _unlock(DeviceFile(file), pin)
    found = _run(_wait_for_request(device, wait))
    if not found:
        raise _fail("No push request is waiting.")
    account, request = found[0]
    out.print(actions.describe_request(request))
    out.print("Numbers: " + "   ".join(str(n) for n in request.choices))
    if not deny and pick is None:
        typed = typer.prompt("Pick the number on the sign-in screen, or d to deny")
        deny = typed.strip().lower() == "d"
        pick = None if deny else _number(typed)
    result = _run(actions.answer(device, account, request, picked=None if deny else pick))
    out.print(actions_result(result))
    if result != "approved" and not deny:
        raise typer.Exit(1)


def _number(typed: str) -> int:
    try:
        return int(typed.strip())
    except ValueError:
        raise _fail("Type one of the numbers, or d.") from None


def actions_result(result: str) -> str:
    from gatehouse.clients.key.app import RESULTS

    return RESULTS.get(result, result)


async def _wait_for_request(
    device: UnlockedDevice, wait: float
) -> list[tuple[Account, PushRequest]]:
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        found = await actions.pending(device)
        if found or asyncio.get_running_loop().time() >= deadline:
            return found
        await asyncio.sleep(0.5)


@key_app.command("doctor")
def doctor(
    server: Annotated[
        str | None, typer.Option(help="Check this server (default: every enrolled one).")
    ] = None,
    file: FileOption = None,
    pin: PinOption = None,
) -> None:
    """Check the device clock against the server, and (with the PIN) that the device is active."""
    store = DeviceFile(file)
    accounts = store.accounts()
    servers = [server] if server else sorted({a.server for a in accounts})
    if not servers:
        raise _fail("Nothing to check: give --server, or enroll first.")
    healthy = True
    for target in servers:
        offset = _run(_offset(target))
        out.print(f"{target}: {actions.describe_offset(offset)}")
        healthy = healthy and abs(offset) <= actions.CLOCK_TOLERANCE_SECONDS
    mine = [a for a in accounts if a.server in servers]
    if mine and (pin is not None or store.exists()):
        device = _unlock(store, pin)
        for account in mine:
            try:
                _run(_signed_check(device, account))
                out.print(f"{account.label}: device {account.device_id} is active.")
            except typer.Exit:
                healthy = False
    if not healthy:
        raise typer.Exit(1)


async def _offset(server: str) -> float:
    async with KeyClient(server) as client:
        return await client.clock_offset()


async def _signed_check(device: UnlockedDevice, account: Account) -> None:
    async with KeyClient(account.server) as client:
        await client.pending(device.identity(account))
