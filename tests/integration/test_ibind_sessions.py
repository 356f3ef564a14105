"""ibind's session calls against a real server: auth status, ssodh/init, sso/validate,
reauthenticate, its health checks, and the socket ticket ``tickle`` hands out."""

from __future__ import annotations

import json

import pytest
from ibind import ExternalBrokerError
from tests.support.ibind_client import call, ibind_client
from tests.support.signin import bearer, full_signin
from tests.support.sync import open_socket
from websockets.exceptions import InvalidStatus

from gatehouse.domain.identity.sessions import SOCKET_TICKET_WINDOW_SECONDS


@pytest.fixture
def backend() -> str:
    return "sqlite"  # sessions storage is covered on both backends by test_sessions_api


async def test_ibind_sees_a_signed_in_session_as_healthy(client, base_url, alice, clock):
    body = await full_signin(client, alice, clock, environment="paper")
    ib = ibind_client(base_url, body["token"], alice.paper_account)
    assert await call(ib.check_auth_status) is True
    assert await call(ib.handle_auth_status) is True
    assert await call(ib.check_health) is True

    status = (await call(ib.authentication_status)).data
    assert status["authenticated"] is True and status["connected"] is True
    assert status["competing"] is False and status["fail"] == "" and status["message"] == ""
    assert status["MAC"] and set(status["serverInfo"]) == {"serverName", "serverVersion"}
    init = (await call(ib.initialize_brokerage_session)).data
    assert init["authenticated"] is True and init["established"] is True
    assert (await call(ib.reauthenticate)).data == {"message": "triggered"}

    sso = (await call(ib.validate)).data
    assert sso["RESULT"] is True and sso["USER_NAME"] == alice.paper_username
    assert sso["LOGIN_TYPE"] == 2 and sso["EXPIRES"] > 0 and isinstance(sso["USER_ID"], int)

    # IBeam calls the /v1/portal aliases
    portal = ibind_client(base_url, body["token"], alice.paper_account, prefix="/v1/portal/")
    assert (await call(portal.validate)).data["RESULT"] is True
    assert (await call(portal.reauthenticate)).data == {"message": "triggered"}
    live = await full_signin(client, alice, clock)
    sso = (await call(ibind_client(base_url, live["token"], alice.live_account).validate)).data
    assert sso["LOGIN_TYPE"] == 1 and sso["USER_NAME"] == alice.username

    # signed out: unhealthy, and every session call answers 401
    await call(ib.logout)
    assert await call(ib.check_auth_status) is False
    for method in (ib.authentication_status, ib.validate, ib.reauthenticate):
        with pytest.raises(ExternalBrokerError) as refused:
            await call(method)
        assert refused.value.status_code == 401


async def test_ssodh_init_bad_body_is_refused(client, alice, clock):
    token = (await full_signin(client, alice, clock))["token"]
    for body in ({"publish": "yes"}, {"compete": 3}, [1]):
        answer = await client.post(
            "/v1/api/iserver/auth/ssodh/init", json=body, headers=bearer(token)
        )
        assert answer.status_code in (400, 422), body
        assert answer.json()["error"], body


async def test_the_tickle_ticket_opens_the_socket_and_nothing_else(client, base_url, alice, clock):
    body = await full_signin(client, alice, clock)
    ticket = (await client.post("/v1/api/tickle", headers=bearer(body["token"]))).json()["session"]
    again = (await client.post("/v1/api/tickle", headers=bearer(body["token"]))).json()["session"]
    assert ticket == again  # ibind compares the cookie it connected with to a fresh tickle
    assert ticket != body["token"] and body["token"] not in ticket
    cookie = "api=" + json.dumps({"session": ticket})
    async with await open_socket(base_url, path="/v1/api/ws", cookie=cookie):
        pass
    # the ticket is not a bearer token
    assert (await client.post("/v1/api/tickle", headers=bearer(ticket))).status_code == 401
    # tampered, stale or from an ended session: refused
    public_id, window, mac = ticket.split(".")
    stale = ".".join([public_id, str(int(window) - 2), mac])
    forged = ".".join([public_id, window, mac[:-1] + ("0" if mac[-1] != "0" else "1")])
    for bad in (forged, stale, f"{public_id}.{window}"):
        with pytest.raises(InvalidStatus) as refused:
            await open_socket(
                base_url, path="/v1/api/ws", cookie="api=" + json.dumps({"session": bad})
            )
        assert refused.value.response.status_code == 403
    for _ in range(4):  # kept alive, but two ticket windows later
        clock.advance(SOCKET_TICKET_WINDOW_SECONDS // 2)
        await client.post("/v1/api/tickle", headers=bearer(body["token"]))
    with pytest.raises(InvalidStatus):
        await open_socket(base_url, path="/v1/api/ws", cookie=cookie)  # too old now
    fresh = (await client.post("/v1/api/tickle", headers=bearer(body["token"]))).json()["session"]
    await client.post("/v1/api/logout", headers=bearer(body["token"]))
    with pytest.raises(InvalidStatus):
        await open_socket(
            base_url, path="/v1/api/ws", cookie="api=" + json.dumps({"session": fresh})
        )
