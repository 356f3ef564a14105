"""The two servers ``benchmarks.fanout`` measures, each run in its own process.

    python -m benchmarks.fanout_servers gatehouse <home> <port> <sessions>
    python -m benchmarks.fanout_servers baseline <port> <control port>

The Gatehouse one is ``create_app`` under uvicorn exactly as ``gatehouse serve`` runs it,
plus ``GET /bench/events`` (commit account events at a rate) and ``GET /bench/ticks``
(push quotes through the quote hub). The baseline is a bare ``websockets`` server that
pushes the same frames with ``websockets.broadcast``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import random
import resource
import sys
import time
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from fastapi import APIRouter
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

from benchmarks.fanout_watch import BASELINE_PATH, CONID
from gatehouse.adapters.db.schema import metadata
from gatehouse.api.app import create_app
from gatehouse.bootstrap import Runtime, build
from gatehouse.cli.serve import uvicorn_options
from gatehouse.domain.identity.sessions import TRADE_SCOPE, Session, new_token, token_hash
from gatehouse.domain.identity.users import Environment, Platform, User
from gatehouse.domain.sync.events import AccountEvent
from gatehouse.settings import Settings


class Monitor:
    """Event-loop lag and garbage-collection pauses during a phase: what stalls the server."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.gc_ms: list[float] = []
        self.gc_generations: list[int] = []  # of each pause in gc_ms
        self.fanout_seconds = 0.0  # CPU time inside the fan-out call itself
        self.fanout_deliveries = 0
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)
        self._task: asyncio.Task[None] | None = None

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif info.get("generation") == 2 or time.perf_counter() - self._gc_started > 0.002:
            self.gc_ms.append((time.perf_counter() - self._gc_started) * 1000)
            self.gc_generations.append(info.get("generation", -1))

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            self.lags.append((time.perf_counter() - started - 0.005) * 1000)

    def fanned_out(self, started: float, deliveries: int) -> None:
        self.fanout_seconds += time.thread_time() - started
        self.fanout_deliveries += deliveries

    def start(self) -> None:
        self.lags, self.gc_ms, self.gc_generations = [], [], []
        self.fanout_seconds, self.fanout_deliveries = 0.0, 0
        self._task = asyncio.create_task(self._watch())

    def stop(self) -> dict[str, float]:
        if self._task is not None:
            self._task.cancel()
        lags = sorted(self.lags) or [0.0]
        return {
            "lag_p99_ms": lags[int(0.99 * (len(lags) - 1))],
            "lag_max_ms": lags[-1],
            "gc_pauses_over_2ms": len(self.gc_ms),
            "gc_max_ms": max(self.gc_ms, default=0.0),
            "gc_max_generation": max(
                zip(self.gc_ms, self.gc_generations, strict=True), default=(0.0, -1)
            )[1],
            "fanout_us_per_delivery": 1e6 * self.fanout_seconds / max(1, self.fanout_deliveries),
        }


async def monitored(monitor: Monitor, work: Any) -> dict[str, float]:
    monitor.start()
    try:
        result: dict[str, float] = await work
    finally:
        stats = monitor.stop()
    return {**result, **stats}


async def paced(rate: float, seconds: float, work: Any, at: float = 0) -> dict[str, float]:
    """Call ``work()`` ``rate`` times a second for ``seconds`` from the wall-clock time ``at``
    (now if past); returns what was achieved."""
    count = int(rate * seconds)
    await asyncio.sleep(max(0.0, at - time.time()))
    started = time.monotonic()
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await work()
    elapsed = time.monotonic() - started
    return {"sent": count, "achieved_rate": count / elapsed if elapsed else 0.0}


async def burst(count: int, work: Any) -> dict[str, float]:
    for _ in range(count):
        await work()
        await asyncio.sleep(0)
    return {"sent": count}


def maybe_freeze_gc(always: bool = False) -> None:
    """Keep what exists at start out of every later collection (the baseline: with
    ``--freeze-gc``; Gatehouse: always, as ``gatehouse serve`` does)."""
    if always or os.environ.get("FANOUT_FREEZE_GC"):
        gc.collect()
        gc.freeze()


async def collect() -> dict[str, float]:
    """A full collection now, timed: what the last connection storm left for the collector."""
    started = time.perf_counter()
    found = gc.collect()
    return {
        "collect_ms": (time.perf_counter() - started) * 1000,
        "unreachable": found,
        "tracked": len(gc.get_objects()),
    }


def tick_values() -> dict[str, str]:
    return {"31": f"{187 + random.random():.2f}", "t": str(time.time_ns())}


