"""Many sockets at once: a reconnect storm reads the event log a few at a time, and a
heartbeat to every socket lets other work run between slices."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from tests.support.signin import full_signin
from tests.support.sync import append, events, open_socket, resume, user_id

from gatehouse.service.sync.hub import Subscriber, SyncHub, beat_gap

READERS = 2


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"sync_log_readers": READERS}


class OpenUnits:
    """The real unit-of-work factory, counting how many units are open at once."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.open = 0
        self.most = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[Any]:
        self.open += 1
        self.most = max(self.most, self.open)
        try:
            async with self.factory() as uow:
                yield uow
        finally:
            self.open -= 1


async def test_a_storm_of_resumes_reads_the_log_a_few_at_a_time_and_misses_nothing(
    client, base_url, runtime, alice, clock
):
    body = await full_signin(client, alice, clock)
    uid = await user_id(runtime, "alice")
    async with await open_socket(base_url, token=body["token"]) as first:
        start = (await resume(first, None))[-1]["seq"]
    sockets = [await open_socket(base_url, token=body["token"]) for _ in range(24)]
    try:
        await append(runtime, uid, 3)
        units = OpenUnits(runtime.ctx.uow)
        runtime.ctx.uow = units  # type: ignore[assignment]
        # Every socket resumes at once: half from before the three events (a replay, read
        # from the log), half from now (only the head is read).
        await asyncio.gather(
            *(
                ws.send(json.dumps({"op": "resume", "since": start if i % 2 else None}))
                for i, ws in enumerate(sockets)
            )
        )
        answers = await asyncio.gather(*(_until_ready(ws) for ws in sockets))
        for i, frames in enumerate(answers):
            replayed = [f["seq"] for f in frames[:-1]]
            assert replayed == ([start + 1, start + 2, start + 3] if i % 2 else []), i
            assert frames[-1]["type"] == "ready" and frames[-1]["seq"] == start + 3
        assert 1 <= units.most <= READERS  # unbounded, each resume would hold its own
        # And the stream is live for all of them afterwards.
        await append(runtime, uid)
        for ws in sockets:
            assert [e["seq"] for e in await events(ws, 1)] == [start + 4]
    finally:
        runtime.ctx.uow = getattr(runtime.ctx.uow, "factory", runtime.ctx.uow)
        for ws in sockets:
            await ws.close()


async def _until_ready(ws: Any) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while not frames or frames[-1].get("type") != "ready":
        frames += await events(ws, 1)
        assert frames[-1].get("type") not in ("resync", "error"), frames[-1]
    return frames


class LoopTurns:
    """Counts the event loop's turns (a task that yields every time it runs)."""

    def __init__(self) -> None:
        self.count = 0

    async def run(self) -> None:
        while True:
            self.count += 1
            await asyncio.sleep(0)


class TurnStampedOutlet:
    """A socket stand-in that notes the loop turn (and time) at which each frame was written."""

    def __init__(self, turns: LoopTurns, seen: list[int], times: list[float]) -> None:
        self.turns = turns
        self.seen = seen
        self.times = times

    def offer(self, frame: bytes) -> bool:
        self.seen.append(self.turns.count)
        self.times.append(asyncio.get_running_loop().time())
        return True

    async def send(self, frame: bytes) -> bool:
        return self.offer(frame)

    def close(self, code: int, reason: str) -> None:
        pass


async def test_a_heartbeat_round_is_spread_in_slices_that_let_other_work_run(runtime):
    hub = SyncHub(runtime.ctx, runtime.sync.bus, beat_slice=3)
    turns, seen, times = LoopTurns(), [], []
    every = 0.4
    beat = hub.heartbeat("test", every, lambda now: b"{}")
    expires = runtime.ctx.clock.now() + timedelta(hours=1)
    subs = [
        Subscriber(1, f"s{i}", TurnStampedOutlet(turns, seen, times), expires, heartbeat=beat)
        for i in range(8)
    ]
    counting = asyncio.create_task(turns.run())
    try:
        for sub in subs[:7]:
            await hub.attach(sub)
        await hub.attach(subs[7])
        hub.detach(subs[7])  # gone before the round: not written to
        while len(seen) < 7:
            await asyncio.sleep(0.01)
        assert len(seen) == 7  # one round, the socket that left not written to
        first = seen[:7]
        # Three sockets per turn of the loop: the round gave way twice...
        assert first[0] == first[1] == first[2] < first[3] == first[4] == first[5] < first[6]
        # ...and was spread out: a quarter of the period over three slices.
        assert beat_gap(every, 3) == pytest.approx(every / 4 / 3)
        assert times[6] - times[0] >= 2 * beat_gap(every, 3) * 0.9
    finally:
        counting.cancel()
        await hub.stop()
        for sub in subs:
            hub.detach(sub)
