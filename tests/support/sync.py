"""Real-time sync test helpers: WebSocket clients of ``/v1/api/events`` and ``/v1/api/ws``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from gatehouse.bootstrap import Runtime
from gatehouse.domain.sync.events import AccountEvent

# How long a test waits for a frame that must come: a bound on a broken test, never a claim
# about latency (docs/benchmarks.md measures that), so far above a loaded machine's noise.
EVENTUALLY = 15.0


def ws_url(base_url: str, path: str = "/v1/api/events") -> str:
    return base_url.replace("http://", "ws://", 1) + path


async def open_socket(
    base_url: str,
    *,
    token: str | None = None,
    cookie: str | None = None,
    origin: str | None = None,
    path: str = "/v1/api/events",
    **options: Any,
) -> ClientConnection:
    """A WebSocket client; ``token`` goes in a bearer header, ``cookie`` is a Cookie header."""
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if cookie is not None:
        headers["Cookie"] = cookie
    return await connect(
        ws_url(base_url, path),
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        open_timeout=EVENTUALLY,
        **{"compression": None, **options},
    )


async def next_json(ws: ClientConnection, timeout: float = EVENTUALLY) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    body: dict[str, Any] = json.loads(raw)
    return body


async def next_not_heartbeat(ws: ClientConnection, timeout: float = EVENTUALLY) -> dict[str, Any]:
    while True:
        frame = await next_json(ws, timeout)
        if frame.get("type") != "heartbeat" and frame.get("topic") != "system":
            return frame


async def resume(ws: ClientConnection, since: int | None, **extra: Any) -> list[dict[str, Any]]:
    """Send resume; return the replayed events up to (not including) ``ready``."""
    await ws.send(json.dumps({"op": "resume", "since": since, **extra}))
    replayed = []
    while True:
        frame = await next_not_heartbeat(ws)
        if frame.get("type") == "ready":
            return [*replayed, frame]
        if frame.get("type") in ("resync", "error"):
            return [*replayed, frame]
        replayed.append(frame)


async def events(
    ws: ClientConnection, count: int, timeout: float = EVENTUALLY
) -> list[dict[str, Any]]:
    """The next ``count`` account events (heartbeats skipped)."""
    return [await next_not_heartbeat(ws, timeout) for _ in range(count)]


async def user_id(runtime: Runtime, username: str) -> int:
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        assert user is not None and user.id is not None
        return user.id


async def append(
    runtime: Runtime,
    uid: int,
    count: int = 1,
    *,
    type: str = "watchlist.changed",
    account: str = "",
    data: dict[str, object] | None = None,
) -> list[AccountEvent]:
    """Commit ``count`` events in one transaction, as a use case would (e.g. a watchlist edit)."""
    appended = []
    async with runtime.ctx.uow() as uow:
        for i in range(count):
            appended.append(
                await uow.events.append(
                    user_id=uid,
                    type=type,
                    account=account,
                    data=data if data is not None else {"n": i},
                    at=runtime.ctx.clock.now(),
                )
            )
        await uow.commit()
    return appended


def web_cookie(client: httpx.AsyncClient) -> str:
    return f"gatehouse_session={client.cookies['gatehouse_session']}"
