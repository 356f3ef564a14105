"""``/v1/api/ws``: IBKR's streaming socket, as ibind uses it."""

from __future__ import annotations

import asyncio
import gc
import json
from urllib.parse import quote

import pytest
from tests.support.signin import full_signin
from tests.support.sync import (
    EVENTUALLY,
    append,
    next_json,
    next_not_heartbeat,
    open_socket,
    user_id,
)
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gatehouse.domain.errors import NotAuthenticated
from gatehouse.domain.identity.sessions import Session
from gatehouse.service.identity import sessions
from gatehouse.service.sync.quote_pump import QuotePump

WS = "/v1/api/ws"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"ibkr_ws_heartbeat_seconds": 0.2}


async def greeted(ws) -> dict[str, dict]:
    """The three unsolicited messages sent on connect, by topic."""
    found = {}
    while len(found) < 3:
        message = await next_json(ws)
        if "hb" not in message:
            found[message["topic"]] = message
    return found


async def test_each_way_of_presenting_the_session_is_accepted(client, base_url, alice, clock):
    gateway = (await full_signin(client, alice, clock))["token"]
    for kwargs in [
        {"cookie": "api=" + json.dumps({"session": gateway}, separators=(",", ":"))},
        {"cookie": "api=" + quote(json.dumps({"session": gateway}))},
        {"cookie": f"api={gateway}"},
        {"token": gateway},
        {"cookie": f"gatehouse_session={gateway}", "origin": base_url},
    ]:
        async with await open_socket(base_url, path=WS, **kwargs) as ws:
            hello = await greeted(ws)
            assert hello["sts"]["args"]["authenticated"] is True
            act = hello["act"]["args"]
            assert act["accounts"] == [alice.live_account]
            assert act["selectedAccount"] == alice.live_account
            assert alice.live_account in act["acctProps"]
            assert hello["system"]["success"] == alice.username


async def test_unauthenticated_or_cross_site_connections_are_refused(
    client, base_url, alice, clock
):
    gateway = (await full_signin(client, alice, clock))["token"]
    for kwargs in [
        {},
        {"cookie": "api=" + json.dumps({"session": "forged"})},
        {"cookie": "api={not json"},
        {"cookie": f"api={gateway}", "origin": "https://evil.example"},
    ]:
        with pytest.raises(InvalidStatus) as refused:
            await open_socket(base_url, path=WS, **kwargs)
        assert refused.value.response.status_code == 403, kwargs


async def test_tic_heartbeats_and_paper_sessions(client, base_url, alice, clock):
    body = await full_signin(client, alice, clock, environment="paper")
    async with await open_socket(base_url, path=WS, token=body["token"]) as ws:
        hello = await greeted(ws)
        assert hello["act"]["args"]["accounts"] == [alice.paper_account]
        assert hello["act"]["args"]["isPaper"] is True
        await ws.send("tic")
        tic = await next_not_heartbeat(ws)
        assert tic["topic"] == "tic" and tic["alive"] is True
        assert tic["id"] == body["session_id"] and isinstance(tic["lastAccessed"], int)
        beat = await next_json(ws)
        while "hb" not in beat:
            beat = await next_json(ws)
        assert beat["topic"] == "system" and isinstance(beat["hb"], int)


