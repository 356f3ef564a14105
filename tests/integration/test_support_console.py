"""The support console API: role checks, lookups, unlock, factor resets, lost Key devices,
identity checks with security questions — each action audited with its agent."""

from __future__ import annotations

import pytest
from tests.support.access import (
    enroll_with,
    enrolled_device,
    key_client,
    make_support_agent,
    snapshot,
)
from tests.support.signin import bearer, full_signin, login

from gatehouse.domain.identity.throttle import account_key
from gatehouse.service.identity import users

SUPPORT = "/v1/api/support/users"


@pytest.fixture
async def agent(runtime):
    return await make_support_agent(runtime)


async def token_of(client, user, clock) -> dict[str, str]:
    return bearer((await full_signin(client, user, clock))["token"])


async def audited(runtime, username: str) -> list[tuple[str, str]]:
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        entries = await uow.audit.for_user(user.id, limit=200)
    return [(e.event, e.actor) for e in entries]


async def test_only_support_agents_reach_the_console(client, runtime, alice, agent, clock):
    assert (await client.get(f"{SUPPORT}?q=alice")).status_code == 401
    as_alice = await client.get(f"{SUPPORT}?q=alice", headers=await token_of(client, alice, clock))
    assert as_alice.status_code == 403
    assert as_alice.json()["error"] == "forbidden"
    headers = await token_of(client, agent, clock)
    for query in ("ali", alice.email, alice.live_account, alice.paper_account.lower()):
        found = await client.get(SUPPORT, params={"q": query}, headers=headers)
        assert [u["username"] for u in found.json()["users"]] == ["alice"], query
    assert found.json()["users"][0]["phone"] == "+1 ••• ••• 4567"
    assert (await client.get(SUPPORT, params={"q": "sam"}, headers=headers)).json()["users"] == []
    other = await client.post(f"{SUPPORT}/sam/unlock", headers=headers)
    assert other.status_code == 403  # no agent can act on a support account
    assert (await client.get(f"{SUPPORT}/nobody", headers=headers)).status_code == 404


async def test_support_sees_a_user_without_secrets_and_unlocks_them(
    client, runtime, alice, agent, clock
):
    await enrolled_device(client, alice, clock)
    headers = await token_of(client, agent, clock)
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username("alice")
        throttle = await uow.throttles.get_or_new(account_key(user.id))
        for _ in range(runtime.ctx.account_throttle.hard_cap):
            throttle.record_failure(clock.now(), runtime.ctx.account_throttle)
        await uow.commit()
    shown = await client.get(f"{SUPPORT}/alice", headers=headers)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["hard_locked"] is True and body["totp"] is True
    assert len(body["key_devices"]) == 1 and body["recent_activity"]
    assert alice.totp_secret not in shown.text and user.password_hash not in shown.text
    assert (await login(client, alice.username, alice.password)).status_code == 423
    assert (await client.post(f"{SUPPORT}/alice/unlock", headers=headers)).status_code == 200
    assert (await login(client, alice.username, alice.password)).status_code == 200
    entries = await audited(runtime, "alice")
    assert ("support.viewed_user", "support:sam") in entries
    assert ("account.unlocked", "support:sam") in entries


async def test_a_lost_key_device_is_revoked_and_re_enrolled_with_supports_code(
    client, runtime, alice, agent, clock
):
    lost = await enrolled_device(client, alice, clock)
    headers = await token_of(client, agent, clock)
    revoked = await client.delete(f"{SUPPORT}/alice/key-devices/{lost.device_id}", headers=headers)
    assert revoked.status_code == 200, revoked.text
    # the lost phone held the TOTP seed: both go; SMS still signs in
    assert (await login(client, alice.username, alice.password)).json()["factors"] == ["sms"]
    async with key_client(client, clock) as keys:
        with pytest.raises(Exception) as refused:
            await keys.pending(lost.identity)
    assert getattr(refused.value, "code", "") == "device_not_recognized"

    issued = await client.post(f"{SUPPORT}/alice/reenrollment-code", headers=headers)
    assert issued.status_code == 200 and issued.json()["expires_in"] == 86400
    fresh = await enroll_with(client, issued.json()["code"], name="New phone")
    assert fresh.totp_secret != alice.totp_secret  # a new seed for the new device
    factors = (await login(client, alice.username, alice.password)).json()["factors"]
    assert factors == ["totp", "sms", "push"]
    again = await client.post(
        "/v1/api/key/devices", json={"code": issued.json()["code"], "public_key": "A" * 43}
    )
    assert again.json()["error"] == "invalid_activation_code"
    entries = await audited(runtime, "alice")
    for event in ("key.revoked", "totp.removed", "key.reenrollment_issued"):
        assert (event, "support:sam") in entries, event
    assert ("key.enrolled", "support:sam") in entries  # enrolled with the agent's code


