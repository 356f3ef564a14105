"""Cross-node delivery with the Redis bus down: commit on node A -> frame on node B's socket.

    .venv/bin/python -m benchmarks.event_tail [--events 50] [--backend sqlite|postgres]
        [--revocations 50]

Two nodes (two runtimes, each its own engine and bus, one uvicorn server for node B) share
one database. In the same run it measures, for ``--events`` single-event commits on node A:
(1) the baseline, the Redis bus up (GATEHOUSE_TEST_REDIS_URL, default the local Redis), and
(2) Redis unreachable (a URL to a port nothing listens on): only the event-log tail
(``adapters/bus/log_tail.py``, a poll every GATEHOUSE_EVENT_TAIL_SECONDS) carries events.
It prints p50/p99/max of the lag from commit to arrival and the ratio of (2) to (1).
Goal (issue 15 #5, issue 16 #9): under a second with Redis down.
Then (3), Redis up: ``--revocations`` sessions revoked on node A, each timed until its socket
on node B is closed with 4001 (``session.ended`` first) — "within milliseconds" (docs/sync.md),
which the tests (test_sync_redis.py, test_sync_events.py) only check happens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.support.backends import database
from tests.support.server import serving
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from benchmarks.harness import percentile
from gatehouse.api.app import create_app
from gatehouse.bootstrap import Runtime, build
from gatehouse.domain.identity.sessions import EndReason
from gatehouse.domain.identity.users import Environment, Platform
from gatehouse.service.identity import sessions, users
from gatehouse.settings import Settings

DEAD_REDIS = "redis://127.0.0.1:1/0"


async def _token(runtime: Runtime) -> str:
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username("alice")
        assert user is not None
        grant = await sessions.create(
            runtime.ctx, uow, user, platform=Platform.GATEWAY, environment=Environment.LIVE,
            device_name="bench", client_address="127.0.0.1", user_agent="bench",
        )  # fmt: skip
        await uow.commit()
    return grant.token


@asynccontextmanager
async def two_nodes(backend: str, redis_url: str) -> AsyncIterator[tuple[Runtime, int, str]]:
    """Nodes A and B on one database and ``redis_url``: (node A, alice's id, node B's URL)."""
    with tempfile.TemporaryDirectory() as tmp:
        async with database(backend, Path(tmp)) as (url, schema):
            shared = {"redis_url": redis_url, "secret_key": secrets.token_hex(32)}
            nodes = []
            for name in ("a", "b"):
                settings = Settings(
                    home=Path(tmp) / name, database_url=url, argon2_memory_kib=1024,
                    argon2_time_cost=1, **shared,
                )  # type: ignore[arg-type]  # fmt: skip
                node = await build(settings, run_migrations=False, schema=schema)
                await node.start()
                nodes.append(node)
            a, b = nodes
            try:
                await users.create(
                    a.ctx, username="alice", password="Correct-Horse-42-battery",
                    email="a@example.com",
                )  # fmt: skip
                uid = (await users.get(a.ctx, "alice")).id
                assert uid is not None
                async with serving(create_app(b, close_runtime=False)) as base:
                    yield a, uid, base
            finally:
                for node in nodes:
                    await node.close()


async def _ready(base: str, token: str) -> ClientConnection:
    ws_url = base.replace("http://", "ws://") + "/v1/api/events"
    ws = await connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"})
    await ws.send('{"op": "resume"}')
    while '"ready"' not in str(await ws.recv()):
        pass
    return ws


async def lags(backend: str, redis_url: str, events: int) -> list[float]:
    async with two_nodes(backend, redis_url) as (a, uid, base):
        ws = await _ready(base, await _token(a))
        try:
            seen: list[float] = []
            for n in range(events):
                begin = time.perf_counter()
                async with a.ctx.uow() as uow:
                    await uow.events.append(
                        user_id=uid, type="bench.tick", account="",
                        data={"n": n}, at=a.ctx.clock.now(),
                    )  # fmt: skip
                    await uow.commit()
                while '"bench.tick"' not in str(await ws.recv()):
                    pass
                seen.append(time.perf_counter() - begin)
                await asyncio.sleep(0.05)  # spread the commits over poll phases
            return seen
        finally:
            await ws.close()


async def revocations(backend: str, redis_url: str, count: int) -> tuple[list[float], list[float]]:
    """Sessions revoked on node A: the time until their socket on node B gets
    ``session.ended``, and until it is closed (4001)."""
    async with two_nodes(backend, redis_url) as (a, uid, base):
        told: list[float] = []
        closed_after: list[float] = []
        for _ in range(count):
            ws = await _ready(base, await _token(a))
            begin = time.perf_counter()
            await sessions.end_all(a.ctx, uid, reason=EndReason.REVOKED)
            try:
                while True:
                    if '"session.ended"' in str(await ws.recv()):
                        told.append(time.perf_counter() - begin)
            except ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 4001, closed
            closed_after.append(time.perf_counter() - begin)
            await asyncio.sleep(0.05)
        return told, closed_after


def _line(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{label:<32} p50 {percentile(ms, 0.5):7.1f} ms  p99 {percentile(ms, 0.99):7.1f} ms"
        f"  max {max(ms):7.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--revocations", type=int, default=50)
    args = parser.parse_args()
    redis = os.environ.get("GATEHOUSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    up = await lags(args.backend, redis, args.events)
    down = await lags(args.backend, DEAD_REDIS, args.events)
    told, revoked = await revocations(args.backend, redis, args.revocations)
    print(_line(f"Redis up ({args.backend})", up))
    print(_line(f"Redis down: log tail ({args.backend})", down))
    ratio = percentile(down, 0.5) / percentile(up, 0.5)
    print(f"ratio p50 down/up: {ratio:.1f}x   goal: max under 1000 ms with Redis down")
    print(_line(f"revoked on A -> session.ended on B ({args.backend})", told))
    print(_line(f"revoked on A -> closed on B ({args.backend})", revoked))
    print("goal: within milliseconds (docs/sync.md); the tests only check that it happens")


if __name__ == "__main__":
    asyncio.run(main())
