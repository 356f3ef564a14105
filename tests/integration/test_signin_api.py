"""Sign-in over real HTTP: password, then TOTP, SMS or card, on each platform and environment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.conftest import make_user
from tests.support.signin import (
    bearer,
    challenge,
    credentials,
    full_signin,
    latest_sms_code,
    login,
    started_login,
    verify,
)

from gatehouse.domain.identity.factors import card, totp
from gatehouse.service.identity import users

PLATFORMS = ["web", "workstation", "mobile", "gateway"]
ENVIRONMENTS = ["live", "paper"]


def totp_step(steps: int) -> timedelta:
    return timedelta(seconds=steps * totp.STEP_SECONDS)


async def check_session(
    client: httpx.AsyncClient,
    response: httpx.Response,
    user: Any,
    *,
    platform: str,
    environment: str,
    factor: str,
) -> dict[str, Any]:
    """The session answer is right for its platform and environment, and its credential works."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    username, _ = credentials(user, environment)
    account = user.paper_account if environment == "paper" else user.live_account
    assert body["platform"] == platform
    assert body["environment"] == environment
    assert body["username"] == username
    assert body["accounts"] == [account]
    assert body["idle_timeout"] > 0
    assert body["csrf_token"]
    if platform == "web":
        assert body["token"] is None
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("gatehouse_session=")
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Secure" not in cookie  # plain HTTP on 127.0.0.1
        me = await client.get("/v1/api/me")
    else:
        assert "set-cookie" not in response.headers
        assert len(body["token"]) == 64
        me = await client.get("/v1/api/me", headers=bearer(body["token"]))
    assert me.status_code == 200, me.text
    assert me.json()["session_id"] == body["session_id"]
    assert me.json()["accounts"] == [account]
    activity = await client.get(
        "/v1/api/me/activity",
        headers={} if platform == "web" else bearer(body["token"]),
    )
    latest = activity.json()["activity"][0]
    assert latest["event"] == "login.succeeded"
    assert latest["factor"] == factor
    assert latest["platform"] == platform
    assert latest["environment"] == environment
    return body


# --- the three second factors on every platform and environment ---------------------------
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_password_then_each_second_factor(client, runtime, alice, clock, platform):
    for environment in ENVIRONMENTS:
        await sign_in_with_each_factor(client, runtime, alice, clock, platform, environment)


async def sign_in_with_each_factor(client, runtime, alice, clock, platform, environment) -> None:
    """Password + TOTP, password + SMS, password + code card: three sessions."""
    issued = await users.issue_card(runtime.ctx, alice.username, actor="test")
    username, password = credentials(alice, environment)

    async def password_step() -> str:
        started = await login(
            client, username, password, platform=platform, environment=environment
        )
        assert started.status_code == 200, started.text
        assert started.json()["factors"] == ["totp", "sms", "card"]
        login_id: str = started.json()["login_id"]
        return login_id

    # an authenticator app code
    login_id = await password_step()
    clock.advance(30)  # live and paper share one authenticator: a new code each time
    code = totp.code_at(alice.totp_secret, at=clock.now())
    done = await verify(client, login_id, "totp", code)
    await check_session(
        client, done, alice, platform=platform, environment=environment, factor="totp"
    )

    # a code sent by SMS
    login_id = await password_step()
    sent = await challenge(client, login_id, "sms")
    assert sent.status_code == 200, sent.text
    assert sent.json()["sent_to"] == "+1 ••• ••• 4567"
    assert sent.json()["expires_in"] == 300
    code = await latest_sms_code(runtime, alice.phone)
    done = await verify(client, login_id, "sms", code)
    await check_session(
        client, done, alice, platform=platform, environment=environment, factor="sms"
    )

    # two cells of the security code card
    login_id = await password_step()
    asked = await challenge(client, login_id, "card")
    assert asked.status_code == 200, asked.text
    cells = asked.json()["cells"]
    assert len(cells) == 2 and len(set(cells)) == 2
    done = await verify(client, login_id, "card", [issued.cells[label] for label in cells])
    await check_session(
        client, done, alice, platform=platform, environment=environment, factor="card"
    )


async def test_login_offers_the_enrolled_factors(client, runtime, alice):
    started = await login(client, alice.username, alice.password)
    assert started.status_code == 200
    body = started.json()
    assert body["state"] == "second_factor"
    assert body["factors"] == ["totp", "sms"]
    assert body["expires_in"] == 300
    assert "notices" not in body
    await users.issue_card(runtime.ctx, alice.username, actor="test")
    again = await login(client, alice.username, alice.password)
    assert again.json()["factors"] == ["totp", "sms", "card"]