# --- Gatehouse ------------------------------------------------------------------------------
async def make_sessions(runtime: Runtime, count: int) -> tuple[list[str], list[int]]:
    """``count`` sessions, 2-3 per user; users are inserted directly (no password hashing)."""
    users = math.ceil(count / 2.5)
    now = runtime.ctx.clock.now()
    made: list[User] = []
    async with runtime.ctx.uow() as uow:
        for i in range(users):
            user = User(
                username=f"bench{i}", email=f"bench{i}@example.com", password_hash="!",
                paper_username=f"bench{i}paper", paper_password_hash="!",
                live_account_id=f"U{2000000 + i}", paper_account_id=f"DU{2000000 + i}",
                created_at=now,
            )  # fmt: skip
            await uow.users.add(user)
            made.append(user)
        await uow.commit()
    owners = [made[i % users] for i in range(count)]
    # The sessions a sign-in would open (what ``sessions.create`` stores), inserted in bulk:
    # a socket's state is the same, and the run stays short.
    limits = runtime.ctx.session_limits[Platform.WORKSTATION]
    tokens: list[str] = []
    for start in range(0, count, 2000):
        async with runtime.ctx.uow() as uow:
            for user in owners[start : start + 2000]:
                assert user.id is not None
                token = new_token(runtime.ctx.tokens)
                await uow.sessions.add(Session(
                    public_id=runtime.ctx.new_public_id(), token_hash=token_hash(token),
                    user_id=user.id, platform=Platform.WORKSTATION.value,
                    environment=Environment.LIVE.value, created_at=now, last_seen_at=now,
                    expires_at=now + timedelta(seconds=limits.lifetime_seconds),
                    idle_seconds=limits.choose_idle(None), device_name="bench",
                    client_address="127.0.0.1", user_agent="bench", scope=TRADE_SCOPE,
                ))  # fmt: skip
                tokens.append(token)
            await uow.commit()
    return tokens, [u.id for u in made if u.id is not None]


def bench_routes(runtime: Runtime, user_ids: list[int]) -> APIRouter:
    router = APIRouter(prefix="/bench")
    ctx = runtime.ctx
    monitor = Monitor()
    committing: list[AccountEvent] = []

    def committed(_: object) -> None:
        # Runs as the database commit returns, before the event is published: stamp "t"
        # (the published event's data is this very dict; the stored row keeps only "t0").
        for event in committing:
            event.data["t"] = time.time_ns()

    sa_event.listen(OrmSession, "after_commit", committed)

    async def commit_one() -> None:
        async with ctx.uow() as uow:
            event = await uow.events.append(
                user_id=random.choice(user_ids), type="bench.changed", account="",
                data={"t0": time.time_ns()}, at=ctx.clock.now(),
            )  # fmt: skip
            committing[:] = [event]
            await uow.commit()
            committing.clear()

    async def tick() -> None:
        values, started = tick_values(), time.thread_time()
        sent = runtime.sync.quotes.publish(CONID, values, updated_ms=int(time.time() * 1000))
        monitor.fanned_out(started, sent)

    @router.get("/events")
    async def events(rate: float, seconds: float) -> dict[str, float]:
        return await monitored(monitor, paced(rate, seconds, commit_one))

    @router.get("/ticks/collect")
    async def collected() -> dict[str, float]:
        return await collect()

    @router.get("/ticks")
    async def ticks(
        hz: float, seconds: float, burst_of: int = 0, at: float = 0
    ) -> dict[str, float]:
        work = burst(burst_of, tick) if burst_of else paced(hz, seconds, tick, at)
        return await monitored(monitor, work)

    return router


async def serve_gatehouse(home: Path, port: int, count: int) -> None:
    settings = Settings(home=home, demo=False, argon2_memory_kib=1024, argon2_time_cost=1)
    runtime = await build(settings)
    async with runtime.engine.begin() as conn:  # tables whose migration is not written yet
        await conn.run_sync(metadata.create_all)
    tokens, user_ids = await make_sessions(runtime, count)
    (home / "tokens.json").write_text(json.dumps(tokens))
    app = create_app(runtime)
    app.include_router(bench_routes(runtime, user_ids))
    maybe_freeze_gc(always=True)
    # served exactly as ``gatehouse serve`` serves (cli/serve.py)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, **uvicorn_options(settings))
    await uvicorn.Server(config).serve()


# --- the bare websockets baseline ---------------------------------------------------------
async def serve_baseline(port: int, control_port: int) -> None:
    watchers: set[ServerConnection] = set()
    monitor = Monitor()

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # the subscribe frame
        watchers.add(ws)
        await ws.send(orjson.dumps({"topic": f"smd+{CONID}", "conid": CONID}).decode())
        try:
            await ws.wait_closed()
        finally:
            watchers.discard(ws)

    async def tick() -> None:
        body = {"topic": f"smd+{CONID}", "conid": CONID, "_updated": int(time.time() * 1000)}
        started = time.thread_time()
        broadcast(watchers, orjson.dumps({**body, **tick_values()}).decode())
        monitor.fanned_out(started, len(watchers))

    async def control(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode()
        query = dict(p.split("=") for p in request.split()[1].split("?", 1)[1].split("&"))
        if query.get("collect"):
            work = collect()
        elif int(query.get("burst_of", "0")):
            work = burst(int(query["burst_of"]), tick)
        else:
            hz, seconds = float(query["hz"]), float(query["seconds"])
            work = paced(hz, seconds, tick, float(query.get("at", "0")))
        result = await monitored(monitor, work)
        body = json.dumps(result).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        writer.close()

    def only_the_stream(_: ServerConnection, request: Request) -> Response | None:
        return None if request.path == BASELINE_PATH else Response(HTTPStatus.NOT_FOUND, "", [])  # type: ignore[arg-type]

    await asyncio.start_server(control, "127.0.0.1", control_port)
    maybe_freeze_gc()
    async with serve(
        handler, "127.0.0.1", port, compression=None, process_request=only_the_stream, backlog=4096
    ):
        await asyncio.Future()


if __name__ == "__main__":
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if sys.argv[1] == "gatehouse":
        asyncio.run(serve_gatehouse(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
    else:
        asyncio.run(serve_baseline(int(sys.argv[2]), int(sys.argv[3])))
