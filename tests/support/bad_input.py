"""Bad input on the sign-in and session endpoints: the endpoints, a valid body for each, and a
``World`` that sends them and checks the refusal (tests/integration/test_bad_input_*.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.signin import bearer, full_signin, started_login
from tests.support.state import snapshot

LOGIN = {"username": "alice", "password": "Correct-Horse-42-battery", "platform": "gateway"}
BODIES: dict[str, Any] = {
    "login": LOGIN,
    "challenge": {"factor": "sms"},
    "verify": {"factor": "totp", "code": "123456"},
    "idle_timeout": {"idle_timeout": 600},
}
ENDPOINTS: dict[str, tuple[str, str]] = {
    "login": ("POST", "/v1/api/auth/login"),
    "challenge": ("POST", "/v1/api/auth/login/{login_id}/challenge"),
    "verify": ("POST", "/v1/api/auth/login/{login_id}/verify"),
    "status": ("GET", "/v1/api/auth/login/{login_id}"),
    "tickle": ("POST", "/v1/api/tickle"),
    "sessions": ("GET", "/v1/api/sessions"),
    "end_session": ("DELETE", "/v1/api/sessions/{session_id}"),
    "logout": ("POST", "/v1/api/logout"),
    "end_all": ("POST", "/v1/api/sessions/end-all"),
    "me": ("GET", "/v1/api/me"),
    "activity": ("GET", "/v1/api/me/activity"),
    "idle_timeout": ("PUT", "/v1/api/me/idle-timeout"),
}
SIGNED_IN = [
    "tickle",
    "sessions",
    "end_session",
    "logout",
    "end_all",
    "me",
    "activity",
    "idle_timeout",
]


# these tables send many requests from one address within a minute
RATE_LIMITS: dict[str, object] = {
    "rate_limit_login": "1000/minute",
    "rate_limit_verify": "1000/minute",
}


@dataclass
class World:
    client: httpx.AsyncClient
    runtime: Any
    login_id: str
    session: dict[str, Any]

    def path(self, endpoint: str, **ids: str) -> tuple[str, str]:
        method, template = ENDPOINTS[endpoint]
        values = {"login_id": self.login_id, "session_id": self.session["session_id"], **ids}
        return method, template.format(**values)

    async def send(
        self, endpoint: str, *, auth: bool = True, ids: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        method, path = self.path(endpoint, **(ids or {}))
        headers = {**(bearer(self.session["token"]) if auth else {}), **kw.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kw)

    async def refused(self, answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
        """``answer`` is the error ``code`` with a readable message."""
        assert answer.status_code == status, answer.text
        body: dict[str, Any] = answer.json()
        assert body["error"] == code, body
        message = body["message"]
        assert isinstance(message, str) and message[:1].isupper() and message.endswith("."), body
        return body


async def world_for(client: httpx.AsyncClient, runtime: Any, user: Any, clock: Any) -> World:
    """``user`` signed in (the session) and a second sign-in waiting for its second factor."""
    session = await full_signin(client, user, clock)
    login_id = await started_login(client, user)
    return World(client, runtime, login_id, session)


@asynccontextmanager
async def each_case(subtests: Any, world: World, name: str) -> AsyncIterator[None]:
    """A subtest whose request must change nothing in the database."""
    with subtests.test(msg=name):
        before = await snapshot(world.runtime)
        yield
        assert await snapshot(world.runtime) == before, "the request changed the state"