# --- SMS -----------------------------------------------------------------------------------
async def test_sms_resend_sends_a_new_code_up_to_the_limit(client, runtime, alice):
    login_id = await started_login(client, alice)
    codes = []
    for sends_left in (2, 1, 0):
        sent = await challenge(client, login_id, "sms")
        assert sent.status_code == 200, sent.text
        assert sent.json()["sends_left"] == sends_left
        codes.append(await latest_sms_code(runtime, alice.phone))
    refused = await challenge(client, login_id, "sms")
    assert refused.status_code == 429
    assert refused.json()["error"] == "resend_limit"
    async with runtime.ctx.uow() as uow:
        assert len(await uow.sms_outbox.latest(limit=10, to=alice.phone)) == 3
    # only the last code sent works
    for old in {codes[0], codes[1]} - {codes[2]}:
        stale = await verify(client, login_id, "sms", old)
        assert stale.status_code == 401
        assert stale.json()["error"] == "invalid_code"
    assert (await verify(client, login_id, "sms", codes[2])).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"login_ttl_seconds": 900}])
async def test_sms_code_expires_after_five_minutes(client, runtime, alice, clock):
    login_id = await started_login(client, alice)
    await challenge(client, login_id, "sms")
    code = await latest_sms_code(runtime, alice.phone)
    clock.advance(299)
    wrong = "000000" if code != "000000" else "111111"
    assert (await verify(client, login_id, "sms", wrong)).status_code == 401  # still open
    clock.advance(1)
    expired = await verify(client, login_id, "sms", code)
    assert expired.status_code == 410
    assert expired.json()["error"] == "challenge_expired"
    # a new code can be asked for, and it works
    await challenge(client, login_id, "sms")
    fresh = await latest_sms_code(runtime, alice.phone)
    assert (await verify(client, login_id, "sms", fresh)).status_code == 200


# --- code card -----------------------------------------------------------------------------
async def test_card_cells_are_never_asked_twice_until_the_card_is_spent(client, runtime, alice):
    issued = await users.issue_card(runtime.ctx, alice.username, actor="test")
    asked: list[str] = []
    login_id = await started_login(client, alice)
    for _ in range(50):  # 100 cells, two at a time
        found = await challenge(client, login_id, "card")
        assert found.status_code == 200, found.text
        asked += found.json()["cells"]
    assert sorted(asked) == sorted(card.all_labels())
    assert len(set(asked)) == 100
    # the last challenge is still open and can be answered
    last = asked[-2:]
    done = await verify(client, login_id, "card", [issued.cells[c] for c in last])
    assert done.status_code == 200, done.text

    started = await login(client, alice.username, alice.password)
    assert started.status_code == 200
    assert "card" not in started.json()["factors"]
    assert started.json()["notices"] == ["card_spent"]
    spent = await challenge(client, started.json()["login_id"], "card")
    assert spent.status_code == 409
    assert spent.json()["error"] == "card_spent"

    # a new card replaces the spent one
    await users.issue_card(runtime.ctx, alice.username, actor="test")
    renewed = await login(client, alice.username, alice.password)
    assert "card" in renewed.json()["factors"]
    assert "notices" not in renewed.json()


async def test_a_wrong_card_answer_uses_up_its_cells(client, runtime, alice):
    issued = await users.issue_card(runtime.ctx, alice.username, actor="test")
    login_id = await started_login(client, alice)
    cells = (await challenge(client, login_id, "card")).json()["cells"]
    right = [issued.cells[c] for c in cells]
    wrong = [right[0], "222" if right[1] != "222" else "333"]
    refused = await verify(client, login_id, "card", wrong)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_code"
    # the right answer to the same cells no longer works: ask again, for other cells
    again = await verify(client, login_id, "card", right)
    assert again.status_code == 409
    assert again.json()["error"] == "challenge_required"
    fresh = (await challenge(client, login_id, "card")).json()["cells"]
    assert not set(fresh) & set(cells)
    done = await verify(client, login_id, "card", " ".join(issued.cells[c] for c in fresh))
    assert done.status_code == 200, done.text


# --- TOTP ----------------------------------------------------------------------------------
async def test_totp_accepts_one_step_of_drift_either_way(client, runtime, clock):
    for name, steps in [("bob", -1), ("carol", 0), ("dave", 1)]:
        user = await make_user(runtime, name)  # each a fresh authenticator, never used
        login_id = await started_login(client, user)
        code = totp.code_at(user.totp_secret, at=clock.now() + totp_step(steps))
        done = await verify(client, login_id, "totp", code)
        assert done.status_code == 200, (steps, done.text)


async def test_totp_refuses_two_steps_of_drift(client, runtime, alice, clock):
    login_id = await started_login(client, alice)
    for steps in (-2, 2):
        code = totp.code_at(alice.totp_secret, at=clock.now() + totp_step(steps))
        refused = await verify(client, login_id, "totp", code)
        assert refused.status_code == 401, steps
        assert refused.json()["error"] == "invalid_code"
        assert "token" not in refused.json()
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(alice.username)
        assert user is not None and user.id is not None
        assert await uow.sessions.active_for_user(user.id, clock.now()) == []


