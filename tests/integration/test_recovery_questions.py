"""Recovery by security questions — never alone: all three answers and a TOTP or SMS code."""

from __future__ import annotations

from datetime import timedelta

from tests.support.access import sms_code_when_sent, snapshot
from tests.support.signin import bearer, full_signin, login

from gatehouse.domain.identity.factors import totp

NEW_PASSWORD = "Fresh-Meadow-73-lantern"
CHOSEN = [
    {"question": "first_pet", "answer": "Rex the Dog"},
    {"question": "childhood_street", "answer": "Elm  Street"},
    {"question": "first_job", "answer": "paper-boy!"},
]
GIVEN = ["rex THE dog", "elm street.", "Paper boy"]  # case, spacing and punctuation differ


async def set_questions(client, user, clock) -> str:
    token = (await full_signin(client, user, clock))["token"]
    answer = await client.put(
        "/v1/api/me/security-questions",
        json={"password": user.password, "questions": CHOSEN},
        headers=bearer(token),
    )
    assert answer.status_code == 200, answer.text
    return str(token)


async def start(client, username: str) -> dict:
    answer = await client.post("/v1/api/recovery/questions", json={"username": username})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_answers_and_an_authenticator_code_give_a_reset_token(client, runtime, alice, clock):
    token = await set_questions(client, alice, clock)
    mine = await client.get("/v1/api/me/security-questions", headers=bearer(token))
    assert [q["id"] for q in mine.json()["questions"]] == [c["question"] for c in CHOSEN]

    started = await start(client, alice.username)
    assert [q["id"] for q in started["questions"]] == [c["question"] for c in CHOSEN]
    assert started["factors"] == ["totp", "sms"]
    clock.advance(30)
    code = totp.code_at(alice.totp_secret, at=clock.now())
    passed = await client.post(
        f"/v1/api/recovery/questions/{started['recovery_id']}/verify",
        json={"answers": GIVEN, "factor": "totp", "code": code},
    )
    assert passed.status_code == 200, passed.text
    reset = await client.post(
        "/v1/api/recovery/password/reset",
        json={"token": passed.json()["reset_token"], "password": NEW_PASSWORD},
    )
    assert reset.status_code == 200, reset.text
    assert (await login(client, alice.username, NEW_PASSWORD)).status_code == 200
    # the attempt is over; the TOTP code it used is used up
    over = await client.post(
        f"/v1/api/recovery/questions/{started['recovery_id']}/verify",
        json={"answers": GIVEN, "factor": "totp", "code": code},
    )
    assert over.status_code == 404
    assert over.json()["error"] == "recovery_not_found"


async def test_answers_and_an_sms_code_give_a_reset_token(client, runtime, alice, clock):
    await set_questions(client, alice, clock)
    started = await start(client, alice.username)
    sent = await client.post(f"/v1/api/recovery/questions/{started['recovery_id']}/sms")
    assert sent.status_code == 202
    assert sent.json() == {"sent": True, "expires_in": 300}
    code = await sms_code_when_sent(runtime, alice.phone)
    passed = await client.post(
        f"/v1/api/recovery/questions/{started['recovery_id']}/verify",
        json={"answers": GIVEN, "factor": "sms", "code": code},
    )
    assert passed.status_code == 200, passed.text
    assert len(passed.json()["reset_token"]) >= 40


async def test_answers_alone_or_a_code_alone_are_not_enough(client, runtime, alice, clock):
    await set_questions(client, alice, clock)
    started = await start(client, alice.username)
    verify = f"/v1/api/recovery/questions/{started['recovery_id']}/verify"
    right = totp.code_at(alice.totp_secret, at=clock.now() + timedelta(seconds=60))
    wrong_answers = ["rex", "elm street", "paper boy"]
    attempts = [
        {"answers": wrong_answers, "factor": "totp", "code": right},  # a right code
        {"answers": GIVEN, "factor": "totp", "code": "000000"},  # right answers
        {"answers": GIVEN, "factor": "sms", "code": "123456"},  # no SMS was sent
    ]
    clock.advance(60)
    for body in attempts:
        refused = await client.post(verify, json=body)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"] == "recovery_failed"
        assert "answers or the code" in refused.json()["message"]
    # three failures end the attempt
    ended = await client.post(verify, json=attempts[1])
    assert ended.json()["error"] == "recovery_not_found"
    activity = await client.get(
        "/v1/api/me/activity", headers=bearer((await full_signin(client, alice, clock))["token"])
    )
    assert "recovery.questions_failed" in [e["event"] for e in activity.json()["activity"]]


