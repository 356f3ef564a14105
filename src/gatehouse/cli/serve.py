"""``gatehouse serve``: run the server, and the demo banner on first start."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Annotated, Any

import typer

from gatehouse.bootstrap import build
from gatehouse.cli.common import out, print_qr, write_private
from gatehouse.settings import Settings


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 0,
    demo: Annotated[bool, typer.Option(help="Create the demo user on an empty database.")] = True,
) -> None:
    """Run the Gatehouse server (embedded SQLite by default)."""
    import uvicorn

    from gatehouse.api.app import create_app
    from gatehouse.service.demo import create_demo

    settings = Settings()
    host = host or settings.host
    port = port or settings.port

    async def main() -> None:
        runtime = await build(settings)
        if demo and settings.demo:
            created = await create_demo(runtime.ctx)
            path = settings.home / "demo-credentials.json"
            if created is not None:
                write_private(path, json.dumps(created.__dict__, indent=2))
            if path.exists():
                _banner(json.loads(path.read_text()), host, port)
        out.print(
            f"Gatehouse listening on [bold]http://{host}:{port}[/]  "
            f"(API: /v1/api, docs: /v1/api/docs)"
        )
        config = uvicorn.Config(
            create_app(runtime),
            host=host,
            port=port,
            log_level="warning",
            ws="websockets-sansio",
            ws_per_message_deflate=False,  # ~64 KiB per socket; frames are small (docs/sync.md)
            lifespan="on",
        )
        # Long-lived start-up objects leave the GC's view, so full collections stay short
        # with thousands of sockets connected (a 1.3 s pause was measured without this).
        gc.freeze()
        await uvicorn.Server(config).serve()

    asyncio.run(main())


def _banner(demo: dict[str, Any], host: str, port: int) -> None:
    out.rule("Gatehouse demo account")
    out.print(f"live:  username [bold]{demo['username']}[/]  password [bold]{demo['password']}[/]")
    out.print(
        f"paper: username [bold]{demo['paper_username']}[/]  "
        f"password [bold]{demo['paper_password']}[/]"
    )
    out.print(f"SMS codes go to {demo['phone']}: read them with [bold]gatehouse sms outbox[/]")
    out.print(f"TOTP: {demo['otpauth_uri']}")
    out.print(
        "Scan with any authenticator app, or: "
        f"oathtool --totp -b {demo['otpauth_uri'].split('secret=')[1].split('&')[0]}"
    )
    print_qr(demo["otpauth_uri"])
    out.print(f"Sign in: curl -X POST http://{host}:{port}/v1/api/auth/login ...  (see README)")
    out.rule()
