"""A temporary password from support: the session it opens may only change it."""

from __future__ import annotations

from tests.support.access import snapshot
from tests.support.signin import bearer, full_signin, latest_sms_code, login, verify

from gatehouse.service.support import console as support

NEW_PASSWORD = "Fresh-Meadow-73-lantern"


async def test_a_temporary_password_must_be_changed_before_anything_else(
    client, runtime, alice, clock
):
    old = await full_signin(client, alice, clock)
    issued = await support.temporary_password(runtime.ctx, alice.username, actor="support:sam")
    assert issued["sessions_ended"] == 1 and issued["must_change"] is True
    temporary = issued["temporary_password"]
    assert (await client.get("/v1/api/me", headers=bearer(old["token"]))).status_code == 401

    started = await login(client, alice.username, temporary)
    assert started.json()["password_change_required"] is True
    login_id = started.json()["login_id"]
    await client.post(f"/v1/api/auth/login/{login_id}/challenge", json={"factor": "sms"})
    session = await verify(client, login_id, "sms", await latest_sms_code(runtime, alice.phone))
    headers = bearer(session.json()["token"])

    for method, path in [
        ("GET", "/v1/api/sessions"),
        ("POST", "/v1/api/tickle"),
        ("GET", "/v1/api/messages/threads"),
        ("GET", "/v1/portal/sessions"),
    ]:
        refused = await client.request(method, path, headers=headers)
        assert refused.status_code == 403, path
        assert refused.json()["error"] == "password_change_required"
    assert (await client.get("/v1/api/me", headers=headers)).status_code == 200

    changed = await client.post(
        "/v1/api/me/password", json={"current": temporary, "new": NEW_PASSWORD}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"changed": True, "sessions_ended": 0}
    assert (await client.get("/v1/api/sessions", headers=headers)).status_code == 200
    again = await login(client, alice.username, NEW_PASSWORD)
    assert "password_change_required" not in again.json()


async def test_changing_a_password_needs_the_current_one_and_a_strong_new_one(
    client, runtime, alice, clock
):
    session = await full_signin(client, alice, clock)
    other = await full_signin(client, alice, clock, platform="mobile")
    headers = bearer(session["token"])
    cases = [
        ({"current": alice.password, "new": "short"}, 400, "weak_password"),
        ({"current": alice.password, "new": alice.password}, 400, "weak_password"),
        ({"current": alice.password}, 400, "invalid_input"),
        ({"current": "", "new": NEW_PASSWORD}, 400, "invalid_input"),
    ]
    await client.get("/v1/api/me", headers=headers)  # "last seen" is written now, not below
    before = await snapshot(runtime)
    for body, status, error in cases:
        refused = await client.post("/v1/api/me/password", json=body, headers=headers)
        assert refused.status_code == status, (body, refused.text)
        assert refused.json()["error"] == error
    assert await snapshot(runtime) == before
    wrong = await client.post(
        "/v1/api/me/password",
        json={"current": "Not-The-Password-1", "new": NEW_PASSWORD},
        headers=headers,
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_credentials"
    done = await client.post(
        "/v1/api/me/password",
        json={"current": alice.password, "new": NEW_PASSWORD},
        headers=headers,
    )
    assert done.json() == {"changed": True, "sessions_ended": 1}  # the other session ended
    assert (await client.get("/v1/api/me", headers=bearer(other["token"]))).status_code == 401
    assert (await client.get("/v1/api/me", headers=headers)).status_code == 200
