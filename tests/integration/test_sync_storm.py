"""A reconnect storm: many sockets resuming at once read the event log a few at a time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from tests.support.signin import full_signin
from tests.support.sync import append, events, open_socket, resume, user_id

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
