"""Strangers cannot lock the owner out: a device that signed in before keeps its own failure
budget (issue 15 #4). Cookies for web and mobile, a returned token for the other platforms."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.conftest import make_user
from tests.support.signin import login
from tests.support.state import throttle_failures

from gatehouse.adapters.db.identity import tables
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.known_devices import hash_device_token
from gatehouse.domain.identity.throttle import account_key, device_key
from gatehouse.service.identity import known_devices, users

WRONG = "Wrong-Horse-42-battery"
HARD_CAP = 10


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"throttle_hard_cap": HARD_CAP, "rate_limit_login": "1000/minute"}


async def signin(
    client: httpx.AsyncClient, user: Any, clock: FakeClock, **extra: Any
) -> httpx.Response:
    """Password (with whatever ``extra`` the body carries) and TOTP; the final answer."""
    headers = extra.pop("headers", None)
    body = {"username": user.username, "password": user.password, "platform": "gateway"}
    started = await client.post("/v1/api/auth/login", json=body | extra, headers=headers)
    if started.status_code != 200:
        return started
    clock.advance(30)
    code = totp.code_at(user.totp_secret, at=clock.now())
    return await client.post(
        f"/v1/api/auth/login/{started.json()['login_id']}/verify",
        json={"factor": "totp", "code": code},
        headers=headers,
    )


async def strangers_lock(client: httpx.AsyncClient, clock: FakeClock, username: str) -> None:
    """Wrong passwords from devices the account does not know, up to the hard cap."""
    while (answer := await login(client, username, WRONG)).status_code != 423:
        assert answer.status_code in (401, 429), answer.text
        if answer.status_code == 429:
            clock.advance(answer.json()["retry_after"])


async def account_failures(runtime, name: str) -> int:
    user = await users.get(runtime.ctx, name)
    assert user.id is not None
    return await throttle_failures(runtime, account_key(user.id))


async def test_the_owner_on_a_known_device_signs_in_while_strangers_are_locked_out(
    client, runtime, alice, clock
):
    first = await signin(client, alice, clock)
    assert first.status_code == 200, first.text
    token = first.json()["device_token"]
    assert len(token) == 43
    await strangers_lock(client, clock, alice.username)
    assert (await login(client, alice.username, alice.password)).status_code == 423
    # the owner's device is not locked out, and using it does not lift the strangers' lock
    again = await signin(client, alice, clock, device_token=token)
    assert again.status_code == 200, again.text
    assert "device_token" not in again.json()  # already known: nothing new to keep
    assert await account_failures(runtime, "alice") == HARD_CAP
    assert (await login(client, alice.username, alice.password)).status_code == 423
    # a token of another account, or a made-up one, is a stranger's
    bob = await make_user(runtime, "bob")
    bobs = (await signin(client, bob, clock)).json()["device_token"]
    assert (await signin(client, alice, clock, device_token=bobs)).status_code == 423
    assert (await signin(client, alice, clock, device_token="x" * 43)).status_code == 423


async def test_a_known_device_has_its_own_budget_then_becomes_a_stranger(
    client, runtime, alice, clock
):
    token = (await signin(client, alice, clock)).json()["device_token"]
    key = device_key(hash_device_token(token))
    body = {"device_token": token}
    statuses = []
    for _ in range(runtime.ctx.device_throttle.hard_cap):
        answer = await client.post(
            "/v1/api/auth/login",
            json={"username": alice.username, "password": WRONG, **body},
        )
        if answer.status_code == 429:
            clock.advance(answer.json()["retry_after"])
            answer = await client.post(
                "/v1/api/auth/login",
                json={"username": alice.username, "password": WRONG, **body},
            )
        statuses.append(answer.status_code)
    assert statuses == [401] * runtime.ctx.device_throttle.hard_cap
    assert await account_failures(runtime, "alice") == 0  # strangers' budget untouched
    # at its limit the device is forgotten: from now on it counts as a stranger
    assert await throttle_failures(runtime, key) == runtime.ctx.device_throttle.hard_cap
    answer = await client.post(
        "/v1/api/auth/login", json={"username": alice.username, "password": WRONG, **body}
    )
    assert answer.status_code == 401
    assert await account_failures(runtime, "alice") == 1
    # a full sign-in from it makes it known again, with a fresh token
    fresh = await signin(client, alice, clock, device_token=token)
    assert fresh.json()["device_token"] != token


async def test_second_factor_failures_on_a_known_device_count_on_the_device(
    client, runtime, alice, clock
):
    token = (await signin(client, alice, clock)).json()["device_token"]
    started = await client.post(
        "/v1/api/auth/login",
        json={"username": alice.username, "password": alice.password, "device_token": token},
    )
    login_id = started.json()["login_id"]
    wrong = await client.post(
        f"/v1/api/auth/login/{login_id}/verify", json={"factor": "totp", "code": "000000"}
    )
    assert wrong.status_code == 401
    assert await throttle_failures(runtime, device_key(hash_device_token(token))) == 1
    assert await account_failures(runtime, "alice") == 0


@pytest.mark.parametrize(
    ("platform", "headers", "lifetime"),
    [("web", {}, 12 * 3600), ("mobile", {"X-Gatehouse-Session": "cookie"}, 30 * 86400)],
)
async def test_browsers_keep_the_device_in_a_cookie_as_long_lived_as_the_session(
    client, base_url, runtime, alice, clock, platform, headers, lifetime
):
    done = await signin(client, alice, clock, platform=platform, headers=headers)
    assert done.status_code == 200, done.text
    assert "device_token" not in done.json() and done.json()["token"] is None
    cookies = {c.split("=", 1)[0]: c for c in done.headers.get_list("set-cookie")}
    assert f"Max-Age={lifetime};" in cookies["gatehouse_session"]
    device = cookies["gatehouse_known_device"]
    assert f"Max-Age={180 * 86400};" in device
    assert "HttpOnly" in device and "SameSite=strict" in device
    async with httpx.AsyncClient(base_url=base_url) as stranger:
        await strangers_lock(stranger, clock, alice.username)
    # the client keeps the cookie: the owner's browser still gets in
    again = await signin(client, alice, clock, platform=platform, headers=headers)
    assert again.status_code == 200, again.text


async def stored_devices(runtime) -> set[str]:
    async with runtime.engine.connect() as conn:
        found = await conn.execute(select(tables.known_devices.c.token_hash))
        return {str(row[0]) for row in found.all()}


async def test_expired_devices_are_deleted_in_bounded_batches(client, runtime, alice, clock):
    """A token is honoured for GATEHOUSE_KNOWN_DEVICE_DAYS (180) after its sign-in; the node's
    pruning then deletes its row, a batch a transaction, and keeps every row still honoured."""
    first = await signin(client, alice, clock)
    old = hash_device_token(first.json()["device_token"])
    user = await users.get(runtime.ctx, "alice")
    assert user.id is not None
    async with runtime.ctx.uow() as uow:  # a backlog: 250 more devices known that day
        for n in range(250):
            await uow.known_devices.add(user.id, f"old-{n:03}", platform="api", at=clock.now())
        await uow.commit()
    clock.advance(days=100)
    kept = (await signin(client, alice, clock)).json()["device_token"]
    recent = hash_device_token(kept)
    clock.advance(days=80, seconds=-60)  # the first ones have a minute left
    assert await runtime.sync.prune_devices_now() == 0
    assert len(await stored_devices(runtime)) == 252
    clock.advance(seconds=61)  # now they have expired: no longer honoured, so deleted

    cutoff = known_devices.expired_before(runtime.ctx)
    async with runtime.ctx.uow() as uow:  # one batch deletes at most its limit
        assert await uow.known_devices.prune(before=cutoff, limit=100) == 100
        await uow.commit()
    assert len(await stored_devices(runtime)) == 152
    assert await known_devices.prune(runtime.ctx, batch=40) == 151  # batches until none left
    assert await stored_devices(runtime) == {recent}
    assert await runtime.sync.prune_devices_now() == 0
    assert old not in await stored_devices(runtime)
    # the device still known is still honoured: nothing new to keep
    again = await signin(client, alice, clock, device_token=kept)
    assert again.status_code == 200, again.text
    assert "device_token" not in again.json()
