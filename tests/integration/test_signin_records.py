"""What sign-ins leave behind: the account's recent activity (every sign-in event, newest
first, only the user's own), and the password rehashed when the Argon2 parameters change."""

from __future__ import annotations

import pytest
from tests.conftest import make_user
from tests.support.lockout import SETTINGS, WRONG, lock_out
from tests.support.signin import bearer, challenge, credentials, full_signin, login, started_login
from tests.support.state import audit_events

from gatehouse.adapters.crypto.argon2_hasher import Argon2Hasher
from gatehouse.service.identity import users


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(SETTINGS)


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