async def test_an_unknown_account_gets_believable_questions_and_never_passes(
    client, runtime, alice, clock
):
    first, again = await start(client, "nobody"), await start(client, "nobody")
    assert first["questions"] == again["questions"] and len(first["questions"]) == 3
    assert first["factors"] == ["totp", "sms"]
    # alice has no questions yet: she looks the same as an unknown name
    assert len((await start(client, alice.username))["questions"]) == 3
    sent = await client.post(f"/v1/api/recovery/questions/{first['recovery_id']}/sms")
    assert sent.json() == {"sent": True, "expires_in": 300}
    async with runtime.ctx.uow() as uow:
        assert await uow.sms_outbox.latest(limit=5) == []
    refused = await client.post(
        f"/v1/api/recovery/questions/{first['recovery_id']}/verify",
        json={"answers": ["a1x", "b2y", "c3z"], "factor": "totp", "code": "123456"},
    )
    assert refused.json()["error"] == "recovery_failed"


async def test_bad_question_settings_and_recovery_input_change_nothing(
    client, runtime, alice, clock
):
    token = (await full_signin(client, alice, clock))["token"]
    started = await start(client, "nobody")
    verify = f"/v1/api/recovery/questions/{started['recovery_id']}/verify"
    put = "/v1/api/me/security-questions"
    good = {"password": alice.password, "questions": CHOSEN}
    two = CHOSEN[:2]
    nope = "/v1/api/recovery/questions/nope"
    cases = [
        ("PUT", put, {**good, "questions": CHOSEN[:2]}, 400, "invalid_input"),
        ("PUT", put, {**good, "questions": [CHOSEN[0]] * 3}, 400, "invalid_input"),
        (
            "PUT",
            put,
            {**good, "questions": [*two, {"question": "x", "answer": "yes"}]},
            400,
            "invalid_input",
        ),
        (
            "PUT",
            put,
            {**good, "questions": [*two, {"question": "first_car", "answer": "?!"}]},
            400,
            "invalid_input",
        ),
        (
            "PUT",
            put,
            {**good, "questions": [*two, {"question": "first_car", "answer": "Rex the dog"}]},
            400,
            "invalid_input",
        ),
        ("PUT", put, {**good, "password": "Wrong-Password-99"}, 401, "invalid_credentials"),
        ("PUT", put, {"questions": CHOSEN}, 400, "invalid_input"),
        ("POST", "/v1/api/recovery/questions", {"username": ""}, 400, "invalid_input"),
        ("POST", "/v1/api/recovery/questions", {}, 400, "invalid_input"),
        (
            "POST",
            verify,
            {"answers": ["a", "b"], "factor": "totp", "code": "1"},
            400,
            "invalid_input",
        ),
        ("POST", verify, {"answers": GIVEN, "factor": "card", "code": "1"}, 400, "invalid_input"),
        ("POST", verify, {"answers": GIVEN, "factor": "totp"}, 400, "invalid_input"),
        (
            "POST",
            f"{nope}/verify",
            {"answers": GIVEN, "factor": "totp", "code": "1"},
            404,
            "recovery_not_found",
        ),
        ("POST", f"{nope}/sms", None, 404, "recovery_not_found"),
    ]
    before = await snapshot(runtime)
    for method, path, body, status, error in cases:
        answer = await client.request(method, path, json=body, headers=bearer(token))
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["error"] == error, (body, answer.text)
    after = await snapshot(runtime)
    # only the wrong current password counted, as a failed sign-in would
    assert {k: v for k, v in after.items() if k not in ("throttles", "audit")} == {
        k: v for k, v in before.items() if k not in ("throttles", "audit")
    }
