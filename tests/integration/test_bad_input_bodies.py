"""Bad request bodies on every sign-in and session endpoint, and text and numbers no endpoint can
store on every operation: a clear error, and nothing changes.

Each table runs on one server (per backend) as subtests; after every request the whole
sign-in state (users, sessions, sign-ins, throttles, audit, SMS) must be as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.bad_input import BODIES, ENDPOINTS, RATE_LIMITS, each_case
from tests.support.bad_values import NUMBERS, SURROGATE_BODIES, operations
from tests.support.signin import bearer


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(RATE_LIMITS)


# --- the body itself ---------------------------------------------------------------------------
RAW_BODIES = [  # (label, the JSON body's bytes, the error, what its message says)
    ("truncated", b'{"factor": ', "malformed_request", ""),
    ("trailing comma", b'{"factor": "sms",}', "malformed_request", ""),
    ("single quotes", b"{'factor': 'sms'}", "malformed_request", ""),
    ("not utf-8", b'{"factor": "\xff\xfe"}', "malformed_request", ""),
    ("list", b"[]", "invalid_input", "JSON object"),
    ("string", b'"alice"', "invalid_input", "JSON object"),
    ("number", b"7", "invalid_input", "JSON object"),
    ("null", b"null", "invalid_input", "JSON object"),
    ("true", b"true", "invalid_input", "JSON object"),
    ("empty", b"", "invalid_input", "JSON object"),
]


async def test_malformed_json_and_bodies_that_are_not_an_object(world, subtests):
    for endpoint in BODIES:
        for label, raw, error, says in RAW_BODIES:
            async with each_case(subtests, world, f"{endpoint}: {label}"):
                answer = await world.send(
                    endpoint, content=raw, headers={"Content-Type": "application/json"}
                )
                body = await world.refused(answer, 400, error)
                assert says in body["message"]


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
