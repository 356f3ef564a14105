"""Sign-in throttling over HTTP: free failures, growing delays, the hard cap and what lifts it
(a password reset, support), a manual lock, and an address guessing many accounts."""

from __future__ import annotations

import httpx
import pytest
from tests.conftest import make_user
from tests.support.lockout import PLATFORMS, SETTINGS, WRONG, lock_out, user_id
from tests.support.signin import bearer, full_signin, login
from tests.support.state import throttle_failures

from gatehouse.domain.identity.throttle import account_key, address_key
from gatehouse.service.identity import users


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(SETTINGS)


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
