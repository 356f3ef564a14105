"""Gateway devices over real HTTP on both backends: registration after a fresh full sign-in,
unattended sign-in by signed nonce, scope, the full-2FA policy, revocation, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.support import gateway as gw
from tests.support.access import session_token
from tests.support.signin import bearer, full_signin
from tests.support.state import audit_events

from gatehouse.domain.identity import gateway_devices, step_up
from gatehouse.domain.identity.factors import push

ORDER = {"conid": 265598, "orderType": "MKT", "side": "BUY", "quantity": 1, "tif": "DAY"}


async def test_a_registered_gateway_signs_in_unattended_with_its_scope(
    client, runtime, alice, clock
):
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token, scope="trade", name="  bot\x00 on vps  ")
    assert gateway.body["name"] == "bot on vps"
    assert gateway.body["environment"] == "live" and gateway.body["scope"] == "trade"

    clock.advance(300)  # later: no password, no code
    signed = await gw.token_of(client, gateway)
    assert signed["platform"] == "gateway" and signed["scope"] == "trade"
    assert signed["second_factor_due"] is False
    assert signed["device_id"] == gateway.device_id
    me = await client.get("/v1/api/me", headers=bearer(signed["token"]))
    assert me.status_code == 200 and me.json()["scope"] == "trade"

    listed = (await client.get("/v1/api/devices", headers=bearer(token))).json()["devices"]
    assert [d["device_id"] for d in listed] == [gateway.device_id]
    assert listed[0]["last_used_at"] is not None and listed[0]["last_address"] == "127.0.0.1"
    events = await audit_events(runtime)
    assert "gateway.registered" in events and "gateway.signin" in events
    activity = await client.get("/v1/api/me/activity", headers=bearer(token))
    assert any(a["event"] == "gateway.signin" for a in activity.json()["activity"])
    threads = (await client.get("/v1/api/messages/threads", headers=bearer(token))).json()
    subjects = [t["subject"] for t in threads["threads"]]
    assert "Security: A gateway was registered (bot on vps, trade)" in subjects


async def test_a_read_only_gateway_gets_403_scope_on_orders_and_funding(client, alice, clock):
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token, scope="read-only")
    session = await gw.token_of(client, gateway)
    assert session["scope"] == "read-only"
    headers = bearer(session["token"])
    account = alice.live_account
    refused = [
        await client.post(
            f"/v1/api/iserver/account/{account}/orders", json={"orders": [ORDER]}, headers=headers
        ),
        await client.post("/v1/api/iserver/reply/abc", json={"confirmed": True}, headers=headers),
        await client.delete(f"/v1/api/iserver/account/{account}/order/1", headers=headers),
        await client.post(f"/v1/api/iserver/account/{account}/order/1", json={}, headers=headers),
        await client.post(
            f"/v1/api/accounts/{account}/deposits", json={"amount": "10"}, headers=headers
        ),
        await client.post(
            f"/v1/api/accounts/{account}/withdrawals", json={"amount": "10"}, headers=headers
        ),
        await client.post(
            "/v1/api/funding/transfers",
            json={"accountId": account, "direction": "deposit", "amount": "10"},
            headers=headers,
        ),
    ]
    assert [(r.status_code, r.json()["error"]) for r in refused] == [(403, "scope")] * 7
    reads = await client.get("/v1/api/portfolio/accounts", headers=headers)
    assert reads.status_code == 200
    # a trade-scoped session of the same user may move money and place the same order
    trade = bearer((await gw.token_of(client, await gw.register(client, token)))["token"])
    deposit = {"amount": "100000"}
    funded = await client.post(f"/v1/api/accounts/{account}/deposits", json=deposit, headers=trade)
    assert funded.status_code == 201, funded.text
    order = {"orders": [ORDER]}
    placed = await client.post(
        f"/v1/api/iserver/account/{account}/orders", json=order, headers=trade
    )
    assert placed.status_code == 200, placed.text


async def test_registering_needs_a_fresh_full_signin(client, runtime, alice, clock):
    token = await session_token(client, alice, clock)
    clock.advance(step_up.STEP_UP_SECONDS + 1)
    key = gw.public_key(gw.Ed25519PrivateKey.generate())
    stale = await client.post("/v1/api/devices", json={"public_key": key}, headers=bearer(token))
    assert stale.status_code == 401 and stale.json()["error"] == "reauth_required"
    fresh = await session_token(client, alice, clock)
    device_session = await gw.token_of(client, await gw.register(client, fresh))
    by_device = await client.post(
        "/v1/api/devices", json={"public_key": key}, headers=bearer(device_session["token"])
    )
    assert by_device.status_code == 401 and by_device.json()["error"] == "reauth_required"
    assert len((await gw.rows(runtime))["gateway_devices"]) == 1


async def test_revoking_ends_the_gateways_sessions_at_once(client, runtime, alice, clock):
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token)
    session = await gw.token_of(client, gateway)
    headers = bearer(session["token"])
    assert (await client.post("/v1/api/tickle", headers=headers)).status_code == 200
    other = await full_signin(client, alice, clock, platform="workstation")  # any session
    revoked = await client.delete(
        f"/v1/api/devices/{gateway.device_id}", headers=bearer(other["token"])
    )
    assert revoked.json() == {"revoked": gateway.device_id, "sessions_ended": 1}
    after = await client.post("/v1/api/tickle", headers=headers)
    assert after.status_code == 401  # no cache delay: the same request path refuses it
    again = await client.post(
        "/v1/api/auth/device/challenge", json={"device_id": gateway.device_id}
    )
    assert again.status_code == 401 and again.json()["error"] == "device_not_recognized"
    assert (await client.get("/v1/api/devices", headers=bearer(token))).json()["devices"] == []
    assert "gateway.revoked" in await audit_events(runtime)


async def test_past_the_policy_period_it_serves_read_only_until_renewed(
    client, runtime, alice, clock
):
    days = runtime.ctx.gateway.reauth_days
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token)
    due_at = datetime.fromisoformat(gateway.body["second_factor_due_at"])
    clock.advance(days * 86400 - 3600)  # an hour before the deadline
    near = await gw.token_of(client, gateway)
    assert near["scope"] == "trade" and near["second_factor_due"] is False
    assert datetime.fromisoformat(near["expires_at"]) == due_at  # capped at the deadline
    clock.advance(3601)
    late = await gw.token_of(client, gateway)
    assert late["scope"] == "read-only" and late["second_factor_due"] is True
    assert (await client.post("/v1/api/tickle", headers=bearer(near["token"]))).status_code == 401
    # a full sign-in (password and second factor) renews the device
    fresh = await session_token(client, alice, clock)
    renewed = await client.post(f"/v1/api/devices/{gateway.device_id}/renew", headers=bearer(fresh))
    assert renewed.status_code == 200, renewed.text
    assert datetime.fromisoformat(renewed.json()["second_factor_due_at"]) > clock.now()
    again = await gw.token_of(client, gateway)
    assert again["scope"] == "trade" and again["second_factor_due"] is False
    # a device session cannot renew itself
    refused = await client.post(
        f"/v1/api/devices/{gateway.device_id}/renew", headers=bearer(again["token"])
    )
    assert refused.status_code == 401 and refused.json()["error"] == "reauth_required"


async def test_after_the_sessions_lifetime_the_gateway_signs_in_again(
    client, runtime, alice, clock
):
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token)
    first = await gw.token_of(client, gateway)
    headers = bearer(first["token"])
    lifetime = (datetime.fromisoformat(first["expires_at"]) - clock.now()).total_seconds()
    steps = int((lifetime - 1) // 300)
    for _ in range(steps):  # kept alive by tickles up to its absolute lifetime
        clock.advance(300)
        assert (await client.post("/v1/api/tickle", headers=headers)).status_code == 200
    clock.advance(lifetime - steps * 300)
    expired = await client.post("/v1/api/tickle", headers=headers)
    assert expired.status_code == 401 and expired.json()["error"] == "session_expired"
    second = await gw.token_of(client, gateway)
    assert (await client.post("/v1/api/tickle", headers=bearer(second["token"]))).status_code == 200


async def test_bad_device_signins_are_refused_counted_and_change_nothing(
    client, runtime, alice, clock
):
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token)
    other = gw.Ed25519PrivateKey.generate()
    before = await gw.rows(runtime)
    cases = [
        ({}, 400, "invalid_input"),
        ({"device_id": 7}, 400, "invalid_input"),
        ({"device_id": ""}, 400, "invalid_input"),
        ({"device_id": "x" * 65}, 400, "invalid_input"),
        ({"device_id": "0" * 24}, 401, "device_not_recognized"),
    ]
    for body, status, code in cases:
        answer = await client.post("/v1/api/auth/device/challenge", json=body)
        assert (answer.status_code, answer.json()["error"]) == (status, code), body
    no_nonce = await client.post(
        "/v1/api/auth/device/verify", json={"device_id": gateway.device_id, "signature": "AA"}
    )
    assert no_nonce.status_code == 410 and no_nonce.json()["error"] == "challenge_expired"
    assert await gw.rows(runtime) == before
    issued = await gw.nonce(client, gateway.device_id)
    forged = push.encode(other.sign(gateway_devices.signin_payload(issued, gateway.device_id)))
    for signature in (forged, "not base64!", "AAAA"):
        answer = await client.post(
            "/v1/api/auth/device/verify",
            json={"device_id": gateway.device_id, "signature": signature},
        )
        assert answer.status_code == 401 and answer.json()["error"] == "bad_signature"
    for body in ({"device_id": gateway.device_id}, {"signature": "x"}, []):
        answer = await client.post("/v1/api/auth/device/verify", json=body)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_input"
    assert (await audit_events(runtime)).count("gateway.signin_failed") == 3
    # the nonce is single use: a good signature still works once, then the nonce is spent
    good = push.encode(gateway.key.sign(gateway_devices.signin_payload(issued, gateway.device_id)))
    body = {"device_id": gateway.device_id, "signature": good}
    first = await client.post("/v1/api/auth/device/verify", json=body)
    assert first.status_code == 200, first.text
    replay = await client.post("/v1/api/auth/device/verify", json=body)
    assert replay.status_code == 410 and replay.json()["error"] == "challenge_expired"


async def test_repeated_bad_signatures_lock_that_device_key_out(client, runtime, alice, clock):
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token)
    other = gw.Ed25519PrivateKey.generate()
    statuses = []
    for _ in range(runtime.ctx.account_throttle.free_failures + 2):
        issued = await client.post(
            "/v1/api/auth/device/challenge", json={"device_id": gateway.device_id}
        )
        if issued.status_code != 200:
            statuses.append(issued.json()["error"])
            break
        payload = gateway_devices.signin_payload(issued.json()["nonce"], gateway.device_id)
        answer = await client.post(
            "/v1/api/auth/device/verify",
            json={"device_id": gateway.device_id, "signature": push.encode(other.sign(payload))},
        )
        statuses.append(answer.json()["error"])
    assert statuses[-1] in ("rate_limited", "locked")
    # the owner's own password sign-in is not locked by a bad gateway key
    assert (await full_signin(client, alice, clock))["token"]


async def test_bad_registrations_and_revocations_are_refused_and_change_nothing(
    client, runtime, alice, clock
):
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token)
    before = await gw.rows(runtime)
    headers = bearer(token)
    cases = [
        ({}, 400, "invalid_input"),
        ({"public_key": 5}, 400, "invalid_input"),
        ({"public_key": "short"}, 400, "invalid_input"),
        (
            {"public_key": gw.public_key(gw.Ed25519PrivateKey.generate()), "scope": "admin"},
            400,
            "invalid_input",
        ),
        ({"public_key": gw.public_key(gateway.key)}, 409, "already_exists"),
    ]
    for body, status, code in cases:
        answer = await client.post("/v1/api/devices", json=body, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (status, code), body
    anonymous = await client.post(
        "/v1/api/devices", json={"public_key": gw.public_key(gw.Ed25519PrivateKey.generate())}
    )
    assert anonymous.status_code == 401
    for device_id in ("unknown", "x" * 40):
        answer = await client.delete(f"/v1/api/devices/{device_id}", headers=headers)
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"
        renew = await client.post(f"/v1/api/devices/{device_id}/renew", headers=headers)
        assert renew.status_code == 404
    assert (await client.get("/v1/api/devices")).status_code == 401
    # someone else cannot see or revoke alice's gateway
    from tests.conftest import make_user

    bob = await make_user(runtime, "bob", phone="+15550000002")
    bob_token = await session_token(client, bob, clock)
    theirs = await client.delete(f"/v1/api/devices/{gateway.device_id}", headers=bearer(bob_token))
    assert theirs.status_code == 404
    assert (await client.get("/v1/api/devices", headers=bearer(bob_token))).json()["devices"] == []
    assert await gw.rows(runtime) == before
    assert timedelta(0) <= clock.now() - datetime.fromisoformat(gateway.body["created_at"])
