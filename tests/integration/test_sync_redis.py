"""Two nodes sharing a database and the Redis bus: a change on one reaches the other's sockets."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from tests.conftest import make_user
from tests.conftest import test_settings as settings_for
from tests.support.backends import REDIS_ENV, database, require
from tests.support.server import serving
from tests.support.sync import (
    EVENTUALLY,
    append,
    events,
    next_not_heartbeat,
    open_socket,
    resume,
    user_id,
)
from websockets.exceptions import ConnectionClosed

from gatehouse.adapters.bus.redis import RedisBus
from gatehouse.api.app import create_app
from gatehouse.bootstrap import Runtime, build
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.sessions import EndReason
from gatehouse.domain.identity.users import Environment, Platform
from gatehouse.service.identity import sessions


@dataclass
class Nodes:
    runtimes: list[Runtime]
    urls: list[str]
    redis_url: str


async def _node(tmp_path: Path, url: str, schema: str | None, clock: FakeClock, **extra) -> Runtime:
    runtime = await build(
        settings_for(tmp_path, url, **extra), clock=clock, run_migrations=False, schema=schema
    )
    await runtime.start()
    return runtime


@pytest.fixture
async def nodes(backend: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Nodes]:
    redis_url = require(REDIS_ENV, "Redis")
    shared = {"redis_url": redis_url, "secret_key": secrets.token_hex(32)}
    async with database(backend, tmp_path) as (url, schema):
        runtimes = [await _node(tmp_path, url, schema, clock, **shared) for _ in range(2)]
        try:
            async with (
                serving(create_app(runtimes[0], close_runtime=False)) as a,
                serving(create_app(runtimes[1], close_runtime=False)) as b,
            ):
                yield Nodes(runtimes, [a, b], redis_url)
        finally:
            for runtime in runtimes:
                await runtime.close()


async def session_on(runtime: Runtime, username: str = "alice") -> tuple[str, str]:
    """A session opened through this node (no HTTP sign-in: Redis rate limits are shared)."""
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        assert user is not None
        grant = await sessions.create(
            runtime.ctx,
            uow,
            user,
            platform=Platform.GATEWAY,
            environment=Environment.LIVE,
            device_name="test",
            client_address="127.0.0.1",
            user_agent="test",
        )
        await uow.commit()
    return grant.token, grant.session.public_id


async def test_a_change_on_one_node_reaches_sockets_on_the_other(nodes):
    a, b = nodes.runtimes
    await make_user(a)
    uid = await user_id(a, "alice")
    token_a, _ = await session_on(a)
    token_b, _ = await session_on(b)
    on_a = await open_socket(nodes.urls[0], token=token_a)
    on_b = await open_socket(nodes.urls[1], token=token_b)
    try:
        start = (await resume(on_b, None))[-1]["seq"]
        assert (await resume(on_a, None))[-1]["seq"] == start
        # delivered, and in order (how fast: benchmarks.event_tail, not a test)
        await append(a, uid, 2, type="deposit.received", data={"amount": "100.00"})
        got = await events(on_b, 2)
        assert [e["seq"] for e in got] == [start + 1, start + 2]
        assert got[0]["type"] == "deposit.received" and got[0]["data"] == {"amount": "100.00"}
        await session_on(b)  # and the other way round
        assert (await events(on_a, 3))[2]["type"] == "session.created"
        assert (await events(on_b, 1))[0]["seq"] == start + 3
    finally:
        await on_a.close()
        await on_b.close()


async def test_revoking_on_one_node_closes_the_socket_on_the_other(nodes):
    a, b = nodes.runtimes
    await make_user(a)
    uid = await user_id(a, "alice")
    _, kept_id = await session_on(a)
    doomed, _ = await session_on(b)
    ws = await open_socket(nodes.urls[1], token=doomed)
    await resume(ws, None)
    await sessions.end_all(a.ctx, uid, reason=EndReason.REVOKED, keep=kept_id)
    assert (await next_not_heartbeat(ws))["type"] == "session.ended"
    with pytest.raises(ConnectionClosed) as closed:  # the next frame is the close, not a timeout
        await asyncio.wait_for(ws.recv(), EVENTUALLY)
    assert closed.value.rcvd.code == 4001


async def test_a_node_that_loses_redis_catches_up_from_the_log(nodes):
    a, b = nodes.runtimes
    await make_user(a)
    uid = await user_id(a, "alice")
    token, _ = await session_on(b)
    ws = await open_socket(nodes.urls[1], token=token)
    try:
        start = (await resume(ws, None))[-1]["seq"]
        bus = b.bus.inner  # type: ignore[attr-defined]  # under the log tail
        assert isinstance(bus, RedisBus)
        admin = aioredis.Redis.from_url(nodes.redis_url)
        try:
            killed = await _kill_connections_of(admin, bus.node_id)
        finally:
            await admin.aclose()
        assert killed >= 1
        await append(a, uid, 3)  # published while node B is deaf (or just back)
        got = await events(ws, 3)
        assert [e["seq"] for e in got] == [start + 1, start + 2, start + 3]
        await append(a, uid, 1)
        assert (await events(ws, 1))[0]["seq"] == start + 4
        assert bus.connected
    finally:
        await ws.close()


async def _kill_connections_of(admin: aioredis.Redis, node_id: str) -> int:
    killed = 0
    for entry in await admin.client_list():
        if entry.get("name") == f"gatehouse-bus-{node_id}":
            killed += await admin.client_kill_filter(_id=entry["id"])
    return killed


async def test_a_node_keeps_serving_when_redis_is_unreachable(backend, tmp_path, clock):
    async with database(backend, tmp_path) as (url, schema):
        runtime = await _node(tmp_path, url, schema, clock, redis_url="redis://127.0.0.1:1/0")
        try:
            await make_user(runtime)
            token, _ = await session_on(runtime)
            async with (
                serving(create_app(runtime, close_runtime=False)) as base,
                await open_socket(base, token=token) as ws,
            ):
                start = (await resume(ws, None))[-1]["seq"]
                await append(runtime, await user_id(runtime, "alice"), 2)
                assert [e["seq"] for e in await events(ws, 2)] == [start + 1, start + 2]
                assert not runtime.bus.inner.connected  # type: ignore[attr-defined]
        finally:
            await runtime.close()
