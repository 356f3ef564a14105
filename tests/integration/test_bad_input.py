"""Bad input on every sign-in and session endpoint: a clear error, and nothing changes.

Each table runs on one server (per backend) as subtests; after every request the whole
sign-in state (users, sessions, sign-ins, throttles, audit, SMS) must be as it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.conftest import make_user
from tests.support.bad_values import NUMBERS, SURROGATE_BODIES, operations
from tests.support.signin import bearer, challenge, full_signin, started_login
from tests.support.state import snapshot

from gatehouse.domain.identity.factors import totp
from gatehouse.service.identity import users

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


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    # these tables send many requests from one address within a minute
    return {"rate_limit_login": "1000/minute", "rate_limit_verify": "1000/minute"}


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


@pytest.fixture
async def world(client, runtime, alice, clock) -> World:
    session = await full_signin(client, alice, clock)
    login_id = await started_login(client, alice)
    return World(client, runtime, login_id, session)


@asynccontextmanager
async def each_case(subtests: Any, world: World, name: str) -> AsyncIterator[None]:
    """A subtest whose request must change nothing in the database."""
    with subtests.test(msg=name):
        before = await snapshot(world.runtime)
        yield
        assert await snapshot(world.runtime) == before, "the request changed the state"


# --- the body itself ---------------------------------------------------------------------------
async def test_malformed_json(world, subtests):
    for endpoint in BODIES:
        for label, raw in [
            ("truncated", b'{"factor": '),
            ("trailing comma", b'{"factor": "sms",}'),
            ("single quotes", b"{'factor': 'sms'}"),
            ("not utf-8", b'{"factor": "\xff\xfe"}'),
        ]:
            async with each_case(subtests, world, f"{endpoint}: {label}"):
                answer = await world.send(
                    endpoint, content=raw, headers={"Content-Type": "application/json"}
                )
                await world.refused(answer, 400, "malformed_request")


async def test_a_body_that_is_not_an_object(world, subtests):
    for endpoint in BODIES:
        for label, raw in [
            ("list", b"[]"),
            ("string", b'"alice"'),
            ("number", b"7"),
            ("null", b"null"),
            ("true", b"true"),
            ("empty", b""),
        ]:
            async with each_case(subtests, world, f"{endpoint}: {label}"):
                answer = await world.send(
                    endpoint, content=raw, headers={"Content-Type": "application/json"}
                )
                body = await world.refused(answer, 400, "invalid_input")
                assert "JSON object" in body["message"]


async def test_a_body_that_is_not_json(world, subtests):
    for endpoint, valid in BODIES.items():
        async with each_case(subtests, world, endpoint):
            answer = await world.send(
                endpoint, content=str(valid).encode(), headers={"Content-Type": "text/plain"}
            )
            assert answer.status_code == 400, answer.text
            assert answer.json()["error"] in ("invalid_input", "malformed_request")


MISSING = [
    ("login", "username"),
    ("login", "password"),
    ("challenge", "factor"),
    ("verify", "factor"),
    ("verify", "code"),
    ("idle_timeout", "idle_timeout"),
]


async def test_missing_fields(world, subtests):
    for endpoint, field in MISSING:
        async with each_case(subtests, world, f"{endpoint} without {field}"):
            body = {k: v for k, v in BODIES[endpoint].items() if k != field}
            answer = await world.send(endpoint, json=body)
            refused = await world.refused(answer, 400, "invalid_input")
            assert refused["field"] == field
            assert field in refused["message"]


WRONG_TYPES = [
    ("login", "username", 12345),
    ("login", "username", None),
    ("login", "username", ["alice"]),
    ("login", "username", {"name": "alice"}),
    ("login", "password", 12345678),
    ("login", "password", True),
    ("login", "platform", "tv"),
    ("login", "platform", 1),
    ("login", "environment", "demo"),
    ("login", "environment", None),
    ("login", "device_name", 7),
    ("login", "username", "a" * 257),
    ("challenge", "factor", 1),
    ("challenge", "factor", None),
    ("challenge", "factor", ["sms"]),
    ("challenge", "factor", "x" * 17),
    ("verify", "factor", 2),
    ("verify", "code", 123456),
    ("verify", "code", None),
    ("verify", "code", 12.5),
    ("verify", "code", {"code": "123456"}),
    ("verify", "code", [1, 2]),
    ("verify", "code", "1" * 65),
    ("idle_timeout", "idle_timeout", "600"),
    ("idle_timeout", "idle_timeout", 600.5),
    ("idle_timeout", "idle_timeout", True),
    ("idle_timeout", "idle_timeout", None),
    ("idle_timeout", "idle_timeout", [600]),
]


async def test_wrong_types(world, subtests):
    for endpoint, field, value in WRONG_TYPES:
        async with each_case(subtests, world, f"{endpoint}: {field}={value!r:.20}"):
            answer = await world.send(endpoint, json={**BODIES[endpoint], field: value})
            refused = await world.refused(answer, 400, "invalid_input")
            assert refused["field"] == field


async def test_huge_bodies(world, subtests):
    huge = b'{"x": "' + b"a" * (64 * 1024) + b'"}'

    async def chunked() -> Any:
        for i in range(0, len(huge), 8192):
            yield huge[i : i + 8192]

    for endpoint in ENDPOINTS:
        async with each_case(subtests, world, endpoint):
            answer = await world.send(
                endpoint, content=huge, headers={"Content-Type": "application/json"}
            )
            await world.refused(answer, 413, "payload_too_large")
    for endpoint in BODIES:
        async with each_case(subtests, world, f"{endpoint}, chunked"):
            answer = await world.send(
                endpoint, content=chunked(), headers={"Content-Type": "application/json"}
            )
            await world.refused(answer, 413, "payload_too_large")


# --- sign-ins that do not exist, have ended, or cannot use that factor -----------------------
UNKNOWN_LOGINS = ["0" * 24, "does-not-exist", "x" * 65, "%20", "ü"]


async def test_unknown_login_ids(world, subtests):
    for endpoint in ("challenge", "verify", "status"):
        for login_id in UNKNOWN_LOGINS:
            async with each_case(subtests, world, f"{endpoint}: {login_id}"):
                answer = await world.send(
                    endpoint, ids={"login_id": login_id}, json=BODIES.get(endpoint)
                )
                await world.refused(answer, 404, "login_not_found")


async def test_an_expired_sign_in(world, clock, subtests):
    clock.advance(300)
    for endpoint in ("challenge", "verify"):
        async with each_case(subtests, world, endpoint):
            answer = await world.send(endpoint, json=BODIES[endpoint])
            await world.refused(answer, 410, "login_expired")
    async with each_case(subtests, world, "status"):
        answer = await world.send("status")
        assert answer.json() == {"login_id": world.login_id, "state": "expired"}


async def test_a_finished_sign_in_cannot_be_used_again(world, alice, clock, subtests):
    clock.advance(30)
    code = totp.code_at(alice.totp_secret, at=clock.now())
    assert (await world.send("verify", json={"factor": "totp", "code": code})).status_code == 200
    for endpoint in ("challenge", "verify"):
        async with each_case(subtests, world, endpoint):
            answer = await world.send(endpoint, json={"factor": "totp", "code": code})
            await world.refused(answer, 404, "login_not_found")
    async with each_case(subtests, world, "status"):
        assert (await world.send("status")).json()["state"] == "completed"


async def test_factors_that_are_not_enrolled(client, runtime, clock, subtests):
    bob = await make_user(runtime, "bob", phone=None)  # TOTP only: no phone, no card
    session = await full_signin(client, bob, clock)
    login_id = await started_login(client, bob)
    world = World(client, runtime, login_id, session)
    for endpoint, factor in [
        ("challenge", "sms"),
        ("challenge", "card"),
        ("challenge", "push"),
        ("verify", "sms"),
        ("verify", "card"),
        ("verify", "push"),
    ]:
        async with each_case(subtests, world, f"{endpoint} {factor}"):
            answer = await world.send(endpoint, json={"factor": factor, "code": "123456"})
            await world.refused(answer, 409, "factor_unavailable")


async def test_unknown_factors(world, subtests):
    for endpoint in ("challenge", "verify"):
        for factor in ("email", "TOTP", "", "sms "):
            async with each_case(subtests, world, f"{endpoint} {factor!r}"):
                answer = await world.send(endpoint, json={"factor": factor, "code": "123456"})
                body = await world.refused(answer, 400, "invalid_input")
                assert body["field"] == "factor"
    async with each_case(subtests, world, "a challenge for totp"):
        answer = await world.send("challenge", json={"factor": "totp"})
        await world.refused(answer, 400, "invalid_input")


async def test_codes_without_a_challenge(world, subtests):
    await users.issue_card(world.runtime.ctx, "alice", actor="test")
    for factor, code in [("sms", "123456"), ("card", ["ABC", "DEF"]), ("card", "ABC DEF")]:
        async with each_case(subtests, world, f"{factor} {code!r}"):
            answer = await world.send("verify", json={"factor": factor, "code": code})
            await world.refused(answer, 409, "challenge_required")


async def test_a_code_of_the_wrong_shape_for_its_factor(world, subtests):
    await challenge(world.client, world.login_id, "sms")
    for factor, code in [("totp", ["123", "456"]), ("sms", ["123456"])]:
        async with each_case(subtests, world, f"{factor} {code!r}"):
            answer = await world.send("verify", json={"factor": factor, "code": code})
            body = await world.refused(answer, 400, "invalid_input")
            assert body["field"] == "code"


# --- signed-in endpoints ---------------------------------------------------------------------
NO_CREDENTIALS: list[tuple[str, dict[str, str]]] = [
    ("nothing", {}),
    ("bearer without a token", {"Authorization": "Bearer"}),
    ("unknown bearer", {"Authorization": "Bearer " + "ab" * 32}),
    ("overlong bearer", {"Authorization": "Bearer " + "a" * 5000}),
    ("basic auth", {"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="}),
    ("unknown cookie", {"Cookie": "gatehouse_session=" + "cd" * 32}),
]


async def test_signed_in_endpoints_need_a_session(world, subtests):
    for endpoint in SIGNED_IN:
        for label, headers in NO_CREDENTIALS:
            async with each_case(subtests, world, f"{endpoint}: {label}"):
                answer = await world.send(
                    endpoint, auth=False, headers=headers, json=BODIES.get(endpoint)
                )
                if label == "unknown cookie" and ENDPOINTS[endpoint][0] != "GET":
                    assert answer.status_code in (401, 403), answer.text
                    continue
                await world.refused(answer, 401, "not_authenticated")


BAD_QUERIES = [
    ("activity", "?limit=0"),
    ("activity", "?limit=501"),
    ("activity", "?limit=ten"),
    ("status", "?wait=-1"),
    ("status", "?wait=61"),
    ("status", "?wait=soon"),
    ("end_all", "?keep_current=maybe"),
]


async def test_bad_query_parameters(world, subtests):
    for endpoint, query in BAD_QUERIES:
        async with each_case(subtests, world, f"{endpoint}{query}"):
            method, path = world.path(endpoint)
            answer = await world.client.request(
                method, path + query, headers=bearer(world.session["token"])
            )
            body = await world.refused(answer, 400, "invalid_input")
            assert body["field"] == query[1:].split("=")[0]


async def test_paths_and_methods_that_do_not_exist(world, subtests):
    for method, path, status, code in [
        ("GET", "/v1/api/nothing-here", 404, "not_found"),
        ("GET", "/v1/api/auth/login/..%2F..%2Fsessions", 404, "not_found"),
        ("GET", "/v1/api/auth/login", 405, "method_not_allowed"),
        ("POST", "/v1/api/me", 405, "method_not_allowed"),
    ]:
        async with each_case(subtests, world, f"{method} {path}"):
            answer = await world.client.request(
                method, path, headers=bearer(world.session["token"])
            )
            await world.refused(answer, status, code)


async def test_ending_a_session_that_is_not_there(world, subtests):
    for session_id in ("0" * 24, "nope", "x" * 200):
        async with each_case(subtests, world, session_id):
            answer = await world.send("end_session", ids={"session_id": session_id})
            await world.refused(answer, 404, "not_found")


async def test_an_idle_timeout_out_of_bounds(world, subtests):
    for seconds in (0, -1, 299, 14401, 10**12):
        async with each_case(subtests, world, str(seconds)):
            answer = await world.send("idle_timeout", json={"idle_timeout": seconds})
            await world.refused(answer, 400, "invalid_input")


# --- lone surrogates, huge and tiny numbers, out-of-range integers, on every operation ---------
async def test_text_and_numbers_no_endpoint_can_store_are_refused_everywhere(world, subtests):
    document = (await world.client.get("/v1/api/openapi.json")).json()
    json_type = {"Content-Type": "application/json", **bearer(world.session["token"])}
    for method, path, fields in operations(document):
        cases = list(SURROGATE_BODIES.items())
        cases += [
            (f"{field}={label}", f'{{"{field}": {value!r}}}'.encode())
            for field in fields
            for label, value in NUMBERS.items()
        ]
        for label, raw in cases:
            with subtests.test(msg=f"{method} {path}: {label}"):
                answer = await world.client.request(method, path, content=raw, headers=json_type)
                assert answer.status_code < 500, answer.text
                if answer.status_code >= 400:
                    assert isinstance(answer.json()["error"], str), answer.text
                if label in SURROGATE_BODIES:  # refused before any endpoint reads it
                    assert answer.status_code == 400, answer.text
                    assert answer.json()["error"] == "malformed_request", answer.text
