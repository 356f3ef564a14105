"""Bad input on the signed-in endpoints: no or unknown credentials, bad query parameters, paths
and methods that do not exist, sessions that are not there, out-of-range settings — a clear
error, and nothing changes (each table as subtests, the whole sign-in state compared after each).
"""

from __future__ import annotations

import pytest
from tests.support.bad_input import (
    BODIES,
    ENDPOINTS,
    RATE_LIMITS,
    SIGNED_IN,
    each_case,
)
from tests.support.signin import bearer


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(RATE_LIMITS)


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
