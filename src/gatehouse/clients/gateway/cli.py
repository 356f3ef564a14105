"""``gatehouse gateway``: ``login`` (once, interactive: sign in and enroll this machine),
``run`` (unattended: serve the IBKR Client Portal Web API locally) and ``status``.

The gateway's folder is ``--home``, ``GATEHOUSE_GATEWAY_HOME`` or ~/.config/gatehouse-gateway;
the passphrase sealing its key comes from ``GATEHOUSE_GATEWAY_PASSPHRASE`` or a prompt.
Exit codes: 0 done, 1 refused (the message says why), 2 bad usage, 3 stopped (revoked).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import sys
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console

from gatehouse.clients.display import when
from gatehouse.clients.gateway import keystore, logs, run
from gatehouse.clients.gateway.allow import AllowList, AllowListError
from gatehouse.clients.gateway.signin import sign_in
from gatehouse.clients.gateway.upstream import MAX_CONNECTIONS, WAIT_TIMEOUT
from gatehouse.clients.prompts import new_secret
from gatehouse.clients.sdk import AsyncGatehouse, FileDeviceTokens, GatehouseApiError, NotFound
from gatehouse.clients.sdk import devices as sdk_devices

T = TypeVar("T")
gateway_app = typer.Typer(
    help="The Gateway: unattended sign-in for trading programs, and the IBKR Client Portal "
    "Web API on this machine.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)
DEFAULT_HOME = Path("~/.config/gatehouse-gateway")
PASSPHRASE_ENV = "GATEHOUSE_GATEWAY_PASSPHRASE"

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", envvar="GATEHOUSE_GATEWAY_HOME", help="The gateway's folder."),
]


def _home(home: Path | None) -> Path:
    return (home or DEFAULT_HOME).expanduser()


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}")
    return typer.Exit(1)


def _run(work: Awaitable[T]) -> T:
    try:
        return asyncio.run(work)  # type: ignore[arg-type]
    except GatehouseApiError as error:
        raise _fail(f"{error.message} ({error.code})") from None
    except keystore.DeviceFileError as error:
        raise _fail(str(error)) from None
    except (httpx.TransportError, OSError) as error:
        raise _fail(f"The server cannot be reached: {error}") from None


def _passphrase(*, confirm: bool) -> str:
    given = os.environ.get(PASSPHRASE_ENV)
    if given is not None:
        return given
    label = "Passphrase for the gateway's key"
    if not confirm:
        return str(typer.prompt(label, hide_input=True))
    return new_secret(label, _passphrase_problem)


def _passphrase_problem(passphrase: str) -> str | None:
    try:
        keystore.check_passphrase(passphrase)
    except keystore.DeviceFileError as error:
        return str(error)
    return None


@gateway_app.command()
def login(
    server: Annotated[str, typer.Option(help="The Gatehouse server.")] = "http://127.0.0.1:8000",
    username: Annotated[str, typer.Option(help="Your username (live or paper).")] = "",
    environment: Annotated[str, typer.Option(help="live or paper.")] = "live",
    scope: Annotated[str, typer.Option(help="trade or read-only.")] = "trade",
    name: Annotated[str | None, typer.Option(help="How the gateway is listed.")] = None,
    factor: Annotated[
        str | None, typer.Option(help="push, totp, sms or card (asked when omitted).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Sign in once (password and second factor) and enroll this machine as a gateway.

    Run again later to renew the policy's full second factor for the same gateway."""
    if environment not in ("live", "paper") or scope not in ("trade", "read-only"):
        err.print("--environment is live or paper; --scope is trade or read-only.")
        raise typer.Exit(2)
    if not username:
        username = str(typer.prompt("Username"))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = str(typer.prompt("Password", hide_input=True))
    folder = _home(home)
    path = folder / "device.json"
    label = name or f"gateway on {socket.gethostname()}"
    known = keystore.enrollment(path) if path.exists() else None
    body = _run(_login(server, username, password, environment, scope, label, factor, path, known))
    out.print(
        f"Gateway [bold]{body['name']}[/] ({body['scope']}, {body['environment']}) is enrolled; "
        f"a full second factor is due by {when(body['second_factor_due_at'], seconds=False)} UTC.\n"
        f"Start it with: gatehouse gateway run"
    )


async def _login(
    server: str,
    username: str,
    password: str,
    environment: str,
    scope: str,
    name: str,
    factor: str | None,
    path: Path,
    known: keystore.Enrollment | None,
) -> dict[str, Any]:
    tokens = FileDeviceTokens(path.parent / "known-devices.json")  # strangers cannot lock us out
    async with AsyncGatehouse(
        server, user_agent="gatehouse-gateway", device_tokens=tokens
    ) as client:
        await sign_in(
            client,
            username=username,
            password=password,
            environment=environment,
            factor=factor,
            ask=lambda prompt: str(typer.prompt(prompt)),
            tell=lambda text: out.print(text),
        )
        try:
            same = known is not None and (known.server, known.username, known.environment) == (
                server,
                username,
                environment,
            )
            if known is not None and same:  # the same gateway signs in fully again: renew it
                try:
                    return await sdk_devices.renew(client, known.device_id)
                except NotFound:
                    pass  # revoked since: enroll a new key
            return await _enroll(client, server, username, environment, scope, name, path)
        finally:
            await client.logout()


