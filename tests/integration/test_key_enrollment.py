"""Key enrollment over real HTTP: activation codes, the device's key pair, the TOTP seed."""

from __future__ import annotations

from types import SimpleNamespace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from tests.support.access import activation_code, enroll_with, session_token, snapshot
from tests.support.signin import bearer, login, started_login, verify
from tests.support.state import audit_events

from gatehouse.adapters.db.identity import tables_key
from gatehouse.clients.sdk.key_client import public_key_text
from gatehouse.domain.identity.factors import totp
from gatehouse.service.identity import key_devices, users


async def test_a_device_enrolls_with_an_activation_code_once(client, runtime, alice, clock):
    token = await session_token(client, alice, clock)
    activation = await activation_code(client, token)
    assert activation["expires_in"] == 600
    assert activation["uri"].startswith("gatehouse-key://enroll?")
    assert activation["qr_svg"].startswith("<svg")
    code = activation["code"]
    assert len(code) == 14 and code.count("-") == 2

    device = await enroll_with(client, code.lower().replace("-", " "))  # typed loosely
    # the device gets the account's TOTP seed: it shows the same codes as any app
    assert device.totp_secret == alice.totp_secret
    assert device.body["username"] == alice.username
    assert device.body["otpauth_uri"].startswith("otpauth://totp/")

    listed = await client.get("/v1/api/key/devices", headers=bearer(token))
    assert [d["device_id"] for d in listed.json()["devices"]] == [device.device_id]
    assert "push" in (await login(client, alice.username, alice.password)).json()["factors"]
    assert "key.enrolled" in await audit_events(runtime)

    again = await client.post(
        "/v1/api/key/devices",
        json={"code": code, "public_key": public_key_text(Ed25519PrivateKey.generate())},
    )
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_activation_code"
    # only a keyed hash of the code is stored
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(tables_key.key_activations))).all()
    assert rows and all(code.replace("-", "") not in repr(tuple(r)) for r in rows)


async def test_an_activation_code_lasts_ten_minutes_and_a_new_one_replaces_it(client, alice, clock):
    token = await session_token(client, alice, clock)
    first = (await activation_code(client, token))["code"]
    second = (await activation_code(client, token))["code"]
    key = public_key_text(Ed25519PrivateKey.generate())
    replaced = await client.post("/v1/api/key/devices", json={"code": first, "public_key": key})
    assert replaced.json()["error"] == "invalid_activation_code"
    clock.advance(600)
    expired = await client.post("/v1/api/key/devices", json={"code": second, "public_key": key})
    assert expired.status_code == 401
    assert expired.json()["error"] == "invalid_activation_code"


async def test_enrolling_gives_an_account_without_totp_its_first_seed(client, runtime, clock):
    await users.create(
        runtime.ctx,
        username="bob",
        password="Correct-Horse-42-battery",
        email="bob@example.com",
        phone="+15557654321",
    )
    issued = await key_devices.issue_reenrollment(runtime.ctx, "bob", actor="test")
    device = await enroll_with(client, issued["code"])
    bob = SimpleNamespace(username="bob", password="Correct-Horse-42-battery")
    login_id = await started_login(client, bob)
    done = await verify(client, login_id, "totp", totp.code_at(device.totp_secret, at=clock.now()))
    assert done.status_code == 200, done.text


async def test_bad_enrollments_are_refused_and_change_nothing(client, runtime, alice, clock):
    token = await session_token(client, alice, clock)
    code = (await activation_code(client, token))["code"]
    key = public_key_text(Ed25519PrivateKey.generate())
    cases = [
        ({"code": "not a code", "public_key": key}, 401, "invalid_activation_code"),
        ({"code": "ABCD-EFGH-JKMN", "public_key": key}, 401, "invalid_activation_code"),
        ({"code": code, "public_key": "not base64!"}, 400, "invalid_input"),
        ({"code": code, "public_key": "AAAA"}, 400, "invalid_input"),
        ({"code": code}, 400, "invalid_input"),
        ({"code": 12345, "public_key": key}, 400, "invalid_input"),
        ({"code": code, "public_key": key, "name": 7}, 400, "invalid_input"),
        ([], 400, "invalid_input"),
    ]
    before = await snapshot(runtime)
    for body, status, error in cases:
        refused = await client.post("/v1/api/key/devices", json=body)
        assert refused.status_code == status, (body, refused.text)
        assert refused.json()["error"] == error, (body, refused.text)
    unknown = await client.delete("/v1/api/key/devices/nope", headers=bearer(token))
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    assert await snapshot(runtime) == before
    await enroll_with(client, code)  # the code still works afterwards


async def test_key_endpoints_for_users_need_a_session(client):
    for method, path in [
        ("POST", "/v1/api/key/activations"),
        ("GET", "/v1/api/key/devices"),
        ("DELETE", "/v1/api/key/devices/abc"),
    ]:
        answer = await client.request(method, path)
        assert answer.status_code == 401
        assert answer.json()["error"] == "not_authenticated"