async def test_a_totp_code_is_never_accepted_twice(client, alice, clock):
    first = await full_signin(client, alice, clock)
    used = totp.code_at(alice.totp_secret, at=clock.now())
    previous = totp.code_at(alice.totp_secret, at=clock.now() + totp_step(-1))
    # another sign-in, on another platform: the same code, and the older one, are refused
    login_id = await started_login(client, alice, platform="mobile")
    for code in (used, previous):
        refused = await verify(client, login_id, "totp", code)
        assert refused.status_code == 401
        assert refused.json()["error"] == "code_reused"
    clock.advance(30)
    fresh = totp.code_at(alice.totp_secret, at=clock.now())
    done = await verify(client, login_id, "totp", fresh)
    assert done.status_code == 200, done.text
    assert done.json()["session_id"] != first["session_id"]


async def test_one_totp_code_sent_to_two_sign_ins_at_once_opens_one_session(client, alice, clock):
    first = await started_login(client, alice, platform="web")
    second = await started_login(client, alice, platform="mobile")
    code = totp.code_at(alice.totp_secret, at=clock.now())
    answers = await asyncio.gather(
        verify(client, first, "totp", code), verify(client, second, "totp", code)
    )
    assert sorted(a.status_code for a in answers) == [200, 401], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 401)
    assert refused.json()["error"] == "code_reused"


async def test_the_last_two_cells_are_shown_to_only_one_of_two_sign_ins_asking_at_once(
    client, runtime, alice
):
    issued = await users.issue_card(runtime.ctx, alice.username, actor="test")
    async with runtime.ctx.uow() as uow:
        await uow.cards.mark_asked(issued.card_id, card.all_labels()[:98], at=datetime.now(UTC))
        await uow.commit()
    logins = [await started_login(client, alice) for _ in range(4)]
    answers = await asyncio.gather(*(challenge(client, login_id, "card") for login_id in logins))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409], [a.text for a in answers]
    shown = next(a for a in answers if a.status_code == 200)
    assert shown.json()["cells"] == card.all_labels()[98:]


# --- web sessions and CSRF -----------------------------------------------------------------
async def test_web_cookie_requests_that_change_state_need_the_csrf_token(
    client, base_url, alice, clock
):
    body = await full_signin(client, alice, clock, platform="web")
    assert body["token"] is None
    assert (await client.get("/v1/api/sessions")).status_code == 200  # reads need no token
    missing = await client.post("/v1/api/tickle")
    assert missing.status_code == 403
    assert missing.json()["error"] == "csrf_failed"
    forged = await client.post("/v1/api/tickle", headers={"X-CSRF-Token": "0" * 64})
    assert forged.status_code == 403
    assert forged.json()["error"] == "csrf_failed"
    # the token of another web session of the same user does not do either
    async with httpx.AsyncClient(base_url=base_url) as other_browser:
        other = await full_signin(other_browser, alice, clock, platform="web")
    crossed = await client.post("/v1/api/tickle", headers={"X-CSRF-Token": other["csrf_token"]})
    assert crossed.status_code == 403
    ok = await client.post("/v1/api/tickle", headers={"X-CSRF-Token": body["csrf_token"]})
    assert ok.status_code == 200, ok.text
    # bearer sessions (every other platform) need none
    phone = await full_signin(client, alice, clock, platform="mobile")
    assert (await client.post("/v1/api/tickle", headers=bearer(phone["token"]))).status_code == 200
    out = await client.post("/v1/api/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert out.status_code == 200
    assert (await client.get("/v1/api/me")).status_code == 401


# --- environments --------------------------------------------------------------------------
async def test_each_environment_takes_only_its_own_credentials_and_sees_its_own_account(
    client, alice, clock
):
    for typed, chosen in [("paper", "live"), ("live", "paper")]:
        username, password = credentials(alice, typed)
        refused = await login(client, username, password, environment=chosen)
        assert refused.status_code == 409
        assert refused.json()["error"] == "wrong_environment"
        assert typed in refused.json()["message"].lower()

    live = await full_signin(client, alice, clock, environment="live")
    paper = await full_signin(client, alice, clock, environment="paper")
    assert live["accounts"] == [alice.live_account]
    assert paper["accounts"] == [alice.paper_account]
    assert alice.paper_account == "D" + alice.live_account
    me = await client.get("/v1/api/me", headers=bearer(paper["token"]))
    assert me.json()["accounts"] == [alice.paper_account]
    assert me.json()["username"] == alice.paper_username


async def test_the_portal_alias_signs_in_too(client, alice, clock):
    started = await client.post(
        "/v1/portal/auth/login",
        json={"username": alice.username, "password": alice.password, "platform": "gateway"},
    )
    assert started.status_code == 200, started.text
    code = totp.code_at(alice.totp_secret, at=clock.now())
    done = await client.post(
        f"/v1/portal/auth/login/{started.json()['login_id']}/verify",
        json={"factor": "totp", "code": code},
    )
    assert done.status_code == 200, done.text
    status = await client.get(f"/v1/portal/auth/login/{started.json()['login_id']}")
    assert status.json()["state"] == "completed"
