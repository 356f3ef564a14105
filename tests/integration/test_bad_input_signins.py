"""Sign-ins that do not exist, have ended, or cannot use the factor asked for: a clear error,
and nothing changes (each table as subtests, the whole sign-in state compared after each)."""

from __future__ import annotations

import pytest
from tests.conftest import make_user
from tests.support.bad_input import BODIES, RATE_LIMITS, each_case, world_for
from tests.support.signin import challenge

from gatehouse.domain.identity.factors import totp
from gatehouse.service.identity import users


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(RATE_LIMITS)


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
    world = await world_for(client, runtime, bob, clock)
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
