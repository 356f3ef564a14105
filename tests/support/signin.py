"""Sign-in steps as a client performs them, for tests that need a session."""

from __future__ import annotations

import re
from typing import Any

import httpx

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import totp


async def login(
    client: httpx.AsyncClient,
    username: str,
    password: str,
    *,
    platform: str = "gateway",
    environment: str = "live",
) -> httpx.Response:
    return await client.post(
        "/v1/api/auth/login",
        json={
            "username": username,
            "password": password,
            "platform": platform,
            "environment": environment,
        },
    )


async def full_signin(
    client: httpx.AsyncClient,
    user: Any,
    clock: FakeClock,
    *,
    platform: str = "gateway",
    environment: str = "live",
) -> dict[str, Any]:
    """Password + TOTP; returns the session body. Moves the clock one step so codes differ."""
    username = user.paper_username if environment == "paper" else user.username
    password = user.paper_password if environment == "paper" else user.password
    started = await login(client, username, password, platform=platform, environment=environment)
    assert started.status_code == 200, started.text
    clock.advance(30)
    code = totp.code_at(user.totp_secret, at=clock.now())
    done = await client.post(
        f"/v1/api/auth/login/{started.json()['login_id']}/verify",
        json={"factor": "totp", "code": code},
    )
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


def credentials(user: Any, environment: str) -> tuple[str, str]:
    """The (username, password) a user types for ``environment``."""
    if environment == "paper":
        return user.paper_username, user.paper_password
    return user.username, user.password


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def challenge(client: httpx.AsyncClient, login_id: str, factor: str) -> httpx.Response:
    return await client.post(f"/v1/api/auth/login/{login_id}/challenge", json={"factor": factor})


async def verify(
    client: httpx.AsyncClient, login_id: str, factor: str, code: str | list[str]
) -> httpx.Response:
    return await client.post(
        f"/v1/api/auth/login/{login_id}/verify", json={"factor": factor, "code": code}
    )


async def started_login(
    client: httpx.AsyncClient,
    user: Any,
    *,
    platform: str = "gateway",
    environment: str = "live",
) -> str:
    """Pass the password step; returns the login id."""
    username, password = credentials(user, environment)
    started = await login(client, username, password, platform=platform, environment=environment)
    assert started.status_code == 200, started.text
    login_id: str = started.json()["login_id"]
    return login_id


async def latest_sms_code(runtime: Any, phone: str) -> str:
    """The code in the newest message the embedded SMS outbox holds for ``phone``."""
    async with runtime.ctx.uow() as uow:
        rows = await uow.sms_outbox.latest(limit=1, to=phone)
    assert rows, f"no SMS was sent to {phone}"
    found = re.search(r"\b(\d{6})\b", str(rows[0]["text"]))
    assert found, rows[0]["text"]
    return found.group(1)
