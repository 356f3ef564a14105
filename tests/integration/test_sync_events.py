"""``/v1/api/events``: a change made anywhere reaches every session of the user, in order."""

from __future__ import annotations

import asyncio
import json

import pytest
from tests.support.signin import full_signin
from tests.support.sync import (
    EVENTUALLY,
    append,
    events,
    next_json,
    next_not_heartbeat,
    open_socket,
    resume,
    user_id,
    web_cookie,
)
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gatehouse.domain.identity.sessions import token_hash


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"sync_heartbeat_seconds": 0.2}


async def test_two_sessions_see_each_others_changes_in_order(
    client, base_url, runtime, alice, clock
):
    await full_signin(client, alice, clock, platform="web")
    mobile = await full_signin(client, alice, clock, platform="mobile")
    uid = await user_id(runtime, "alice")
    web = await open_socket(base_url, cookie=web_cookie(client), origin=base_url)
    phone = await open_socket(base_url, token=mobile["token"])
    try:
        head = [await resume(web, None), await resume(phone, None)]
        assert head[0] == head[1]
        start = head[0][-1]["seq"]
        assert head[0][-1]["type"] == "ready" and start >= 2  # two sign-ins so far

        await append(runtime, uid, 3, account=alice.live_account)
        signed_in = await full_signin(client, alice, clock, platform="workstation")

        for ws in (web, phone):
            got = await events(ws, 4)
            assert [e["seq"] for e in got] == [start + 1, start + 2, start + 3, start + 4]
            assert [e["type"] for e in got] == ["watchlist.changed"] * 3 + ["session.created"]
            assert got[0]["account"] == alice.live_account and got[0]["data"] == {"n": 0}
            assert got[3]["data"]["session_id"] == signed_in["session_id"]
            assert set(got[0]) == {"seq", "type", "account", "data", "at"}
    finally:
        await web.close()
        await phone.close()


async def test_a_client_that_was_away_gets_exactly_what_it_missed(
    client, base_url, runtime, alice, clock
):
    body = await full_signin(client, alice, clock)
    uid = await user_id(runtime, "alice")
    await append(runtime, uid, 2)
    ws = await open_socket(base_url, token=body["token"])
    replay = await resume(ws, 0)
    seqs = [e["seq"] for e in replay[:-1]]
    assert seqs == list(range(1, len(seqs) + 1)) and replay[-1]["seq"] == seqs[-1]
    last = seqs[-1]
    await ws.close()

    await append(runtime, uid, 3)  # while away
    ws = await open_socket(base_url, token=body["token"])
    try:
        replay = await resume(ws, last)
        assert [e["seq"] for e in replay[:-1]] == [last + 1, last + 2, last + 3]
        assert replay[-1] == {"type": "ready", "seq": last + 3, "epoch": replay[-1]["epoch"]}
        await append(runtime, uid, 1)
        assert [e["seq"] for e in await events(ws, 1)] == [last + 4]
    finally:
        await ws.close()


async def test_resume_from_before_the_kept_history_asks_for_a_resync(
    client, base_url, runtime, alice, clock
):
    uid = await user_id(runtime, "alice")
    await append(runtime, uid, 3)
    clock.advance(days=8)
    body = await full_signin(client, alice, clock)
    await append(runtime, uid, 1)
    assert await runtime.sync.prune_now() == 3
    ws = await open_socket(base_url, token=body["token"])
    try:
        answer = await resume(ws, 1)
        head = answer[-1]["seq"]
        assert answer == [{"type": "resync", "seq": head, "epoch": answer[-1]["epoch"]}]
        # After refetching its state the client resumes from the seq the resync gave it.
        assert await resume(ws, head) == [
            {"type": "ready", "seq": head, "epoch": answer[-1]["epoch"]}
        ]
        kept = await resume(ws, head - 2)
        assert [e["seq"] for e in kept[:-1]] == [head - 1, head]
        # A seq from the future, or another log's epoch, is from another log: resync too.
        assert (await resume(ws, head + 10))[-1]["type"] == "resync"
        assert (await resume(ws, head, epoch="another-log"))[-1]["type"] == "resync"
    finally:
        await ws.close()


async def test_pruning_keeps_the_retention_window(runtime, alice, clock):
    uid = await user_id(runtime, "alice")
    await append(runtime, uid, 2)
    clock.advance(days=6)
    assert await runtime.sync.prune_now() == 0
    clock.advance(days=2)
    await append(runtime, uid, 1)
    assert await runtime.sync.prune_now() == 2
    async with runtime.ctx.uow() as uow:
        assert [e.seq for e in await uow.events.since(uid, 0)] == [3]


