"""Push approval over real HTTP: number matching, signed decisions, the waiting sign-in."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.support.access import (
    decide,
    enrolled_device,
    events_of,
    key_client,
    push_number,
    session_token,
    snapshot,
)
from tests.support.signin import bearer, started_login, verify
from tests.support.state import audit_events, throttle_failures
from websockets.asyncio.client import connect

from gatehouse.domain.identity.factors import push, totp
from gatehouse.domain.identity.throttle import account_key


async def _user_id(runtime, username):
    async with runtime.ctx.uow() as uow:
        return (await uow.users.by_username(username)).id


async def test_an_approved_push_completes_the_waiting_sign_in_at_once(
    client, runtime, alice, clock
):
    device = await enrolled_device(client, alice, clock)
    login_id = await started_login(client, alice, platform="workstation")
    number = await push_number(client, login_id)
    assert 10 <= number <= 99

    async with key_client(client, clock) as keys:
        [request] = await keys.pending(device.identity)
        assert number in request.choices and len(set(request.choices)) == 3
        assert (request.username, request.platform, request.environment) == (
            alice.username,
            "workstation",
            "live",
        )
        assert request.address == "127.0.0.1"
        # the sign-in screen is already waiting when the device answers
        waiting = asyncio.create_task(client.get(f"/v1/api/auth/login/{login_id}?wait=25"))
        await asyncio.sleep(0)
        result = await keys.decide(device.identity, request.nonce, push.Decision.APPROVE, number)
        assert result == "approved"
        session = await asyncio.wait_for(waiting, timeout=15)
    assert session.status_code == 200, session.text
    body = session.json()
    assert body["platform"] == "workstation" and len(body["token"]) == 64
    me = await client.get("/v1/api/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    activity = (await client.get("/v1/api/me/activity", headers=bearer(body["token"]))).json()
    assert activity["activity"][0]["event"] == "login.succeeded"
    assert activity["activity"][0]["factor"] == "push"
    # the session is handed out once; later polls see the sign-in completed
    later = await client.get(f"/v1/api/auth/login/{login_id}")
    assert later.json() == {"login_id": login_id, "state": "completed"}
    # replaying the same signed decision is refused
    replay = await decide(client, device, request.nonce, "approve", number)
    assert replay.status_code == 409
    assert replay.json()["error"] == "push_already_decided"


async def test_a_denied_or_mismatched_push_fails_the_sign_in_and_tells_other_sessions(
    client, runtime, alice, clock
):
    device = await enrolled_device(client, alice, clock)
    user_id = await _user_id(runtime, "alice")
    for failures, (wrong, error, audited) in enumerate(
        [(False, "push_denied", "push.denied"), (True, "push_wrong_number", "push.wrong_number")],
        start=1,
    ):
        login_id = await started_login(client, alice)
        number = await push_number(client, login_id)
        async with key_client(client, clock) as keys:
            [request] = await keys.pending(device.identity)
        picked = next(n for n in request.choices if n != number)
        answer = await decide(
            client, device, request.nonce, "approve" if wrong else "deny", picked if wrong else None
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["result"] == ("wrong_number" if wrong else "denied")

        failed = await client.get(f"/v1/api/auth/login/{login_id}?wait=5")
        assert failed.status_code == 401
        assert failed.json()["error"] == error
        assert audited in await audit_events(runtime)
        assert await throttle_failures(runtime, account_key(user_id)) == failures
        kind, data = (await events_of(runtime, alice.username))[-1]
        assert kind == "security.push_denied"
        assert data["reason"] == ("wrong_number" if wrong else "denied")
        assert data["address"] == "127.0.0.1"
        # the failed sign-in takes no more answers of any kind
        assert (await verify(client, login_id, "totp", "123456")).status_code == 404


async def test_a_push_expires_after_two_minutes(client, runtime, alice, clock):
    device = await enrolled_device(client, alice, clock)
    login_id = await started_login(client, alice)
    number = await push_number(client, login_id)
    async with key_client(client, clock) as keys:
        [request] = await keys.pending(device.identity)
        clock.advance(120)
        assert await keys.pending(device.identity) == []
    before = await snapshot(runtime)
    late = await decide(client, device, request.nonce, "approve", number)
    assert late.status_code == 410
    assert late.json()["error"] == "challenge_expired"
    assert await snapshot(runtime) == before
    status = await client.get(f"/v1/api/auth/login/{login_id}?wait=5")
    assert status.json() == {"login_id": login_id, "state": "second_factor", "push": "expired"}
    # a new push can be asked for, and it works
    fresh = await push_number(client, login_id)
    async with key_client(client, clock) as keys:
        [again] = await keys.pending(device.identity)
        assert await keys.decide(device.identity, again.nonce, push.Decision.APPROVE, fresh)


async def test_a_decision_with_a_bad_signature_changes_nothing(client, runtime, alice, clock):
    device = await enrolled_device(client, alice, clock)
    login_id = await started_login(client, alice)
    number = await push_number(client, login_id)
    async with key_client(client, clock) as keys:
        [request] = await keys.pending(device.identity)
    other = next(n for n in request.choices if n != number)
    before = await snapshot(runtime)
    forgeries = [
        await decide(
            client, device, request.nonce, "approve", number, signer=Ed25519PrivateKey.generate()
        ),
        # a signature over another number, sent with the right one
        await decide(client, device, request.nonce, "approve", number, signed_number=other),
    ]
    for forged in forgeries:
        assert forged.status_code == 401
        assert forged.json()["error"] == "bad_signature"
    bad_input = [
        ({"device_id": device.device_id, "decision": "maybe", "signature": "x"}, "invalid_input"),
        (
            {"device_id": device.device_id, "decision": "approve", "number": 7, "signature": "x"},
            "invalid_input",
        ),
        (
            {
                "device_id": device.device_id,
                "decision": "approve",
                "number": "42",
                "signature": "x",
            },
            "invalid_input",
        ),
        ({"device_id": "nope", "decision": "deny", "signature": "x"}, "device_not_recognized"),
    ]
    for body, error in bad_input:
        refused = await client.post(f"/v1/api/key/challenges/{request.nonce}", json=body)
        assert refused.json()["error"] == error, (body, refused.text)
    unknown = await decide(client, device, "0" * 64, "deny", None)
    assert unknown.status_code == 404 and unknown.json()["error"] == "push_not_found"
    assert await snapshot(runtime) == before
    assert (await decide(client, device, request.nonce, "approve", number)).status_code == 200


async def test_signed_polling_refuses_stale_unknown_and_forged_requests(
    client, runtime, alice, clock
):
    device = await enrolled_device(client, alice, clock)
    path = "/v1/api/key/challenges"

    def headers(device_id, stamp, key=None):
        payload = push.request_payload("GET", path, device_id, stamp)
        signer = key or device.identity.private_key
        return {
            "X-Gatehouse-Device": device_id,
            "X-Gatehouse-Timestamp": str(stamp),
            "X-Gatehouse-Signature": push.encode(signer.sign(payload)),
        }

    now = int(clock.now().timestamp())
    ok = await client.get(path, headers=headers(device.device_id, now - 60))
    assert ok.status_code == 200 and ok.json()["requests"] == []
    cases = [
        (headers(device.device_id, now - 61), "stale_request"),
        (headers(device.device_id, now + 61), "stale_request"),
        (headers("0" * 24, now), "device_not_recognized"),
        (headers(device.device_id, now, Ed25519PrivateKey.generate()), "bad_signature"),
        ({}, "device_not_recognized"),
        ({**headers(device.device_id, now), "X-Gatehouse-Timestamp": "soon"}, "invalid_input"),
    ]
    before = await snapshot(runtime)
    for sent, error in cases:
        refused = await client.get(path, headers=sent)
        assert refused.json()["error"] == error, (sent, refused.text)
    assert await snapshot(runtime) == before


async def test_the_device_socket_delivers_a_push_the_moment_it_is_made(
    client, runtime, alice, clock, base_url
):
    device = await enrolled_device(client, alice, clock)
    async with key_client(client, clock) as keys:
        # polling is a minute away: only the socket can bring the request in time
        stream = keys.listen(device.identity, poll_seconds=60)
        first = asyncio.ensure_future(anext(stream))
        login_id = await started_login(client, alice)
        number = await push_number(client, login_id)
        request = await asyncio.wait_for(first, timeout=15)
        assert number in request.choices
        await stream.aclose()

    # a hello signed by another key is refused with its error, and the socket closes
    url = base_url.replace("http", "ws") + "/v1/api/key/ws"
    async with connect(url) as ws:
        hello = json.loads(await ws.recv())
        stamp = int(clock.now().timestamp())
        payload = push.hello_payload(device.device_id, stamp, hello["server_nonce"])
        forged = push.encode(Ed25519PrivateKey.generate().sign(payload))
        await ws.send(
            json.dumps(
                {
                    "op": "hello",
                    "device_id": device.device_id,
                    "timestamp": stamp,
                    "signature": forged,
                }
            )
        )
        refused = json.loads(await ws.recv())
        assert refused["error"] == "bad_signature"
        with contextlib.suppress(Exception):
            await ws.recv()
        assert ws.close_code == 4401


async def test_a_new_push_replaces_the_old_and_three_is_the_most(client, runtime, alice, clock):
    device = await enrolled_device(client, alice, clock)
    login_id = await started_login(client, alice)
    first = await push_number(client, login_id)
    async with key_client(client, clock) as keys:
        [old] = await keys.pending(device.identity)
        await push_number(client, login_id)
        await push_number(client, login_id)
        pending = await keys.pending(device.identity)
    assert [r.nonce for r in pending] != [old.nonce] and len(pending) == 1
    stale = await decide(client, device, old.nonce, "approve", first)
    assert stale.status_code == 409
    assert stale.json()["error"] == "push_already_decided"
    fourth = await client.post(f"/v1/api/auth/login/{login_id}/challenge", json={"factor": "push"})
    assert fourth.status_code == 429
    assert fourth.json()["error"] == "resend_limit"


async def test_push_is_not_a_code_and_other_factors_still_finish_the_sign_in(
    client, runtime, alice, clock
):
    device = await enrolled_device(client, alice, clock)
    login_id = await started_login(client, alice)
    await push_number(client, login_id)
    before = await snapshot(runtime)
    refused = await verify(client, login_id, "push", "42")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_input"
    assert await snapshot(runtime) == before
    clock.advance(30)
    done = await verify(client, login_id, "totp", totp.code_at(alice.totp_secret, at=clock.now()))
    assert done.status_code == 200
    async with key_client(client, clock) as keys:  # the device no longer shows the request
        assert await keys.pending(device.identity) == []


async def test_a_revoked_device_is_refused_and_push_is_no_longer_offered(
    client, runtime, alice, clock
):
    device = await enrolled_device(client, alice, clock)
    session = await session_token(client, alice, clock)
    revoked = await client.delete(
        f"/v1/api/key/devices/{device.device_id}", headers=bearer(session)
    )
    assert revoked.status_code == 200, revoked.text
    started = await client.post(
        "/v1/api/auth/login",
        json={"username": alice.username, "password": alice.password, "platform": "gateway"},
    )
    assert "push" not in started.json()["factors"]
    assert "totp" in started.json()["factors"]  # the account's TOTP stays: not reported lost
    async with key_client(client, clock) as keys:
        with pytest.raises(Exception) as refused:
            await keys.pending(device.identity)
    assert getattr(refused.value, "code", "") == "device_not_recognized"