async def test_every_subscription_is_answered_at_once(client, base_url, runtime, alice, clock):
    token = (await full_signin(client, alice, clock))["token"]
    acct = alice.live_account
    runtime.sync.quotes.publish(
        265598, {"31": "187.25", "84": "187.20", "86": "187.30"}, updated_ms=1
    )
    async with await open_socket(base_url, path=WS, token=token) as ws:
        await greeted(ws)
        await ws.send('smd+265598+{"fields":["31","84"]}')
        md = await next_not_heartbeat(ws)
        assert md["topic"] == "smd+265598" and md["conid"] == 265598 and "_updated" in md
        assert md["31"] == "187.25" and md["84"] == "187.20" and "86" not in md
        for frame, topic, body in [
            ("sor", "sor", "args"),
            ("sor+{}", "sor", "args"),
            ("spl", "spl", "args"),
            ("str", "str", "args"),
            (f"ssd+{acct}", f"ssd+{acct}", "result"),
            (f"sld+{acct}+{{}}", f"sld+{acct}", "result"),
        ]:
            await ws.send(frame)
            reply = await next_not_heartbeat(ws)
            assert reply["topic"] == topic and body in reply, frame

        # Live data: quotes from the quote hub, account events by topic.
        runtime.sync.quotes.publish(265598, {"31": "187.50", "86": "187.55"}, updated_ms=2)
        tick = await next_not_heartbeat(ws)
        assert tick == {"topic": "smd+265598", "conid": 265598, "_updated": 2, "31": "187.50"}
        uid = await user_id(runtime, "alice")
        await append(runtime, uid, type="order.updated", account=acct, data={"orderId": 7})
        assert await next_not_heartbeat(ws) == {"topic": "sor", "args": [{"orderId": 7}]}
        # summary and ledger are recomputed on balance events (sent again only if changed)
        await append(runtime, uid, type="order.updated", account="DU0000001", data={})
        await append(runtime, uid, type="watchlist.changed", account=acct)  # not a ws topic

        await ws.send(f"usd+{acct}+{{}}")
        assert await next_not_heartbeat(ws) == {"result": "unsubscribed from summary"}
        await ws.send(f"uld+{acct}+{{}}")
        assert await next_not_heartbeat(ws) == {"result": "unsubscribed from ledger"}
        await ws.send("uor+{}")
        await ws.send("umd+265598+{}")
        await ws.send("tic")  # the server has handled the frames before once it answers this
        assert (await next_not_heartbeat(ws))["topic"] == "tic"
        runtime.sync.quotes.publish(265598, {"31": "188.00"}, updated_ms=3)
        await append(runtime, uid, type="order.updated", account=acct, data={"orderId": 8})
        await ws.send("tic")
        assert (await next_not_heartbeat(ws))["topic"] == "tic"  # nothing came in between


def sessions_alive(public_id: str) -> int:
    """How many ``Session`` objects of that session this process holds (after a collection)."""
    gc.collect()
    return sum(
        1
        for o in gc.get_objects()
        if isinstance(o, Session) and o.__dict__.get("public_id") == public_id
    )


async def test_an_open_socket_holds_ids_not_the_session_object(
    client, base_url, runtime, alice, clock
):
    runtime.ctx.principals.ttl_seconds = 0  # no request cache: only the socket could hold one
    signed = await full_signin(client, alice, clock)
    async with await open_socket(base_url, path=WS, token=signed["token"]) as ws:
        hello = await greeted(ws)
        assert hello["act"]["args"]["sessionId"] == signed["session_id"]
        await ws.send('smd+265598+{"fields":["31"]}')
        assert (await next_not_heartbeat(ws))["topic"] == "smd+265598"
        await ws.send("tic")  # read and touched again: still answered, nothing kept
        assert (await next_not_heartbeat(ws))["id"] == signed["session_id"]
        assert sessions_alive(signed["session_id"]) == 0
        # A topic reading the account gets the principal read again, while it is subscribed.
        await ws.send(f"ssd+{alice.live_account}+{{}}")
        assert (await next_not_heartbeat(ws))["topic"] == f"ssd+{alice.live_account}"


async def test_revoking_the_session_closes_its_socket_with_4001(client, base_url, alice, clock):
    doomed = await full_signin(client, alice, clock)
    other = await full_signin(client, alice, clock)
    async with await open_socket(base_url, path=WS, token=doomed["token"]) as ws:
        await greeted(ws)
        gone = await client.delete(
            f"/v1/api/sessions/{doomed['session_id']}",
            headers={"Authorization": f"Bearer {other['token']}"},
        )
        assert gone.status_code == 200, gone.text
        with pytest.raises(ConnectionClosed) as closed:  # heartbeats may come before the close
            async with asyncio.timeout(EVENTUALLY):
                while True:
                    await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        assert "revoked" in closed.value.rcvd.reason


