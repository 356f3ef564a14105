"""The endpoints the web pages added: self-service factors, passkeys, the assistant.

Every bad input gets a stable error code and changes nothing; the good paths work end to end
(passkey assertions themselves are proven in Chromium, in tests/e2e/test_web_mobile.py).
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tests.support.signin import bearer, full_signin, latest_sms_code
from tests.support.state import snapshot

from gatehouse.adapters.db.identity import tables as t
from gatehouse.adapters.db.identity import tables_passkeys as p
from gatehouse.bootstrap import Runtime
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.users import Environment, Platform
from gatehouse.service.identity import sessions


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"rate_limit_login": "1000/minute", "rate_limit_verify": "1000/minute"}


async def state(runtime: Runtime) -> dict[str, Any]:
    """Sign-in state plus what these endpoints touch: factors, pending changes, passkeys."""
    found = await snapshot(runtime)
    async with runtime.engine.connect() as conn:
        u = t.users.c
        found["factors"] = [
            tuple(r)
            for r in await conn.execute(
                select(u.phone, u.totp_secret_sealed, u.extra).order_by(u.id)
            )
        ]
        for table in (p.passkeys, p.passkey_challenges, p.device_signins):
            query = select(func.count()).select_from(table)
            found[table.name] = (await conn.execute(query)).scalar_one()
        found["active_cards"] = (
            await conn.execute(select(func.count()).where(t.code_cards.c.active.is_(True)))
        ).scalar_one()
    return found


@pytest.fixture
async def token(client: httpx.AsyncClient, alice, clock) -> str:
    body = await full_signin(client, alice, clock)
    return str(body["token"])


BAD: list[tuple[str, str, Any, int, str]] = [
    # (method, path, body, status, error)
    ("POST", "/v1/api/me/totp/confirm", {"code": "123456"}, 409, "challenge_required"),
    ("POST", "/v1/api/me/totp/confirm", {}, 400, "invalid_input"),
    ("POST", "/v1/api/me/totp/confirm", {"code": 123456}, 400, "invalid_input"),
    ("POST", "/v1/api/me/phone", {"phone": "not a phone"}, 400, "invalid_input"),
    ("POST", "/v1/api/me/phone", {"phone": ["+15550001111"]}, 400, "invalid_input"),
    ("POST", "/v1/api/me/phone/confirm", {"code": "123456"}, 410, "challenge_expired"),
    ("POST", "/v1/api/assistant", {}, 400, "invalid_input"),
    ("POST", "/v1/api/assistant", {"text": 42}, 400, "invalid_input"),
    ("POST", "/v1/api/assistant", {"text": "x" * 501}, 400, "invalid_input"),
    ("POST", "/v1/api/auth/passkey/register/options", {}, 401, "reauth_required"),
    (
        "POST",
        "/v1/api/auth/passkey/register/verify",
        {"challenge_id": "nope", "credential": {}},
        410,
        "challenge_expired",
    ),
    ("POST", "/v1/api/auth/passkey/register/verify", {"credential": {}}, 400, "invalid_input"),
    (
        "POST",
        "/v1/api/auth/passkey/verify",
        {"challenge_id": "nope", "credential": {"rawId": "AAAA"}},
        410,
        "challenge_expired",
    ),
    (
        "POST",
        "/v1/api/auth/passkey/verify",
        {"challenge_id": "nope", "credential": {"rawId": 7}},
        400,
        "invalid_input",
    ),
    ("POST", "/v1/api/auth/passkey/verify", {"challenge_id": "x"}, 400, "invalid_input"),
    ("DELETE", "/v1/api/me/passkeys/unknown", None, 404, "not_found"),
]


async def test_bad_input_gets_a_stable_error_and_changes_nothing(client, runtime, token):
    before = await state(runtime)
    for method, path, body, status, error in BAD:
        answer = await client.request(method, path, json=body, headers=bearer(token))
        assert (answer.status_code, answer.json()["error"]) == (status, error), (path, body)
        assert await state(runtime) == before, (path, body)


async def test_the_new_endpoints_need_a_session(client, runtime):
    before = await state(runtime)
    for method, path in [
        ("GET", "/v1/api/me/factors"),
        ("POST", "/v1/api/me/totp"),
        ("POST", "/v1/api/me/card"),
        ("POST", "/v1/api/me/phone"),
        ("POST", "/v1/api/me/device"),
        ("GET", "/v1/api/me/passkeys"),
        ("POST", "/v1/api/auth/passkey/register/options"),
        ("POST", "/v1/api/assistant"),
    ]:
        answer = await client.request(method, path, json={})
        assert (answer.status_code, answer.json()["error"]) == (401, "not_authenticated"), path
    assert await state(runtime) == before


async def test_web_sessions_need_the_csrf_token_to_change_factors(client, runtime, alice, clock):
    await full_signin(client, alice, clock, platform="web")
    before = await state(runtime)
    for path in ("/v1/api/me/totp", "/v1/api/me/card", "/v1/api/me/device", "/v1/api/assistant"):
        answer = await client.post(path, json={"text": "quote AAPL"})
        assert (answer.status_code, answer.json()["error"]) == (403, "csrf_failed"), path
    assert await state(runtime) == before


async def test_a_new_authenticator_counts_only_after_a_correct_code(client, runtime, alice, token):
    clock = runtime.ctx.clock
    started = (await client.post("/v1/api/me/totp", headers=bearer(token))).json()
    assert started["otpauth_uri"].startswith("otpauth://totp/Gatehouse:alice?secret=")
    assert started["qr_svg"].startswith("data:image/svg+xml")
    # the old app keeps working until the new one is confirmed
    assert (await client.get("/v1/api/me/factors", headers=bearer(token))).json()["totp"]
    wrong = await client.post(
        "/v1/api/me/totp/confirm", json={"code": "000000"}, headers=bearer(token)
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_code")
    code = totp.code_at(started["secret"], at=clock.now())
    done = await client.post("/v1/api/me/totp/confirm", json={"code": code}, headers=bearer(token))
    assert done.status_code == 200, done.text
    again = await client.post("/v1/api/me/totp/confirm", json={"code": code}, headers=bearer(token))
    assert again.json()["error"] == "challenge_required"
    alice.totp_secret = started["secret"]
    await full_signin(client, alice, clock)  # the new secret signs in


async def test_a_new_phone_number_is_saved_once_its_code_comes_back(client, runtime, token):
    sent = await client.post(
        "/v1/api/me/phone", json={"phone": "+1 555 000 2222"}, headers=bearer(token)
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["sent_to"].endswith("2222")
    wrong = await client.post(
        "/v1/api/me/phone/confirm", json={"code": "000000"}, headers=bearer(token)
    )
    assert wrong.json()["error"] == "invalid_code"
    factors = (await client.get("/v1/api/me/factors", headers=bearer(token))).json()
    assert factors["sms"]["phone"].endswith("4567")  # unchanged so far
    code = await latest_sms_code(runtime, "+15550002222")
    done = await client.post("/v1/api/me/phone/confirm", json={"code": code}, headers=bearer(token))
    assert done.status_code == 200, done.text
    factors = (await client.get("/v1/api/me/factors", headers=bearer(token))).json()
    assert factors["sms"]["phone"].endswith("2222")


async def test_a_new_code_card_comes_with_its_pdf_and_replaces_the_old(client, runtime, token):
    first = (await client.post("/v1/api/me/card", headers=bearer(token))).json()
    second = (await client.post("/v1/api/me/card", headers=bearer(token))).json()
    assert len(second["cells"]) == 100 and second["card_id"] != first["card_id"]
    assert base64.b64decode(second["pdf_base64"]).startswith(b"%PDF")
    factors = (await client.get("/v1/api/me/factors", headers=bearer(token))).json()
    assert factors["card"] == {"card_id": second["card_id"], "unused_cells": 100}


async def test_the_device_is_remembered_only_after_a_full_sign_in(client, runtime, token):
    answer = await client.post("/v1/api/me/device", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["passkeys"] == 0
    assert "gatehouse_device=" in answer.headers["set-cookie"]
    assert "HttpOnly" in answer.headers["set-cookie"]
    # the client keeps the device cookie, as a browser does
    options = await client.post("/v1/api/auth/passkey/register/options", headers=bearer(token))
    assert options.status_code == 200, options.text
    public_key = options.json()["publicKey"]
    assert public_key["authenticatorSelection"]["userVerification"] == "required"
    assert public_key["rp"]["id"] == "127.0.0.1"


async def test_unlocking_with_a_passkey_nobody_registered_is_refused(client, runtime):
    options = (await client.post("/v1/api/auth/passkey/options")).json()
    assert options["publicKey"]["userVerification"] == "required"
    before = await state(runtime)
    answer = await client.post(
        "/v1/api/auth/passkey/verify",
        json={"challenge_id": options["challenge_id"], "credential": {"rawId": "AAAAAAAA"}},
    )
    assert (answer.status_code, answer.json()["error"]) == (401, "passkey_rejected")
    before["passkey_challenges"] -= 1  # the challenge was used up, nothing else changed
    assert await state(runtime) == before
    reused = await client.post(
        "/v1/api/auth/passkey/verify",
        json={"challenge_id": options["challenge_id"], "credential": {"rawId": "AAAAAAAA"}},
    )
    assert reused.json()["error"] == "challenge_expired"


@pytest.mark.parametrize(
    ("text", "intent"),
    [("quote AAPL", "quote"), ("what's my buying power", "account"), ("buy 10 MSFT", "order")],
)
async def test_the_assistant_answers_with_a_typed_intent(client, token, text, intent):
    answer = await client.post("/v1/api/assistant", json={"text": text}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["intent"] == intent


async def test_only_a_full_sign_in_renews_the_device_not_a_passkey_session(client, runtime, alice):
    # a session opened without a password and second factor (as a passkey unlock opens one)
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(alice.username)
        grant = await sessions.create(
            runtime.ctx,
            uow,
            user,
            platform=Platform.MOBILE,
            environment=Environment.LIVE,
            device_name="Phone",
            client_address="127.0.0.1",
            user_agent="test",
        )
        await uow.commit()
    before = await state(runtime)
    answer = await client.post("/v1/api/me/device", headers=bearer(grant.token))
    assert (answer.status_code, answer.json()["error"]) == (401, "reauth_required")
    assert await state(runtime) == before
