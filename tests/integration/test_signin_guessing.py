"""Guessing at sign-in: the endpoints' request rate limits, and every wrong code or password
counted against the account — five codes end a sign-in, parallel guesses all count."""

from __future__ import annotations

import asyncio

import pytest
from tests.support.lockout import (
    PLATFORMS,
    SETTINGS,
    WRONG,
    not_the_code,
    user_id,
    wrong_code,
)
from tests.support.signin import challenge, full_signin, login, started_login, verify
from tests.support.state import audit_events, snapshot, throttle_failures

from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.throttle import account_key, address_key, unknown_name_key


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(SETTINGS)


# --- request rate limits ----------------------------------------------------------------------
@pytest.mark.parametrize("settings_overrides", [{"rate_limit_login": "3/minute"}])
async def test_the_login_endpoint_is_rate_limited(client, runtime, alice, hasher):
    for _ in range(3):
        assert (await login(client, alice.username, alice.password)).status_code == 200
    before = await snapshot(runtime)
    hasher.calls.clear()
    limited = await login(client, alice.username, alice.password)
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert 0 < limited.json()["retry_after"] <= 60
    assert limited.headers["retry-after"] == str(limited.json()["retry_after"])
    assert hasher.calls == {}  # refused before any password work
    assert await snapshot(runtime) == before


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_verify": "3/minute"}])
async def test_the_second_factor_endpoints_are_rate_limited(client, runtime, alice):
    login_id = await started_login(client, alice)
    for endpoint, hit in [
        ("challenge", lambda: challenge(client, login_id, "sms")),
        ("verify", lambda: verify(client, login_id, "totp", "000000")),
    ]:
        for _ in range(3):
            assert (await hit()).status_code != 429, endpoint
        before = await snapshot(runtime)
        limited = await hit()
        assert limited.status_code == 429, endpoint
        assert limited.json()["error"] == "rate_limited"
        assert await snapshot(runtime) == before


# --- second-factor failures ------------------------------------------------------------------


async def test_five_wrong_codes_end_the_sign_in_and_count_against_the_account(
    client, runtime, alice, clock
):
    login_id = await started_login(client, alice)
    bad = not_the_code(alice, clock)
    statuses = []
    for _ in range(5):
        answer = await wrong_code(client, clock, login_id, bad)
        statuses.append((answer.status_code, answer.json()["error"]))
    assert statuses == [(401, "invalid_code")] * 5
    assert await throttle_failures(runtime, account_key(await user_id(runtime, "alice"))) == 5
    clock.advance(60)
    right = totp.code_at(alice.totp_secret, at=clock.now())
    ended = await verify(client, login_id, "totp", right)
    assert ended.status_code == 404
    assert ended.json()["error"] == "login_not_found"
    status = await client.get(f"/v1/api/auth/login/{login_id}")
    assert status.json()["state"] == "failed"

    # five more, in a second sign-in on another platform: the account is at its hard cap
    second = await started_login(client, alice, platform="mobile")
    for _ in range(5):
        assert (await wrong_code(client, clock, second, bad)).status_code == 401
    locked = await login(client, alice.username, alice.password)
    assert locked.status_code == 423
    events = await audit_events(runtime)
    assert events.count("login.second_factor_failed") == 10
    assert events.count("login.locked_out") == 1


async def test_parallel_code_guesses_in_one_account_all_count(client, runtime, alice, clock):
    logins = [await started_login(client, alice, platform=p) for p in PLATFORMS]
    bad = not_the_code(alice, clock)
    answers = await asyncio.gather(*(verify(client, i, "totp", bad) for i in logins))
    assert sorted(a.status_code for a in answers) == [401, 401, 401, 401]
    assert await throttle_failures(runtime, account_key(await user_id(runtime, "alice"))) == 4


async def test_parallel_wrong_passwords_all_count(client, runtime, alice):
    answers = await asyncio.gather(*(login(client, alice.username, WRONG) for _ in range(3)))
    assert [a.status_code for a in answers] == [401, 401, 401], [a.text for a in answers]
    assert await throttle_failures(runtime, account_key(await user_id(runtime, "alice"))) == 3
    assert await throttle_failures(runtime, address_key("127.0.0.1")) == 3
    # an unknown name is counted under the name, as typed people would type it
    await login(client, "Mallory ", WRONG)
    assert await throttle_failures(runtime, unknown_name_key("mallory")) == 1


async def test_wrong_passwords_and_wrong_codes_at_the_same_moment_all_count(
    client, runtime, alice, clock
):
    logins = [await started_login(client, alice, platform=p) for p in PLATFORMS]
    bad = not_the_code(alice, clock)
    answers = await asyncio.gather(
        *(login(client, alice.username, WRONG) for _ in PLATFORMS),
        *(verify(client, login_id, "totp", bad) for login_id in logins),
    )
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {401, 429}, [a.text for a in answers]  # never a server error
    counted = await throttle_failures(runtime, account_key(await user_id(runtime, "alice")))
    assert counted == statuses.count(401)  # every refused guess was counted, none lost


async def test_a_successful_sign_in_clears_the_account_failures(client, runtime, alice, clock):
    for _ in range(3):
        await login(client, alice.username, WRONG)
    await full_signin(client, alice, clock)
    assert await throttle_failures(runtime, account_key(await user_id(runtime, "alice"))) == 0
