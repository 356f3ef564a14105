"""Sign-in security over HTTP: no enumeration, throttling, lockout, rate limits, audit, rehash."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.conftest import make_user
from tests.support.hashing import CountingHasher
from tests.support.signin import (
    bearer,
    challenge,
    credentials,
    full_signin,
    login,
    started_login,
    verify,
)
from tests.support.state import audit_events, snapshot, throttle_failures

from gatehouse.adapters.crypto.argon2_hasher import Argon2Hasher
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.throttle import account_key, address_key, unknown_name_key
from gatehouse.service.identity import users

WRONG = "Wrong-Horse-42-battery"
PLATFORMS = ["web", "workstation", "mobile", "gateway"]


@pytest.fixture
def hasher(runtime) -> CountingHasher:
    counting = CountingHasher(runtime.ctx.hasher)
    runtime.ctx.hasher = counting
    return counting


async def user_id(runtime, name: str) -> int:
    user = await users.get(runtime.ctx, name)
    assert user.id is not None
    return user.id


# --- no enumeration ------------------------------------------------------------------------
async def test_unknown_user_and_wrong_password_look_the_same(client, runtime, alice, hasher):
    for unknown in ("mallory", "alicepaper2", "a" * 40):  # 40: the longest possible name
        hasher.calls.clear()
        wrong_password = await login(client, alice.username, WRONG)
        for_known = dict(hasher.calls)
        hasher.calls.clear()
        no_such_user = await login(client, unknown, WRONG)
        for_unknown = dict(hasher.calls)

        assert wrong_password.status_code == no_such_user.status_code == 401
        assert wrong_password.content == no_such_user.content
        assert wrong_password.json() == {
            "error": "invalid_credentials",
            "message": "Invalid username password combination.",
        }
        assert wrong_password.headers.get("retry-after") is None
        assert no_such_user.headers.get("retry-after") is None
        # the same (slow) work either way: one Argon2 verification, nothing else
        assert for_known == for_unknown == {"verify": 1}

    paper = await login(client, alice.paper_username, WRONG, environment="paper")
    unknown_paper = await login(client, "nobodypaper", WRONG, environment="paper")
    assert paper.status_code == unknown_paper.status_code == 401
    assert paper.content == unknown_paper.content == wrong_password.content

    # a name no account can have gets the same answer, and leaves no trace
    for name in ("a" * 41, "x" * 64, "y" * 256):
        before = await snapshot(runtime)
        impossible = await login(client, name, WRONG)
        assert impossible.status_code == 401
        assert impossible.content == wrong_password.content
        assert await snapshot(runtime) == before


HARD_CAP = 10  # the default is 100 (NIST SP 800-63B); a smaller one keeps the tests short


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"throttle_hard_cap": HARD_CAP}


async def failure_sequence(client, clock, username: str) -> list[tuple[int, dict[str, Any]]]:
    """Wrong passwords, waiting out each delay, until the hard lock: what the caller sees."""
    seen: list[tuple[int, dict[str, Any]]] = []
    while not seen or seen[-1][0] != 423:
        assert len(seen) < 30, seen
        answer = await login(client, username, WRONG)
        seen.append((answer.status_code, answer.json()))
        if answer.status_code == 429:
            clock.advance(answer.json()["retry_after"])
    return seen


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limit_login": "100/minute", "throttle_hard_cap": HARD_CAP}]
)
async def test_unknown_usernames_are_throttled_and_locked_like_real_ones(client, alice, clock):
    real = await failure_sequence(client, clock, alice.username)
    clock.advance(3600)
    unknown = await failure_sequence(client, clock, "mallory")
    assert real == unknown
    statuses = [status for status, _ in real]
    assert statuses == [401] * 4 + [429, 401] * 6 + [423]
    # the paper twin of a locked name is locked too, whether or not the name exists
    paper = await login(client, alice.paper_username, WRONG, environment="paper")
    unknown_paper = await login(client, "mallorypaper", WRONG, environment="paper")
    assert paper.status_code == unknown_paper.status_code == 423
    assert paper.content == unknown_paper.content


# --- growing delays, the hard cap, unlock ----------------------------------------------------
async def test_failures_add_up_across_platforms_with_growing_delays_then_a_hard_lock(
    client, runtime, alice, clock
):
    # three free failures, one from each of three platforms
    for platform in ("web", "mobile", "gateway"):
        assert (await login(client, alice.username, WRONG, platform=platform)).status_code == 401
    assert await throttle_failures(runtime, account_key(await user_id(runtime, "alice"))) == 3
    # the fourth (from a fourth platform, and from paper) fails and starts the delays
    assert (
        await login(
            client, alice.paper_username, WRONG, platform="workstation", environment="paper"
        )
    ).status_code == 401
    delays = []
    for failure in range(5, 10):
        platform = PLATFORMS[failure % 4]
        waiting = await login(client, alice.username, alice.password, platform=platform)
        assert waiting.status_code == 429, waiting.text
        assert waiting.json()["error"] == "rate_limited"
        wait = waiting.json()["retry_after"]
        assert waiting.headers["retry-after"] == str(wait)
        delays.append(wait)
        clock.advance(wait - 1)
        assert (await login(client, alice.username, WRONG)).status_code == 429  # not yet
        clock.advance(1)
        assert (await login(client, alice.username, WRONG, platform=platform)).status_code == 401
    assert delays == [1, 2, 4, 8, 16]
    clock.advance(32)
    assert (await login(client, alice.username, WRONG, platform="mobile")).status_code == 401
    # the tenth consecutive failure reached the hard cap: even the right password is
    # refused, with no time to wait: only recovery or support unlocks
    locked = await login(client, alice.username, alice.password)
    assert locked.status_code == 423
    assert locked.json()["error"] == "locked"
    assert locked.json()["retry_after"] is None
    assert "Forgot password" in locked.json()["message"]
    assert "retry-after" not in locked.headers
    # on every platform and environment, and time does not lift it
    clock.advance(30 * 86400)
    paper = await login(client, alice.paper_username, alice.paper_password, environment="paper")
    assert paper.status_code == 423
    assert (await login(client, alice.username, alice.password, platform="web")).status_code == 423


async def lock_out(client, clock, username: str) -> None:
    for _ in range(HARD_CAP):
        answer = await login(client, username, WRONG)
        if answer.status_code == 429:
            clock.advance(answer.json()["retry_after"])
            answer = await login(client, username, WRONG)
        assert answer.status_code == 401, answer.text
    assert (await login(client, username, WRONG)).status_code == 423


async def test_a_password_reset_lifts_the_hard_lock(client, runtime, alice, clock):
    await lock_out(client, clock, alice.username)
    await users.set_password(runtime.ctx, alice.username, "Another-Horse-43-battery", actor="me")
    assert (await login(client, alice.username, "Another-Horse-43-battery")).status_code == 200
    # the count starts again from zero: four failures before the first delay
    for _ in range(4):
        assert (await login(client, alice.username, WRONG)).status_code == 401
    assert (await login(client, alice.username, WRONG)).json()["retry_after"] == 1


async def test_support_unlock_lifts_the_lockout(client, runtime, alice, clock):
    bob = await make_user(runtime, "bob")
    await lock_out(client, clock, alice.username)
    await full_signin(client, bob, clock)  # one locked account locks out no one else
    await users.set_locked(runtime.ctx, alice.username, False, actor="support")
    assert (await login(client, alice.username, alice.password)).status_code == 200
    assert await throttle_failures(runtime, account_key(await user_id(runtime, "alice"))) == 0


async def test_a_manual_lock_ends_sessions_and_refuses_sign_in_until_unlocked(
    client, runtime, alice, clock
):
    session = await full_signin(client, alice, clock)
    await users.set_locked(runtime.ctx, alice.username, True, actor="support")
    assert (await client.get("/v1/api/me", headers=bearer(session["token"]))).status_code == 401
    refused = await login(client, alice.username, alice.password)
    assert refused.status_code == 423
    assert refused.json()["error"] == "locked"
    await users.set_locked(runtime.ctx, alice.username, False, actor="support")
    await full_signin(client, alice, clock)


# --- per address -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "settings_overrides",
    [{"throttle_address_failures": 3, "throttle_address_lockout_seconds": 600}],
)
async def test_one_address_guessing_many_accounts_is_stopped(
    client, base_url, runtime, alice, clock
):
    for name in ("mallory", "trudy", "eve"):
        assert (await login(client, name, WRONG)).status_code == 401
    # the address must now wait, whatever it tries, even the right password for a real user
    blocked = await login(client, alice.username, alice.password)
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "rate_limited"
    assert blocked.json()["retry_after"] == 600
    assert await throttle_failures(runtime, address_key("127.0.0.1")) == 3
    # another address is not affected, and alice's own account counted nothing from it
    other = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=base_url, transport=other) as elsewhere:
        assert (await login(elsewhere, alice.username, alice.password)).status_code == 200
    assert await throttle_failures(runtime, account_key(await user_id(runtime, "alice"))) == 0
    clock.advance(600)
    assert (await login(client, alice.username, alice.password)).status_code == 200


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
async def wrong_code(client, clock, login_id: str, code: str) -> httpx.Response:
    """Send a wrong code, first waiting out any delay the earlier failures earned."""
    answer = await verify(client, login_id, "totp", code)
    if answer.status_code == 429:
        clock.advance(answer.json()["retry_after"])
        answer = await verify(client, login_id, "totp", code)
    return answer


def not_the_code(user, clock) -> str:
    """A well-formed code that is wrong at every step within ten minutes of now."""
    near = {
        totp.code_at(user.totp_secret, at=clock.now() + step * totp_step) for step in range(-20, 21)
    }
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


totp_step = timedelta(seconds=totp.STEP_SECONDS)


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


# --- recent activity -------------------------------------------------------------------------
async def test_recent_activity_shows_every_sign_in_event(client, runtime, alice, clock):
    await lock_out(client, clock, alice.username)
    await users.set_locked(runtime.ctx, alice.username, False, actor="support")
    other = await full_signin(client, alice, clock, platform="mobile")
    mine = await full_signin(client, alice, clock, platform="workstation")
    login_id = await started_login(client, alice)
    await challenge(client, login_id, "sms")
    ended = await client.delete(
        f"/v1/api/sessions/{other['session_id']}", headers=bearer(mine["token"])
    )
    assert ended.status_code == 200

    found = await client.get("/v1/api/me/activity", headers=bearer(mine["token"]))
    assert found.status_code == 200
    activity = found.json()["activity"]
    events = [entry["event"] for entry in activity]
    assert events[0] == "session.ended"  # newest first
    assert activity[0]["detail"]["reason"] == "revoked"
    assert activity[0]["platform"] == "mobile"
    assert events.count("login.failed") == 10
    assert events.count("login.locked_out") == 1
    assert "account.unlocked" in events
    sent = next(e for e in activity if e["event"] == "login.challenge_sent")
    assert sent["factor"] == "sms"
    succeeded = [e for e in activity if e["event"] == "login.succeeded"]
    assert [e["platform"] for e in succeeded] == ["workstation", "mobile"]
    assert all(e["factor"] == "totp" and e["address"] == "127.0.0.1" for e in succeeded)
    failed = next(e for e in activity if e["event"] == "login.failed")
    assert failed["detail"]["reason"] == "password"
    # another user's events are not shown
    bob = await make_user(runtime, "bob")
    await login(client, bob.username, WRONG)
    again = await client.get("/v1/api/me/activity", headers=bearer(mine["token"]))
    assert len(again.json()["activity"]) == len(activity)
    limited = await client.get("/v1/api/me/activity?limit=3", headers=bearer(mine["token"]))
    assert limited.json()["activity"] == activity[:3]


# --- rehash on sign-in -----------------------------------------------------------------------
async def test_the_password_is_rehashed_when_the_argon2_parameters_change(
    client, runtime, alice, clock
):
    runtime.ctx.hasher = Argon2Hasher(memory_kib=2048, time_cost=2, parallelism=1)
    for environment, column in [("live", "password_hash"), ("paper", "paper_password_hash")]:
        old = getattr(await users.get(runtime.ctx, alice.username), column)
        assert "m=1024" in old

        username, _ = credentials(alice, environment)
        await login(client, username, WRONG, environment=environment)  # changes nothing
        assert getattr(await users.get(runtime.ctx, alice.username), column) == old

        await full_signin(client, alice, clock, environment=environment)
        new = getattr(await users.get(runtime.ctx, alice.username), column)
        assert new != old
        assert "m=2048,t=2" in new
        # the password still works, and is not rehashed again
        rehashed = (await audit_events(runtime)).count("password.rehashed")
        await full_signin(client, alice, clock, environment=environment)
        assert getattr(await users.get(runtime.ctx, alice.username), column) == new
        assert (await audit_events(runtime)).count("password.rehashed") == rehashed
    assert (await audit_events(runtime)).count("password.rehashed") == 2