async def test_support_resets_second_factors(client, runtime, alice, agent, clock):
    await users.issue_card(runtime.ctx, alice.username, actor="test")
    device = await enrolled_device(client, alice, clock)
    headers = await token_of(client, agent, clock)
    reset = await client.post(f"{SUPPORT}/alice/reset-factors", json={}, headers=headers)
    assert reset.status_code == 200, reset.text
    assert reset.json() == {
        "key_devices_revoked": [device.device_id],
        "totp_removed": True,
        "card_deactivated": True,
    }
    assert (await login(client, alice.username, alice.password)).json()["factors"] == ["sms"]
    events = [event for event, actor in await audited(runtime, "alice") if actor == "support:sam"]
    assert {"support.factors_reset", "card.deactivated", "key.revoked", "totp.removed"} <= set(
        events
    )


async def test_support_checks_identity_with_the_security_questions(
    client, runtime, alice, agent, clock
):
    questions = [
        {"question": "first_pet", "answer": "Rex"},
        {"question": "first_job", "answer": "Paper boy"},
        {"question": "first_car", "answer": "Fiat Panda"},
    ]
    mine = await client.put(
        "/v1/api/me/security-questions",
        json={"password": alice.password, "questions": questions},
        headers=await token_of(client, alice, clock),
    )
    assert mine.status_code == 200, mine.text
    headers = await token_of(client, agent, clock)
    shown = await client.get(f"{SUPPORT}/alice", headers=headers)
    assert [q["id"] for q in shown.json()["security_questions"]] == [
        "first_pet",
        "first_job",
        "first_car",
    ]
    check = f"{SUPPORT}/alice/identity-check"
    right = await client.post(
        check, json={"answers": ["REX", "paper-boy", "fiat panda"]}, headers=headers
    )
    assert right.json() == {"verified": True, "matched": 3, "of": 3}
    wrong = await client.post(
        check, json={"answers": ["rex", "paper boy", "ford"]}, headers=headers
    )
    assert wrong.json() == {"verified": False, "matched": 2, "of": 3}
    assert ("support.identity_check", "support:sam") in await audited(runtime, "alice")


async def test_bad_support_requests_change_nothing(client, runtime, alice, agent, clock):
    headers = await token_of(client, agent, clock)
    cases = [
        ("GET", f"{SUPPORT}?q=a", None, 400, "invalid_input"),
        ("GET", SUPPORT, None, 400, "invalid_input"),
        (
            "POST",
            f"{SUPPORT}/alice/reset-factors",
            {"key_devices": False, "totp": False, "card": False},
            400,
            "invalid_input",
        ),
        ("POST", f"{SUPPORT}/alice/reset-factors", {"totp": "yes"}, 400, "invalid_input"),
        ("POST", f"{SUPPORT}/alice/identity-check", {"answers": ["a", "b"]}, 400, "invalid_input"),
        (
            "POST",
            f"{SUPPORT}/alice/identity-check",
            {"answers": ["a", "b", "c"]},
            409,
            "questions_not_set",
        ),
        ("DELETE", f"{SUPPORT}/alice/key-devices/nope", None, 404, "not_found"),
        ("POST", f"{SUPPORT}/nobody/temporary-password", None, 404, "not_found"),
        ("POST", f"{SUPPORT}/nobody/reenrollment-code", None, 404, "not_found"),
        ("GET", f"{SUPPORT}/alice/activity?limit=0", None, 400, "invalid_input"),
    ]
    before = await snapshot(runtime)
    for method, path, body, status, error in cases:
        answer = await client.request(method, path, json=body, headers=headers)
        assert answer.status_code == status, (path, answer.text)
        assert answer.json()["error"] == error, (path, answer.text)
    assert await snapshot(runtime) == before