async def _enroll(
    client: AsyncGatehouse,
    server: str,
    username: str,
    environment: str,
    scope: str,
    name: str,
    path: Path,
) -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    passphrase = keystore.check_passphrase(_passphrase(confirm=True))
    body = await sdk_devices.register(client, key, scope=scope, name=name)
    enrollment = keystore.Enrollment(
        server=server,
        username=username,
        environment=environment,
        device_id=str(body["device_id"]),
        scope=str(body["scope"]),
        name=str(body["name"]),
        registered_at=datetime.now(UTC).isoformat(),
    )
    keystore.save(path, enrollment, key, passphrase)
    return body


@gateway_app.command("run")
def run_gateway(
    port: Annotated[int, typer.Option(help="The local port.")] = 5000,
    http: Annotated[bool, typer.Option("--http", help="Plain HTTP instead of HTTPS.")] = False,
    host: Annotated[str, typer.Option(help="The local address to listen on.")] = "127.0.0.1",
    allow: Annotated[
        list[str] | None, typer.Option("--allow", help="Another client address or network.")
    ] = None,
    allow_file: Annotated[
        Path | None, typer.Option(help="A file of allowed addresses (default: HOME/ips.allow).")
    ] = None,
    tickle_seconds: Annotated[
        float, typer.Option(hidden=True, help="Seconds between tickles (tests shorten it).")
    ] = 60.0,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    tws_port: Annotated[
        int | None,
        typer.Option(help="The TWS API port (default: 4001 for live, 4002 for paper)."),
    ] = None,
    no_tws: Annotated[bool, typer.Option("--no-tws", help="Do not serve the TWS API.")] = False,
    upstream_connections: Annotated[
        int,
        typer.Option(
            min=1, max=1000, help="Connections to the server at most; more requests wait."
        ),
    ] = MAX_CONNECTIONS,
    upstream_wait: Annotated[
        float,
        typer.Option(
            min=0.1,
            max=600,
            help="Seconds a request waits for a connection before 503 upstream_busy.",
        ),
    ] = WAIT_TIMEOUT,
    home: HomeOption = None,
) -> None:
    """Sign in with the device key and serve the Client Portal Web API (and the TWS API for
    ib_async / ibapi programs) on this machine."""
    folder = _home(home)
    logs.setup(log_level)
    default_allow = folder / "ips.allow"
    try:
        rules = AllowList.load(
            allow or [], allow_file or (default_allow if default_allow.exists() else None)
        )
        device = folder / "device.json"
        keystore.enrollment(device)  # missing or damaged: said before the passphrase is asked
        unsealed = keystore.unseal(device, _passphrase(confirm=False))
    except (AllowListError, OSError, keystore.DeviceFileError) as error:
        raise _fail(str(error)) from None
    live = unsealed.enrollment.environment == "live"
    tws = None if no_tws else tws_port or (4001 if live else 4002)
    listener = run.Listener(host=host, port=port, https=not http, folder=folder, tws_port=tws)
    serving = run.serve(
        unsealed.enrollment,
        unsealed.private_key,
        listener,
        rules,
        tickle_seconds=tickle_seconds,
        upstream_connections=upstream_connections,
        upstream_wait=upstream_wait,
    )
    raise typer.Exit(run.run_loop(serving))


@gateway_app.command()
def status(
    port: Annotated[int, typer.Option(help="The gateway's local port.")] = 5000,
    http: Annotated[bool, typer.Option("--http", help="The gateway serves plain HTTP.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """What the running gateway says about itself (GET /gateway/status)."""
    url = f"{'http' if http else 'https'}://127.0.0.1:{port}/gateway/status"
    verify: ssl.SSLContext | bool = True
    if not http:  # the listener's certificate is self-signed: trust exactly that certificate
        certificate = _home(home) / "tls" / "localhost.crt"
        if not certificate.exists():
            raise _fail(f"No gateway certificate at {certificate}: is this the gateway's --home?")
        verify = ssl.create_default_context(cafile=str(certificate))
    try:
        body = httpx.get(url, verify=verify, timeout=5).json()
    except (httpx.HTTPError, ValueError) as error:
        raise _fail(f"No gateway answers at {url}: {error}") from None
    if as_json:
        out.print_json(json.dumps(body))
    else:
        for key, value in body.items():
            out.print(f"{key:>22}: {value}")
    raise typer.Exit(0 if body.get("signed_in") else 1)
