"""Step-up: changing how one signs in needs a password + second factor within five minutes
(NIST SP 800-63B §6.1); each change is announced in the message center and by e-mail, and
audited. A step-up's sign-in attempt confirms its own session and opens none."""

from __future__ import annotations

import pytest
from tests.support.mail import body_of, smtp_server
from tests.support.signin import bearer, full_signin, verify

from gatehouse.domain.identity.factors import totp

STALE = 6 * 60  # seconds: past the five-minute window


@pytest.fixture
def mailbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings_overrides(mailbox):
    return {"smtp_host": mailbox.host, "smtp_port": mailbox.port}


async def age(client, headers, clock) -> None:
    """Six minutes pass, the session kept alive (its idle timeout may be shorter)."""
    for _ in range(STALE // 60):
        clock.advance(60)
        assert (await client.post("/v1/api/tickle", headers=headers)).status_code == 200


def code(user, clock) -> str:
    clock.advance(30)
    return totp.code_at(user.totp_secret, at=clock.now())


CHANGES = [
    ("POST", "/v1/api/me/totp", None),
    ("POST", "/v1/api/me/card", None),
    ("POST", "/v1/api/me/phone", {"phone": "+15550001111"}),
    ("POST", "/v1/api/key/activations", None),
    ("DELETE", "/v1/api/key/devices/nope", None),
    ("DELETE", "/v1/api/me/passkeys/nope", None),
    ("POST", "/v1/api/me/password", {"current": "x", "new": "Another-Long-Phrase-42"}),
    (
        "PUT",
        "/v1/api/me/security-questions",
        {
            "password": "x",
            "questions": [
                {"question": q, "answer": f"answer number {n}"}
                for n, q in enumerate(("first_school", "childhood_street", "first_pet"))
            ],
        },
    ),
]


async def test_changes_need_a_recent_full_authentication(client, runtime, alice, clock, mailbox):
    session = await full_signin(client, alice, clock)
    headers = bearer(session["token"])
    assert (await client.post("/v1/api/me/card", headers=headers)).status_code == 200  # fresh
    await mailbox.wait_for(1)

    await age(client, headers, clock)
    for method, path, body in CHANGES:
        refused = await client.request(method, path, json=body, headers=headers)
        assert (refused.status_code, refused.json()["error"]) == (401, "reauth_required"), path

    wrong = await client.post("/v1/api/me/step-up", json={"password": "nope"}, headers=headers)
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_credentials")
    started = await client.post(
        "/v1/api/me/step-up", json={"password": alice.password}, headers=headers
    )
    assert started.status_code == 200, started.text
    login_id = started.json()["login_id"]
    assert "totp" in started.json()["factors"] and "push" not in started.json()["factors"]
    # the step-up's attempt opens no session through the sign-in endpoints
    assert (await verify(client, login_id, "totp", code(alice, clock))).status_code == 404
    url = f"/v1/api/me/step-up/{login_id}/verify"
    bad = await client.post(url, json={"factor": "totp", "code": "000000"}, headers=headers)
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_code")
    push = await client.post(url, json={"factor": "push", "code": "1"}, headers=headers)
    assert push.json()["error"] == "factor_unavailable"
    done = await client.post(
        url, json={"factor": "totp", "code": code(alice, clock)}, headers=headers
    )
    assert done.json() == {"reauthenticated": True, "valid_for": 300}
    again = await client.post(
        url, json={"factor": "totp", "code": code(alice, clock)}, headers=headers
    )
    assert again.status_code == 404  # used once

    issued = await client.post("/v1/api/me/card", headers=headers)
    assert issued.status_code == 200
    threads = (await client.get("/v1/api/messages/threads", headers=headers)).json()["threads"]
    subjects = [t["subject"] for t in threads]
    assert subjects.count("Security: A new security code card was issued") == 2
    mails = await mailbox.wait_for(2)
    assert [m["To"] for m in mails] == [alice.email, alice.email]
    assert "security code card was issued" in body_of(mails[-1])
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(alice.username)
        kinds = [e.event for e in await uow.audit.for_user(user.id, limit=50)]
    assert "login.step_up" in kinds

    await age(client, headers, clock)
    late = await client.post("/v1/api/me/card", headers=headers)
    assert late.json()["error"] == "reauth_required"


async def test_a_step_up_belongs_to_the_session_that_asked(client, alice, clock):
    one = bearer((await full_signin(client, alice, clock))["token"])
    two = bearer((await full_signin(client, alice, clock))["token"])
    started = await client.post(
        "/v1/api/me/step-up", json={"password": alice.password}, headers=one
    )
    login_id = started.json()["login_id"]
    other = await client.post(
        f"/v1/api/me/step-up/{login_id}/verify",
        json={"factor": "totp", "code": code(alice, clock)},
        headers=two,
    )
    assert (other.status_code, other.json()["error"]) == (404, "login_not_found")
    for body in ({}, {"password": ""}, {"password": 5}):
        answer = await client.post("/v1/api/me/step-up", json=body, headers=one)
        assert answer.status_code in (400, 422) and answer.json()["error"] == "invalid_input"
