"""The light queue and event replacing uvicorn's on an accepted sync socket (api/sockets/slim)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from gatehouse.api.sockets.slim import Flag, Inbox, slim


async def test_the_inbox_hands_messages_over_in_order_and_waits_for_the_next():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done()
    inbox.put_nowait("a")
    inbox.put_nowait("b")
    assert await reader == "a"
    assert (inbox.qsize(), inbox.empty()) == (1, False)
    assert await inbox.get() == "b" and inbox.empty()


async def test_a_cancelled_reader_does_not_lose_the_next_message():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    reader.cancel()
    await asyncio.sleep(0)
    inbox.put_nowait("kept")
    assert await inbox.get() == "kept"


async def test_a_message_queued_before_the_reader_asks_is_handed_over_at_once():
    inbox = Inbox(["first"])
    inbox.put_nowait("second")
    got = inbox.get()
    assert got.done() and got.result() == "first"  # no waiting, order kept
    assert await inbox.get() == "second" and inbox.empty()
    with pytest.raises(asyncio.QueueEmpty):
        inbox.get_nowait()


async def test_a_waiting_reader_is_one_future_deep_not_a_coroutine():
    inbox = Inbox()
    waiting = inbox.get()
    assert isinstance(waiting, asyncio.Future) and not waiting.done()
    inbox.put_nowait("m")
    assert waiting.result() == "m" and inbox.empty()


async def test_the_flag_wakes_every_waiter_when_set():
    flag = Flag(False)
    waiters = [asyncio.create_task(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters) and not flag.is_set()
    flag.set()
    assert await asyncio.gather(*waiters) == [True] * 3
    flag.clear()
    assert not flag.is_set()


async def test_slim_keeps_what_uvicorn_had_queued_and_whether_it_could_write():
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    queue.put_nowait({"type": "websocket.receive", "text": "1"})
    writable = asyncio.Event()  # paused
    protocol = SimpleNamespace(queue=queue, writable=writable)
    slim(protocol)
    assert isinstance(protocol.queue, Inbox) and isinstance(protocol.writable, Flag)
    assert await protocol.queue.get() == {"type": "websocket.receive", "text": "1"}
    assert not protocol.writable.is_set()
