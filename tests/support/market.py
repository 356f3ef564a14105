"""Helpers for market, list and statement tests: a signed-in session, a user's recorded events."""

from __future__ import annotations

from typing import Any

import httpx

from gatehouse.bootstrap import Runtime
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.sync.events import AccountEvent
from tests.support.signin import bearer, full_signin

AAPL, MSFT, SPY = 265598, 272093, 756733


async def signed_in(
    client: httpx.AsyncClient, user: Any, clock: FakeClock, **options: str
) -> dict[str, str]:
    """Bearer headers of a fresh session of ``user`` (gateway, live unless told)."""
    body = await full_signin(client, user, clock, **options)
    return bearer(body["token"])


async def events_of(runtime: Runtime, username: str, prefix: str = "") -> list[AccountEvent]:
    """The user's recorded account events whose type starts with ``prefix``, oldest first."""
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        assert user is not None and user.id is not None
        found = await uow.events.since(user.id, 0)
    return [e for e in found if e.type.startswith(prefix)]
