"""Back-pressure: a client that stops reading is dropped, and the others never wait for it."""

from __future__ import annotations

import asyncio
import json
import secrets
import socket

import pytest
from tests.support.signin import full_signin
from tests.support.sync import append, events, open_socket, resume, user_id
from websockets.exceptions import ConnectionClosed


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"sync_send_buffer_bytes": 16384}


async def test_a_client_that_stops_reading_is_dropped_without_slowing_the_others(
    client, base_url, runtime, alice, clock
):
    body = await full_signin(client, alice, clock)
    uid = await user_id(runtime, "alice")
    fast = await open_socket(base_url, token=body["token"])
    # A client that stops reading: a small receive window, and no recv() after resuming.
    tiny = socket.socket()
    tiny.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    tiny.connect(("127.0.0.1", int(base_url.rsplit(":", 1)[1])))
    stalled = await open_socket(base_url, token=body["token"], max_queue=1, sock=tiny)
    start = (await resume(fast, None))[-1]["seq"]
    assert (await resume(stalled, None))[-1]["seq"] == start
    assert runtime.sync.hub.connections == 2

    dropped_at = None
    for batch in range(40):  # 200 incompressible 8 KB events: far more than 16 KiB
        await append(runtime, uid, 5, data={"blob": secrets.token_hex(4000)})
        got = await events(fast, 5)
        assert [e["seq"] for e in got] == [start + batch * 5 + i for i in range(1, 6)]
        if dropped_at is None and runtime.sync.hub.connections == 1:
            dropped_at = batch
    # the fast one got every event, in order, while the stalled one was still connected and
    # after; the stalled one was dropped as soon as its bounded buffers filled (after batch 1
    # here), long before the stream ended: what it was sent did not pile up in the server
    assert dropped_at is not None and dropped_at < 20, dropped_at
    assert runtime.sync.hub.connections == 1
    head = start + 200

    # It reads what reached it, in order, then finds itself disconnected...
    last = start
    with pytest.raises(ConnectionClosed):
        while True:
            frame = await asyncio.wait_for(stalled.recv(), 15)
            seq = json.loads(frame)["seq"]
            assert seq == last + 1
            last = seq
    assert last < head
    # ...and resuming from its last seq brings exactly the rest.
    async with await open_socket(base_url, token=body["token"]) as again:
        replay = await resume(again, last)
        assert [e["seq"] for e in replay[:-1]] == list(range(last + 1, head + 1))
        assert replay[-1]["type"] == "ready" and replay[-1]["seq"] == head
    await fast.close()
