"""Step-up by Key push: approving on the device confirms the session that asked (no new
session is opened, and neither the sign-in poll nor another session can redeem it)."""

from __future__ import annotations

import asyncio

from tests.support.access import enrolled_device, key_client
from tests.support.signin import bearer, full_signin

from gatehouse.domain.identity.factors import push

STALE = 6 * 60  # seconds: past the five-minute window


async def aged_session(client, user, clock) -> dict[str, str]:
    headers = bearer((await full_signin(client, user, clock))["token"])
    for _ in range(STALE // 60):
        clock.advance(60)
        assert (await client.post("/v1/api/tickle", headers=headers)).status_code == 200
    return headers


async def started(client, user, headers) -> tuple[str, int]:
    """Password, then ring the Key: the step-up's id and the number to pick."""
    answer = await client.post(
        "/v1/api/me/step-up", json={"password": user.password}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert "push" in answer.json()["factors"]
    login_id = answer.json()["login_id"]
    rung = await client.post(
        f"/v1/api/me/step-up/{login_id}/challenge", json={"factor": "push"}, headers=headers
    )
    assert rung.status_code == 200, rung.text
    return login_id, int(rung.json()["number"])


async def session_ids(client, headers) -> set[str]:
    answer = await client.get("/v1/api/sessions", headers=headers)
    assert answer.status_code == 200, answer.text
    return {s["session_id"] for s in answer.json()["sessions"]}


async def test_an_approved_push_confirms_this_session_and_opens_none(client, runtime, alice, clock):
    device = await enrolled_device(client, alice, clock)
    headers = await aged_session(client, alice, clock)
    other = bearer((await full_signin(client, alice, clock))["token"])
    refused = await client.post("/v1/api/me/card", headers=headers)
    assert refused.json()["error"] == "reauth_required"
    before = await session_ids(client, headers)

    login_id, number = await started(client, alice, headers)
    status_url = f"/v1/api/me/step-up/{login_id}"
    pending = await client.get(status_url, headers=headers)
    assert pending.json() == {"login_id": login_id, "state": "pending", "push": "pending"}
    async with key_client(client, clock) as keys:
        [request] = await keys.pending(device.identity)
        assert number in request.choices
        waiting = asyncio.create_task(client.get(f"{status_url}?wait=25", headers=headers))
        await asyncio.sleep(0)
        assert await keys.decide(device.identity, request.nonce, push.Decision.APPROVE, number) == (
            "approved"
        )
        # neither the sign-in poll nor another session of the same user can redeem it
        assert (await client.get(f"/v1/api/auth/login/{login_id}")).status_code == 404
        assert (await client.get(status_url, headers=other)).status_code == 404
        done = await asyncio.wait_for(waiting, timeout=10)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "reauthenticated" and done.json()["valid_for"] == 300
    assert (await client.get(f"/v1/api/auth/login/{login_id}")).status_code == 404
    assert await session_ids(client, headers) == before  # no session was opened
    assert (await client.post("/v1/api/me/card", headers=headers)).status_code == 200
    # the other session was not confirmed by it
    assert (await client.post("/v1/api/me/card", headers=other)).status_code == 200  # fresh
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(alice.username)
        entries = await uow.audit.for_user(user.id, limit=50)
    step_ups = [e for e in entries if e.event == "login.step_up"]
    assert [e.factor for e in step_ups] == ["push"]
    # the completed step-up reads as done, once
    again = await client.get(status_url, headers=headers)
    assert again.json() == {"login_id": login_id, "state": "reauthenticated"}


async def test_a_denied_or_mismatched_push_confirms_nothing(client, alice, clock):
    device = await enrolled_device(client, alice, clock)
    headers = await aged_session(client, alice, clock)
    for deny, error in ((True, "push_denied"), (False, "push_wrong_number")):
        login_id, number = await started(client, alice, headers)
        async with key_client(client, clock) as keys:
            [request] = await keys.pending(device.identity)
            if deny:
                await keys.decide(device.identity, request.nonce, push.Decision.DENY, None)
            else:
                wrong = next(c for c in request.choices if c != number)
                await keys.decide(device.identity, request.nonce, push.Decision.APPROVE, wrong)
        answer = await client.get(f"/v1/api/me/step-up/{login_id}?wait=5", headers=headers)
        assert answer.json()["error"] == error
        assert (await client.post("/v1/api/me/card", headers=headers)).json()["error"] == (
            "reauth_required"
        )
    unknown = await client.get("/v1/api/me/step-up/nope", headers=headers)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "login_not_found")
    bad = await client.get("/v1/api/me/step-up/nope?wait=x", headers=headers)
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_input")
