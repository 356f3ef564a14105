"""``gatehouse serve``: run the server, and the demo banner on first start."""

from __future__ import annotations

import asyncio
import errno
import gc
import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import uvicorn
from rich.markup import escape

from gatehouse.cli.common import out, print_qr, write_private
from gatehouse.cli.workers import refusal, run_workers
from gatehouse.settings import DEFAULT_HOST, DEFAULT_PORT, SERVED_FILE, Settings, browser_url

if TYPE_CHECKING:  # the runtime (and all it loads) is imported when a command runs
    from gatehouse.bootstrap import Runtime


def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (0.0.0.0 for every interface).",
            envvar="GATEHOUSE_HOST",
            show_envvar=True,
        ),
    ] = DEFAULT_HOST,
    port: Annotated[
        int,
        typer.Option(
            help="Port to listen on.",
            min=1,
            max=65535,
            envvar="GATEHOUSE_PORT",
            show_envvar=True,
        ),
    ] = DEFAULT_PORT,
    demo: Annotated[
        bool,
        typer.Option(help="Create the demo user on an empty database (also GATEHOUSE_DEMO)."),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes behind the one port (>1 needs PostgreSQL and Redis; "
            "docs/configuration.md says how to pick it).",
            min=1,
            max=64,
            envvar="GATEHOUSE_WORKERS",
            show_envvar=True,
        ),
    ] = 1,
) -> None:
    """Run the Gatehouse server (embedded SQLite in GATEHOUSE_HOME by default)."""
    from gatehouse.api.app import create_app
    from gatehouse.service.demo import create_demo

    settings = Settings(host=host, port=port)
    refused = refusal(settings, workers) or unavailable(host, port)
    if refused:
        out.print(f"[red]{escape(refused)}[/]", soft_wrap=True)
        raise typer.Exit(2)

    async def prepare() -> Runtime:
        from gatehouse.bootstrap import build

        runtime = await build(settings)  # migrates, once, before any worker starts
        # commands run beside this server without its GATEHOUSE_PORT print links to it
        served = {"url": settings.effective_public_base_url}
        write_private(settings.home / SERVED_FILE, json.dumps(served))
        if demo and settings.demo:
            created = await create_demo(runtime.ctx)
            path = settings.home / "demo-credentials.json"
            if created is not None:
                write_private(path, json.dumps(created.__dict__, indent=2))
            if path.exists():
                mail = None if settings.smtp_host else settings.home / "mail"
                _banner(json.loads(path.read_text()), browser_url(host, port), mail)
        return runtime

    if workers > 1:

        async def prepared() -> None:
            await (await prepare()).close()  # each worker builds its own

        asyncio.run(prepared())
        run_workers(workers, host, port, uvicorn_options(settings), announce_workers(host))
        return

    async def main() -> None:
        runtime = await prepare()
        config = uvicorn.Config(
            create_app(runtime), host=host, port=port, **uvicorn_options(settings)
        )
        # Long-lived start-up objects leave the GC's view, so full collections stay short
        # with thousands of sockets connected (a 1.3 s pause was measured without this).
        gc.freeze()
        await AnnouncingServer(config).serve()

    asyncio.run(main())


def unavailable(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host``:``port`` (None: it can), asked before the
    database is touched or the banner printed. A bind as uvicorn's (SO_REUSEADDR), let go at
    once; a program that takes the port in between still meets uvicorn's own error."""
    other = 8081 if port == 8080 else 8080
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn chooses
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror as error:
            return f"Cannot listen on {host}: {error.strerror}. Check --host (GATEHOUSE_HOST)."
        except PermissionError:
            return (
                f"Port {port} needs privileges this user does not have. Choose a port above "
                f"1023: GATEHOUSE_PORT={other} ./scripts/serve (or --port {other})."
            )
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} on {host} is already in use (another Gatehouse, or another "
                    f"program). Stop it, or choose another port: GATEHOUSE_PORT={other} "
                    f"./scripts/serve (or --port {other})."
                )
            return f"Cannot listen on {host}:{port}: {error.strerror}."
    return None


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves Gatehouse, with one process or several."""
    return {
        "log_level": "warning",
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,  # ~64 KiB per socket; frames are small (docs/sync.md)
        "lifespan": "on",
        # After a restart every client reconnects at once: room for a storm of handshakes
        # waiting to be accepted (uvicorn's default is 2048; the kernel caps it at somaxconn).
        "backlog": 4096,
        **proxy_options(settings.trusted_proxies),
    }


def announce(host: str, bound: int, extra: str = "") -> None:
    url = browser_url(host, bound)
    out.print(
        f"Gatehouse listening on [bold]{url}[/]  "
        f"(API: {url}/v1/api, docs: {url}/v1/api/docs, portal: {url}/login){extra}",
        soft_wrap=True,
    )


def announce_workers(host: str) -> Callable[[int, list[int]], None]:
    """Said once every worker serves: where, and which processes."""

    def ready(bound: int, pids: list[int]) -> None:
        announce(host, bound, f"  {len(pids)} workers, pids {' '.join(map(str, pids))}")

    return ready


class AnnouncingServer(uvicorn.Server):
    """Says where it listens once its socket is bound (so "listening" means it is)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            announce(self.config.host, self.servers[0].sockets[0].getsockname()[1])


def cli_command() -> str:
    """How to run this same ``gatehouse`` from the current folder (``.venv/bin/gatehouse``)."""
    beside = Path(sys.executable).parent / "gatehouse"
    try:
        return str(beside.relative_to(Path.cwd()))
    except ValueError:
        return str(beside) if beside.exists() else "gatehouse"


def proxy_options(trusted_proxies: str) -> dict[str, Any]:
    """uvicorn's proxy-header options: believe X-Forwarded-* only from configured proxies
    (uvicorn alone would trust 127.0.0.1, letting any local client pick its address)."""
    trusted = trusted_proxies.strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


def _banner(demo: dict[str, Any], url: str, mail: Path | None = None) -> None:
    def say(text: str) -> None:
        out.print(text, soft_wrap=True)  # never hard-wrap (a log file has no width)

    uri = str(demo["otpauth_uri"])
    demo = {key: escape(str(value)) for key, value in demo.items()}
    secret = demo["otpauth_uri"].split("secret=")[1].split("&")[0]
    cli = cli_command()
    out.rule("Gatehouse demo account")
    say(f"live:  username [bold]{demo['username']}[/]  password [bold]{demo['password']}[/]")
    say(
        f"paper: username [bold]{demo['paper_username']}[/]  "
        f"password [bold]{demo['paper_password']}[/]"
    )
    say(f"SMS codes go to {demo['phone']}: read them with [bold]{cli} sms outbox[/]")
    if mail is not None:  # the embedded outbox (no GATEHOUSE_SMTP_HOST)
        say(f"Emails (password-reset links) are files in [bold]{escape(_shown(mail))}[/]")
    say(f"TOTP: {demo['otpauth_uri']}")
    say(f"Scan with any authenticator app, or: oathtool --totp -b {secret}")
    print_qr(uri)
    say(
        "The live account starts with no cash (deposit: POST /v1/api/accounts/{acct}/deposits); "
        "the paper account starts funded."
    )
    say(f"Client Portal: {url}/login   Mobile: {url}/m/   (use localhost: passkeys need it)")
    say(f"Administer with [bold]{cli} --help[/]; sign in with curl: see the README's tour.")
    out.rule()


def _shown(path: Path) -> str:
    """``path`` as short as it can be said from here (relative under the working folder)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