async def test_revoking_a_session_sends_session_ended_then_closes_its_socket(
    client, base_url, runtime, alice, clock
):
    # that it happens, in this order; how fast (milliseconds, docs/sync.md) is not for a test
    doomed = await full_signin(client, alice, clock)
    other = await full_signin(client, alice, clock, platform="mobile")
    ws = await open_socket(base_url, token=doomed["token"])
    watcher = await open_socket(base_url, token=other["token"])
    try:
        await resume(ws, None)
        await resume(watcher, None)
        gone = await client.delete(
            f"/v1/api/sessions/{doomed['session_id']}",
            headers={"Authorization": f"Bearer {other['token']}"},
        )
        assert gone.status_code == 200, gone.text
        ended = await next_not_heartbeat(ws)
        assert (
            ended["type"] == "session.ended" and ended["data"]["session_id"] == doomed["session_id"]
        )
        with pytest.raises(ConnectionClosed) as closed:  # the close comes (heartbeats before it)
            async with asyncio.timeout(EVENTUALLY):
                while True:
                    await ws.recv()
        assert closed.value.rcvd.code == 4001 and "revoked" in closed.value.rcvd.reason
        seen = await next_not_heartbeat(watcher)
        assert seen["type"] == "session.ended"  # the other session sees it too, and stays open
        await append(runtime, await user_id(runtime, "alice"), 1)
        assert (await next_not_heartbeat(watcher))["seq"] == seen["seq"] + 1
    finally:
        await ws.close()
        await watcher.close()


async def test_heartbeats_arrive_while_idle(client, base_url, alice, clock):
    body = await full_signin(client, alice, clock)
    async with await open_socket(base_url, token=body["token"]) as ws:
        beat = await next_json(ws)
        assert beat["type"] == "heartbeat" and beat["at"].startswith("2026-")


async def test_bad_frames_get_an_error_and_the_socket_stays_usable(client, base_url, alice, clock):
    body = await full_signin(client, alice, clock)
    async with await open_socket(base_url, token=body["token"]) as ws:
        for frame, code in [
            ("not json", "malformed_frame"),
            ("[1, 2]", "malformed_frame"),
            (json.dumps({"op": "subscribe"}), "unknown_op"),
            (json.dumps({"op": "resume", "since": "7"}), "invalid_since"),
            (json.dumps({"op": "resume", "since": True}), "invalid_since"),
            (json.dumps({"op": "resume", "since": -1}), "invalid_since"),
            (json.dumps({"op": "resume", "since": 0, "epoch": 5}), "invalid_epoch"),
            (b"\x00binary", "binary_frame"),
            ("x" * 5000, "frame_too_large"),
        ]:
            await ws.send(frame)
            answer = await next_not_heartbeat(ws)
            assert answer["type"] == "error" and answer["error"] == code, frame
            assert answer["message"]
        assert (await resume(ws, None))[-1]["type"] == "ready"
        await ws.send(json.dumps({"op": "ping"}))
        assert (await next_not_heartbeat(ws))["type"] == "pong"


async def test_who_may_open_the_stream(client, base_url, alice, clock):
    await full_signin(client, alice, clock, platform="web")
    cookie = web_cookie(client)
    token = cookie.split("=", 1)[1]
    for kwargs in [
        {},
        {"token": "not-a-session"},
        {"cookie": "gatehouse_session=forged"},
        {"cookie": cookie, "origin": "http://evil.example"},  # cross-site WebSocket hijacking
        {"cookie": cookie, "origin": "null"},
        {"path": f"/v1/api/events?token={token}"},  # a token in the URL is never looked at
    ]:
        with pytest.raises(InvalidStatus) as refused:
            await open_socket(base_url, **kwargs)
        assert refused.value.response.status_code == 403, kwargs
    for kwargs in [{"cookie": cookie, "origin": base_url}, {"cookie": cookie}, {"token": token}]:
        async with await open_socket(base_url, **kwargs) as ws:
            assert (await resume(ws, None))[-1]["type"] == "ready"
    async with await open_socket(base_url, token=token, path="/v1/portal/events") as ws:
        assert (await resume(ws, None))[-1]["type"] == "ready"


async def test_large_events_arrive_whole_and_the_handshake_caches_no_principal(
    client, base_url, runtime, alice, clock
):
    # Frames are built once per event for every socket (short, 16-bit and 64-bit lengths),
    # and a socket authenticates once: its principal is not left in the request cache.
    signed_in = await full_signin(client, alice, clock, platform="mobile")
    runtime.ctx.principals.evict_session(signed_in["session_id"])
    uid = await user_id(runtime, "alice")
    ws = await open_socket(base_url, token=signed_in["token"])
    try:
        start = (await resume(ws, None))[-1]["seq"]
        digest = token_hash(signed_in["token"])
        assert runtime.ctx.principals.get(digest, runtime.ctx.clock.now()) is None
        for size in (10, 200, 70_000):
            await append(runtime, uid, data={"blob": "x" * size})
        got = await events(ws, 3)
        assert [e["seq"] for e in got] == [start + 1, start + 2, start + 3]
        assert [len(e["data"]["blob"]) for e in got] == [10, 200, 70_000]
    finally:
        await ws.close()
