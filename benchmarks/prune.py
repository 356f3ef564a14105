"""Pruning a big event log: how long other writers wait while it runs.

    .venv/bin/python -m benchmarks.prune [--events 200000] [--backend sqlite|postgres]

One runtime; ``--events`` events 8 days old (past the 7-day retention) are inserted, then
pruned twice, each time while a writer commits one small row after another (an SMS outbox
message: any write takes SQLite's one write lock, as every sign-in does): (1) the baseline,
the old prune, one DELETE of every event past the retention in one transaction; (2) the
node's prune (``service/sync/log.prune``), 1,000 events a transaction. It prints, for each,
the time the prune took and the writer's longest wait for one commit (p50 too), and the
ratio of the longest waits (1) / (2).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, insert
from tests.support.backends import database

from benchmarks.harness import percentile
from gatehouse.adapters.db.sync.tables import events
from gatehouse.bootstrap import Runtime, build
from gatehouse.domain.clock import FakeClock
from gatehouse.service.identity import users
from gatehouse.service.sync import log
from gatehouse.settings import Settings


async def seed(runtime: Runtime, uid: int, count: int, clock: FakeClock) -> None:
    old = clock.now() - timedelta(days=8)
    async with runtime.engine.begin() as conn:
        start = 1_000_000
        for first in range(0, count, 10_000):
            rows = [
                {"user_id": uid, "seq": start + n, "type": "watchlist.changed", "account": "",
                 "at": old + timedelta(milliseconds=n), "data": {"n": n}}
                for n in range(first, min(count, first + 10_000))
            ]  # fmt: skip
            await conn.execute(insert(events), rows)


async def unbounded(runtime: Runtime, clock: FakeClock) -> int:
    """The prune as it was: one DELETE, one transaction."""
    cutoff = clock.now() - timedelta(days=7)
    async with runtime.engine.begin() as conn:
        result = await conn.execute(delete(events).where(events.c.at < cutoff))
        return int(result.rowcount or 0)


async def batched(runtime: Runtime, clock: FakeClock) -> int:
    return await log.prune(runtime.ctx, retention_days=7)


async def measure(
    runtime: Runtime, prune: Callable[[], Awaitable[int]]
) -> tuple[float, int, list[float]]:
    """(seconds the prune took, rows it deleted, the writer's commit latencies meanwhile)."""
    waits: list[float] = []
    done = asyncio.Event()

    async def writer() -> None:
        while not done.is_set():
            started = time.perf_counter()
            async with runtime.ctx.uow() as uow:
                await uow.sms_outbox.add(to="+15550000000", text="x", at=runtime.ctx.clock.now())
                await uow.commit()
            waits.append(time.perf_counter() - started)
            await asyncio.sleep(0.001)

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.2)  # the writer is running
    waits.clear()
    started = time.perf_counter()
    deleted = await prune()
    took = time.perf_counter() - started
    done.set()
    await task
    return took, deleted, waits


async def main(count: int, backend: str) -> None:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        async with database(backend, Path(tmp)) as (url, schema):
            settings = Settings(
                home=Path(tmp) / "home", database_url=url, argon2_memory_kib=1024,
                argon2_time_cost=1,
            )  # type: ignore[arg-type]  # fmt: skip
            runtime = await build(settings, clock=clock, run_migrations=False, schema=schema)
            try:
                created = await users.create(
                    runtime.ctx, username="alice", password="Correct-Horse-42-battery",
                    email="a@example.com",
                )  # fmt: skip
                uid = created.user.id
                assert uid is not None
                figures = {}
                for name, prune in (("one DELETE", unbounded), ("batches", batched)):
                    await seed(runtime, uid, count, clock)
                    took, deleted, waits = await measure(runtime, lambda p=prune: p(runtime, clock))
                    assert deleted >= count, (name, deleted)
                    worst = max(waits) if waits else 0.0
                    figures[name] = worst
                    print(
                        f"{name:>10}: pruned {deleted} events in {took * 1000:.0f} ms; writer's "
                        f"commits meanwhile: {len(waits)}, p50 {percentile(waits, 0.5) * 1000:.1f}"
                        f" ms, longest {worst * 1000:.1f} ms"
                    )
                ratio = figures["one DELETE"] / figures["batches"] if figures["batches"] else 0
                print(
                    f"longest wait of a writer: baseline (one DELETE) "
                    f"{figures['one DELETE'] * 1000:.1f} ms, Gatehouse (batches) "
                    f"{figures['batches'] * 1000:.1f} ms, ratio {ratio:.1f}x"
                )
            finally:
                await runtime.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.backend))
