"""Property: whatever the interleaving of changes, disconnects and resumes, a client ends up
with every event exactly once, in order."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.signin import full_signin
from tests.support.sync import append, next_not_heartbeat, open_socket, resume, user_id

Op = tuple[str, int]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 3)),  # one commit of 1-3 events
        st.tuples(st.just("read"), st.integers(1, 4)),  # the client handles a few frames
        st.tuples(st.just("disconnect"), st.just(0)),
        st.tuples(st.just("resume"), st.just(0)),  # reconnect; don't wait for the replay
    ),
    max_size=14,
)


@pytest.fixture
async def token(client, alice, clock) -> str:
    return str((await full_signin(client, alice, clock))["token"])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=ops)
async def test_every_event_arrives_exactly_once_in_order(base_url, runtime, token, script):
    uid = await user_id(runtime, "alice")
    ws = await open_socket(base_url, token=token)
    start = last = (await resume(ws, None))[-1]["seq"]
    head = start
    connected = True

    async def read_one() -> None:
        nonlocal last
        while True:
            frame = await next_not_heartbeat(ws)
            if frame.get("type") != "ready":
                break
            assert frame["seq"] <= head
        assert frame["seq"] == last + 1, (frame, last)  # no gap, no duplicate
        last = frame["seq"]

    async def reconnect() -> None:
        nonlocal ws, connected
        ws = await open_socket(base_url, token=token)
        await ws.send(json.dumps({"op": "resume", "since": last}))
        connected = True

    try:
        for op, n in script:
            if op == "append":
                head = (await append(runtime, uid, n))[-1].seq
            elif op == "read" and connected:
                for _ in range(min(n, head - last)):
                    await read_one()
            elif op == "disconnect" and connected:
                await ws.close()  # whatever was in flight is lost to this client
                connected = False
            elif op == "resume" and not connected:
                await reconnect()
        if not connected:
            await reconnect()
        while last < head:
            await read_one()
        assert last == head and head - start == sum(n for op, n in script if op == "append")
    finally:
        await ws.close()
