"""Sign-in steps as a client performs them, for tests that need a session."""

from __future__ import annotations

from typing import Any

import httpx

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.factors import totp


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
