"""Events written by any process reach every server's sockets (issue 16 #9, issue 15 #5):
the real CLI against a running server, and two nodes whose Redis is unreachable."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from tests.conftest import FAST_ARGON2, PASSWORD, make_user
from tests.conftest import test_settings as settings_for
from tests.support.backends import PG_ENV, database, require
from tests.support.server import serving
from tests.support.sync import EVENTUALLY, append, next_not_heartbeat, open_socket, resume, user_id
from websockets.exceptions import ConnectionClosed

from gatehouse.api.app import create_app
from gatehouse.bootstrap import Runtime, build
from gatehouse.domain.identity.users import Environment, Platform
from gatehouse.service.identity import sessions, users
from gatehouse.service.support import messages

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: the bus is down


@pytest.fixture
async def cli_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own (the CLI opens it by URL and migrates it itself)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
        return
    base = make_url(require(PG_ENV, "PostgreSQL"))
    name = "tail_" + secrets.token_hex(5)
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


def lag_ms(event: dict, arrived: datetime) -> float:
    """From the event's time (stamped by the writing process) to its arrival (wall clock)."""
    return 1000 * (arrived - datetime.fromisoformat(event["at"])).total_seconds()


def cli(tmp_path: Path, url: str, *args: str) -> None:
    """Run ``python -m gatehouse.cli ARGS`` as its own process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    env |= {
        "GATEHOUSE_HOME": str(tmp_path / "home"),
        "GATEHOUSE_DATABASE_URL": url,
        "GATEHOUSE_ARGON2_MEMORY_KIB": str(FAST_ARGON2["argon2_memory_kib"]),
        "GATEHOUSE_ARGON2_TIME_COST": str(FAST_ARGON2["argon2_time_cost"]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "gatehouse.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


async def session_token(runtime: Runtime, username: str) -> str:
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        assert user is not None
        grant = await sessions.create(
            runtime.ctx,
            uow,
            user,
            platform=Platform.WEB,
            environment=Environment.LIVE,
            device_name="test",
            client_address="127.0.0.1",
            user_agent="test",
        )
        await uow.commit()
    return grant.token


async def first_event(ws, of_type: str, timeout: float = EVENTUALLY) -> tuple[dict, datetime]:
    """The next event of ``of_type`` and when it arrived (``timeout``: a liveness bound)."""
    while True:
        frame = await next_not_heartbeat(ws, timeout=timeout)
        if frame.get("type") == of_type:
            return frame, datetime.now(UTC)


async def test_cli_changes_reach_an_open_socket_at_once(cli_database, tmp_path):
    url = cli_database
    await asyncio.to_thread(
        cli,
        tmp_path,
        url,
        "users",
        "create",
        "alice",
        "--email=a@example.com",
        f"--password={PASSWORD}",
    )
    await asyncio.to_thread(
        cli,
        tmp_path,
        url,
        "users",
        "create",
        "helen",
        "--email=h@example.com",
        f"--password={PASSWORD}",
        "--support",
    )
    runtime = await build(settings_for(tmp_path, url), run_migrations=False)
    await runtime.start()  # the node tails the log, as `gatehouse serve` does
    try:
        alice = await users.get(runtime.ctx, "alice")
        thread = await messages.create_thread(
            runtime.ctx, alice, subject="Hello", body="A question"
        )
        token = await session_token(runtime, "alice")
        async with (
            serving(create_app(runtime, close_runtime=False)) as base,
            await open_socket(base, token=token) as ws,
        ):
            await resume(ws, None)
            arrival = asyncio.create_task(first_event(ws, "message.created", 60))
            await asyncio.to_thread(
                cli,
                tmp_path,
                url,
                "support",
                "reply",
                str(thread["thread"]["thread_id"]),
                "--body=Here is the answer",
                "--agent=helen",
            )
            reply, arrived = await arrival
            print(f"support reply: commit -> socket {lag_ms(reply, arrived):.0f} ms")
            arrival = asyncio.create_task(first_event(ws, "session.ended", 60))
            await asyncio.to_thread(cli, tmp_path, url, "users", "lock", "alice")
            ended, arrived = await arrival
            print(f"users lock: commit -> session.ended {lag_ms(ended, arrived):.0f} ms")
            with pytest.raises(ConnectionClosed) as closed:
                await next_not_heartbeat(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
    finally:
        await runtime.close()


async def test_two_nodes_deliver_through_the_log_while_redis_is_down(backend, tmp_path):
    shared = {"redis_url": DEAD_REDIS, "secret_key": secrets.token_hex(32)}
    async with database(backend, tmp_path) as (url, schema):
        nodes = []
        for name in ("a", "b"):
            node = await build(
                settings_for(tmp_path / name, url, **shared), run_migrations=False, schema=schema
            )
            await node.start()
            nodes.append(node)
        a, b = nodes
        try:
            await make_user(a)
            uid = await user_id(a, "alice")
            token = await session_token(a, "alice")
            async with (
                serving(create_app(b, close_runtime=False)) as base,
                await open_socket(base, token=token) as ws,
            ):
                start = (await resume(ws, None))[-1]["seq"]
                lags = []
                for n in range(5):
                    await append(a, uid, 1, data={"n": n})  # on node A; Redis cannot carry it
                    frame, arrived = await first_event(ws, "watchlist.changed")
                    assert frame["seq"] == start + n + 1 and frame["data"] == {"n": n}
                    lags.append(lag_ms(frame, arrived))
                print(f"redis down, node A -> node B: max {max(lags):.0f} ms")
                assert not b.bus.inner.connected  # type: ignore[attr-defined]
        finally:
            for node in nodes:
                await node.close()