async def test_a_sockets_principal_is_read_again_until_its_session_ends(
    client, runtime, alice, clock
):
    doomed = await full_signin(client, alice, clock)
    other = await full_signin(client, alice, clock)
    held = (await sessions.authenticate(runtime.ctx, doomed["token"], remember=False)).held()
    assert held.session_id == doomed["session_id"] and held.account_ids == (alice.live_account,)
    again = await sessions.socket_principal(runtime.ctx, held)
    assert again.session.public_id == held.session_id and again.user.id == held.user_id
    assert again.account_ids == [alice.live_account]
    gone = await client.delete(
        f"/v1/api/sessions/{doomed['session_id']}",
        headers={"Authorization": f"Bearer {other['token']}"},
    )
    assert gone.status_code == 200, gone.text
    with pytest.raises(NotAuthenticated):
        await sessions.socket_principal(runtime.ctx, held)
    with pytest.raises(NotAuthenticated):
        await sessions.tickle_session(runtime.ctx, held.session_id)


async def test_bad_frames_get_an_error_message(client, base_url, alice, clock):
    token = (await full_signin(client, alice, clock))["token"]
    async with await open_socket(base_url, path=WS, token=token) as ws:
        await greeted(ws)
        for frame, code in [
            ("hello", "unknown_message"),
            ("sxx", "unknown_topic"),
            ("smd+AAPL", "invalid_target"),
            ("ssd+U9999999", "invalid_target"),
            ("sor+DU1", "invalid_target"),
            ("smd+265598+{bad", "invalid_arguments"),
            ("smd+265598+[1]", "invalid_arguments"),
            # nesting a recursive str() could not handle: refused, the socket lives on
            ('smd+265598+{"fields":' + "[" * 1000 + "]" * 1000 + "}", "invalid_arguments"),
            ('smd+265598+{"fields":' + "[" * 9 + "]" * 9 + "}", "invalid_arguments"),
            (f"sbd+{alice.live_account}", "invalid_input"),
            (f"sbd+{alice.live_account}+AAPL", "invalid_input"),
            (f"sbd+{alice.live_account}+1+2+3", "invalid_arguments"),
            (f"sbd+{alice.live_account}+1", "unknown_instrument"),
            ('smh+265598+{"bar":"7parsecs"}', "invalid_input"),
            ("smh+1+{}", "unknown_instrument"),
            (f'ssd+{alice.live_account}+{{"keys":3}}', "invalid_input"),
            (f'sld+{alice.live_account}+{{"fields":[1]}}', "invalid_input"),
            ("umh+999", None),  # nothing to unsubscribe: silently ignored
            *[(f"smh+{c}+{{}}", "smh+") for c in (265598, 756733, 272093, 4815747, 9599491)],
            ("smh+8314+{}", "too_many_subscriptions"),  # IBKR's limit: 5 at a time
        ]:
            if code == "smh+":
                await ws.send(frame)
                got = await next_not_heartbeat(ws)
                assert got.get("topic", "").startswith(code), got
                continue
            if code is None:
                await ws.send(frame)
                continue
            await ws.send(frame)
            reply = await next_not_heartbeat(ws)
            assert reply["error"] == code and reply["message"], frame
        await ws.send("sor")
        assert (await next_not_heartbeat(ws))["topic"] == "sor"


async def test_market_data_flows_from_the_simulator_and_is_never_an_event(
    client, base_url, runtime, alice, clock
):
    token = (await full_signin(client, alice, clock))["token"]
    pump = QuotePump(runtime.ctx.quotes, runtime.sync.quotes, clock)
    uid = await user_id(runtime, "alice")
    async with runtime.ctx.uow() as uow:
        head = (await uow.users.get(uid)).event_seq
    async with await open_socket(base_url, path=WS, token=token) as ws:
        await greeted(ws)
        await ws.send('smd+265598+{"fields":["31","84","86"]}')
        assert (await next_not_heartbeat(ws))["topic"] == "smd+265598"
        assert pump.push(clock.now()) == 1
        quote = runtime.ctx.quotes.quote(265598, clock.now())
        tick = await next_not_heartbeat(ws)
        assert tick["31"] == str(quote.last) and tick["84"] == str(quote.bid)
        assert set(tick) == {"topic", "conid", "_updated", "31", "84", "86"}
        assert pump.push(clock.now()) == 0  # nothing changed, nothing sent
    async with runtime.ctx.uow() as uow:
        assert (await uow.users.get(uid)).event_seq == head  # quotes are not account events
