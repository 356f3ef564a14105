"""A gateway past its policy period asks for the full second factor by push, unattended: the
owner approves on the Key device and the device signs in with its scope again. A renewal opens
no session anywhere; denials and bad input are refused and change nothing."""

from __future__ import annotations

from tests.support import gateway as gw
from tests.support.access import decide, enrolled_device, key_client, session_token
from tests.support.signin import bearer
from tests.support.state import audit_events

from gatehouse.domain.identity.factors import push


async def read_only_gateway(client, alice, clock, runtime):
    device = await enrolled_device(client, alice, clock)  # the owner's Key device
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token)
    clock.advance(runtime.ctx.gateway.reauth_days * 86400 + 1)
    session = await gw.token_of(client, gateway)
    assert session["scope"] == "read-only" and session["second_factor_due"] is True
    return device, gateway, bearer(session["token"])


async def test_a_push_approved_renewal_restores_the_devices_scope(client, runtime, alice, clock):
    device, gateway, headers = await read_only_gateway(client, alice, clock, runtime)
    asked = await client.post("/v1/api/auth/device/renewal", headers=headers)
    assert asked.status_code == 200, asked.text
    renewal_id, number = asked.json()["renewal_id"], asked.json()["number"]
    pending = await client.get(f"/v1/api/auth/device/renewal/{renewal_id}", headers=headers)
    assert pending.json()["state"] == "pending"
    # the renewal is no sign-in: the generic long poll and factor steps do not serve it
    assert (await client.get(f"/v1/api/auth/login/{renewal_id}")).status_code == 404
    verify = await client.post(
        f"/v1/api/auth/login/{renewal_id}/verify", json={"factor": "totp", "code": "123456"}
    )
    assert verify.status_code == 404
    async with key_client(client, clock) as keys:
        [request] = await keys.pending(device.identity)
        assert request.platform == "gateway" and number in request.choices
        assert await keys.decide(device.identity, request.nonce, push.Decision.APPROVE, number)
    done = await client.get(f"/v1/api/auth/device/renewal/{renewal_id}?wait=5", headers=headers)
    assert done.status_code == 200 and done.json()["state"] == "renewed"
    again = await gw.token_of(client, gateway)
    assert again["scope"] == "trade" and again["second_factor_due"] is False
    assert "gateway.renewed" in await audit_events(runtime)
    replay = await client.get(f"/v1/api/auth/device/renewal/{renewal_id}", headers=headers)
    assert replay.json()["state"] == "renewed"  # completed once; nothing more happens


async def test_a_denied_renewal_keeps_it_read_only(client, runtime, alice, clock):
    device, gateway, headers = await read_only_gateway(client, alice, clock, runtime)
    asked = (await client.post("/v1/api/auth/device/renewal", headers=headers)).json()
    async with key_client(client, clock) as keys:
        [request] = await keys.pending(device.identity)
    denied = await decide(client, device, request.nonce, "deny", None)
    assert denied.status_code == 200
    answer = await client.get(f"/v1/api/auth/device/renewal/{asked['renewal_id']}", headers=headers)
    assert answer.status_code == 401 and answer.json()["error"] == "push_denied"
    assert (await gw.token_of(client, gateway))["scope"] == "read-only"


async def test_only_a_gateways_own_session_may_ask_and_wait(client, runtime, alice, clock):
    _, _, headers = await read_only_gateway(client, alice, clock, runtime)
    owner = bearer(await session_token(client, alice, clock))
    refused = await client.post("/v1/api/auth/device/renewal", headers=owner)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert (await client.post("/v1/api/auth/device/renewal")).status_code == 401
    asked = (await client.post("/v1/api/auth/device/renewal", headers=headers)).json()
    for renewal_id, who in [
        ("x" * 65, headers),
        ("unknown", headers),
        (asked["renewal_id"], owner),
    ]:
        answer = await client.get(f"/v1/api/auth/device/renewal/{renewal_id}", headers=who)
        assert answer.status_code in (403, 404), (renewal_id, answer.text)
    bad_wait = await client.get(
        f"/v1/api/auth/device/renewal/{asked['renewal_id']}?wait=600", headers=headers
    )
    assert bad_wait.status_code == 400 and bad_wait.json()["error"] == "invalid_input"
    clock.advance(runtime.ctx.signin.login_ttl_seconds)
    late = await client.get(f"/v1/api/auth/device/renewal/{asked['renewal_id']}", headers=headers)
    assert late.json()["state"] == "expired"


async def test_without_a_key_device_the_renewal_says_what_to_do(client, runtime, alice, clock):
    token = await session_token(client, alice, clock)
    gateway = await gw.register(client, token)
    clock.advance(runtime.ctx.gateway.reauth_days * 86400 + 1)
    headers = bearer((await gw.token_of(client, gateway))["token"])
    answer = await client.post("/v1/api/auth/device/renewal", headers=headers)
    assert answer.status_code == 409 and answer.json()["error"] == "factor_unavailable"
    assert "gateway login" in answer.json()["message"]
