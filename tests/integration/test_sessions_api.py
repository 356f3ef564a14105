"""Sessions over real HTTP: keep-alive, idle and absolute expiry per platform, listing, sign-out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.conftest import make_user
from tests.support.signin import bearer, full_signin, login, verify

from gatehouse.domain.identity.factors import totp
from gatehouse.service.identity import users
from gatehouse.settings import Settings

LIMITS = Settings().session_limits()
PLATFORMS = ["web", "workstation", "mobile", "gateway"]
NEW_PASSWORD = "Staple-Orbit-77-lantern"


def auth(session: dict[str, Any]) -> dict[str, str]:
    """Headers for a request on this session: a bearer token, or the web CSRF token."""
    if session["platform"] == "web":
        return {"X-CSRF-Token": session["csrf_token"]}
    return bearer(session["token"])


async def tickle(client: httpx.AsyncClient, session: dict[str, Any]) -> httpx.Response:
    return await client.post("/v1/api/tickle", headers=auth(session))


async def is_refused(client: httpx.AsyncClient, session: dict[str, Any]) -> bool:
    answer = await client.get("/v1/api/me", headers=auth(session))
    if answer.status_code == 401:
        assert answer.json()["error"] in ("session_expired", "not_authenticated")
        return True
    assert answer.status_code == 200, answer.text
    return False


# Lifetimes shortened so a busy session reaches its end in a few keep-alives; each is still
# more than three idle periods, so idle expiry is seen first when a session goes quiet.
SHORT_LIFETIMES = {
    "web_lifetime_minutes": 120,
    "workstation_lifetime_minutes": 480,
    "mobile_lifetime_minutes": 60,
    "gateway_lifetime_minutes": 30,
}


@pytest.mark.parametrize("settings_overrides", [SHORT_LIFETIMES])
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_idle_and_absolute_expiry_per_platform(client, alice, clock, platform):
    # a quiet session ends after the platform's idle timeout; a tickle moves that deadline
    session = await full_signin(client, alice, clock, platform=platform)
    idle = LIMITS[platform].idle_seconds
    assert session["idle_timeout"] == idle
    clock.advance(idle - 1)
    kept = await tickle(client, session)
    assert kept.status_code == 200, kept.text
    assert kept.json()["session"].startswith(session["session_id"] + ".")  # socket ticket
    assert kept.json()["ssoExpires"] == idle * 1000  # a whole idle period from now
    clock.advance(idle - 1)  # past the first deadline: the tickle moved it
    assert not await is_refused(client, session)
    clock.advance(idle)
    expired = await tickle(client, session)
    assert expired.status_code == 401
    assert expired.json()["error"] == "session_expired"
    assert await is_refused(client, session)  # and it stays ended

    # a busy session ends at its absolute lifetime, however often it is used
    session = await full_signin(client, alice, clock, platform=platform)
    deadline = clock.now() + timedelta(minutes=SHORT_LIFETIMES[f"{platform}_lifetime_minutes"])
    assert datetime.fromisoformat(session["expires_at"]) == deadline
    step = timedelta(seconds=idle - 60)
    while clock.now() + step < deadline:
        clock.advance(step.total_seconds())
        assert (await tickle(client, session)).status_code == 200
    clock.set(deadline - timedelta(seconds=1))
    last = await tickle(client, session)
    assert last.status_code == 200
    assert last.json()["ssoExpires"] == 1000  # the lifetime, not the idle timeout, is next
    clock.advance(1)
    ended = await tickle(client, session)
    assert ended.status_code == 401
    assert ended.json()["error"] == "session_expired"


async def test_the_session_list_describes_each_session(client, alice, clock):
    phone = await signin_from_device(client, alice, clock, "mobile", "Alice's phone")
    paper = await full_signin(client, alice, clock, platform="gateway", environment="paper")
    laptop = await full_signin(client, alice, clock, platform="workstation")
    clock.advance(20)
    await tickle(client, phone)

    listed = await client.get("/v1/api/sessions", headers=bearer(laptop["token"]))
    assert listed.status_code == 200
    found = {s["session_id"]: s for s in listed.json()["sessions"]}
    assert set(found) == {phone["session_id"], paper["session_id"], laptop["session_id"]}
    mobile = found[phone["session_id"]]
    assert mobile["platform"] == "mobile"
    assert mobile["environment"] == "live"
    assert mobile["device_name"] == "Alice's phone"
    assert mobile["address"] == "127.0.0.1"
    assert mobile["current"] is False
    assert datetime.fromisoformat(mobile["last_seen_at"]) > datetime.fromisoformat(
        mobile["created_at"]
    )
    assert found[paper["session_id"]]["environment"] == "paper"
    assert found[paper["session_id"]]["accounts"] == [alice.paper_account]
    assert found[laptop["session_id"]]["current"] is True
    assert [s["current"] for s in listed.json()["sessions"]].count(True) == 1
    assert all("token" not in s for s in listed.json()["sessions"])


async def signin_from_device(client, user, clock, platform: str, device: str) -> dict[str, Any]:
    started = await client.post(
        "/v1/api/auth/login",
        json={
            "username": user.username,
            "password": user.password,
            "platform": platform,
            "device_name": device,
        },
    )
    clock.advance(30)
    code = totp.code_at(user.totp_secret, at=clock.now())
    done = await verify(client, started.json()["login_id"], "totp", code)
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


async def test_ending_another_session(client, runtime, alice, clock):
    mine = await full_signin(client, alice, clock, platform="workstation")
    other = await full_signin(client, alice, clock, platform="mobile")
    assert not await is_refused(client, other)  # cached as signed in on this node
    ended = await client.delete(f"/v1/api/sessions/{other['session_id']}", headers=auth(mine))
    assert ended.status_code == 200
    assert ended.json() == {"ended": other["session_id"]}
    assert await is_refused(client, other)
    assert not await is_refused(client, mine)
    again = await client.delete(f"/v1/api/sessions/{other['session_id']}", headers=auth(mine))
    assert again.status_code == 404
    listed = await client.get("/v1/api/sessions", headers=auth(mine))
    assert [s["session_id"] for s in listed.json()["sessions"]] == [mine["session_id"]]

    # nobody can end someone else's session: it is "not found" to them
    bob = await make_user(runtime, "bob")
    bobs = await full_signin(client, bob, clock)
    refused = await client.delete(f"/v1/api/sessions/{mine['session_id']}", headers=auth(bobs))
    assert refused.status_code == 404
    assert refused.json()["error"] == "not_found"
    assert not await is_refused(client, mine)


async def test_logout_ends_the_session(client, alice, clock):
    for platform in ("web", "mobile"):
        session = await full_signin(client, alice, clock, platform=platform)
        out = await client.post("/v1/api/logout", headers=auth(session))
        assert out.status_code == 200
        if platform == "web":
            cleared = out.headers["set-cookie"]
            assert cleared.startswith("gatehouse_session=")
            assert "Max-Age=0" in cleared
        assert await is_refused(client, session)
        assert (await client.post("/v1/api/logout", headers=auth(session))).status_code == 401


async def test_sign_out_everywhere(client, alice, clock):
    sessions = [await full_signin(client, alice, clock, platform=p) for p in PLATFORMS[1:]]
    paper = await full_signin(client, alice, clock, environment="paper")
    ended = await client.post("/v1/api/sessions/end-all", headers=auth(sessions[0]))
    assert ended.status_code == 200
    assert ended.json() == {"ended": 4}
    for session in [*sessions, paper]:
        assert await is_refused(client, session)

    # and everywhere else: the session asking stays
    mine, *others = [await full_signin(client, alice, clock, platform=p) for p in PLATFORMS[1:]]
    ended = await client.post("/v1/api/sessions/end-all?keep_current=true", headers=auth(mine))
    assert ended.json() == {"ended": 2}
    assert not await is_refused(client, mine)
    for session in others:
        assert await is_refused(client, session)
    listed = await client.get("/v1/api/sessions", headers=auth(mine))
    assert [s["session_id"] for s in listed.json()["sessions"]] == [mine["session_id"]]


async def test_a_web_session_signs_out_everywhere_with_its_csrf_token(client, alice, clock):
    web = await full_signin(client, alice, clock, platform="web")
    phone = await full_signin(client, alice, clock, platform="mobile")
    refused = await client.post("/v1/api/sessions/end-all")
    assert refused.status_code == 403
    assert not await is_refused(client, phone)
    ended = await client.post("/v1/api/sessions/end-all", headers=auth(web))
    assert ended.json() == {"ended": 2}
    assert await is_refused(client, phone)


async def test_the_mobile_idle_timeout_can_be_lengthened_within_bounds(
    client, runtime, alice, clock
):
    phone = await full_signin(client, alice, clock, platform="mobile")
    gateway = await full_signin(client, alice, clock, platform="gateway")
    mobile = LIMITS["mobile"]
    for wanted in (mobile.min_idle_seconds - 1, mobile.max_idle_seconds + 1):
        refused = await client.put(
            "/v1/api/me/idle-timeout", json={"idle_timeout": wanted}, headers=auth(phone)
        )
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_input"
        assert "between 5 and 240 minutes" in refused.json()["message"]
    for edge in (mobile.min_idle_seconds, mobile.max_idle_seconds):
        ok = await client.put(
            "/v1/api/me/idle-timeout", json={"idle_timeout": edge}, headers=auth(phone)
        )
        assert ok.json() == {"idle_timeout": edge}

    chosen = 3600
    ok = await client.put(
        "/v1/api/me/idle-timeout", json={"idle_timeout": chosen}, headers=auth(phone)
    )
    assert ok.status_code == 200
    me = await client.get("/v1/api/me", headers=auth(phone))
    assert me.json()["idle_timeout"] == chosen
    # the open phone session lives on past the old 15 minutes; other platforms do not change
    clock.advance(chosen - 1)
    assert not await is_refused(client, phone)
    assert await is_refused(client, gateway)
    # new phone sessions get the chosen timeout too
    later = await full_signin(client, alice, clock, platform="mobile")
    assert later["idle_timeout"] == chosen
    assert "session.idle_timeout_changed" in [
        e["event"]
        for e in (await client.get("/v1/api/me/activity", headers=auth(later))).json()["activity"]
    ]


async def test_a_password_change_ends_every_session(client, runtime, alice, clock):
    sessions = [await full_signin(client, alice, clock, platform=p) for p in PLATFORMS[1:]]
    ended = await users.set_password(runtime.ctx, alice.username, NEW_PASSWORD, actor="user")
    assert ended == 3
    for session in sessions:
        assert await is_refused(client, session)
    assert (await login(client, alice.username, alice.password)).status_code == 401
    alice.password = NEW_PASSWORD
    fresh = await full_signin(client, alice, clock)
    activity = (await client.get("/v1/api/me/activity", headers=auth(fresh))).json()["activity"]
    reasons = [e["detail"].get("reason") for e in activity if e["event"] == "session.ended"]
    assert reasons == ["password_changed"] * 3


async def test_the_portal_alias_serves_the_session_endpoints(client, alice, clock):
    session = await full_signin(client, alice, clock, platform="gateway")
    headers = bearer(session["token"])
    assert (await client.post("/v1/portal/tickle", headers=headers)).status_code == 200
    listed = await client.get("/v1/portal/sessions", headers=headers)
    assert [s["session_id"] for s in listed.json()["sessions"]] == [session["session_id"]]
    assert (await client.get("/v1/portal/me", headers=headers)).status_code == 200
    assert (await client.post("/v1/portal/logout", headers=headers)).status_code == 200
    assert (await client.get("/v1/api/me", headers=headers)).status_code == 401
