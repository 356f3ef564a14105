"""Lighter stand-ins for the asyncio queue and event uvicorn keeps per WebSocket.

uvicorn's ``websockets-sansio`` protocol gives every connection an ``asyncio.Queue`` (four
deques, with its ``Event``) for incoming messages and an ``asyncio.Event`` for "the buffer
has room": ~3.8 KiB of an idle socket's memory, a deque being 0.5-0.75 KiB even when
empty. Once a sync socket is accepted, ``slim`` swaps them for these, which do only what
uvicorn asks of them (one reader, a handful of messages) in a few dozen bytes.
"""

from __future__ import annotations

import asyncio
from typing import Any


class Inbox:
    """``put_nowait``, ``get``, ``get_nowait``, ``empty`` and ``qsize`` for one reader.

    ``get`` is a plain method returning a future, not a coroutine: an idle socket's task
    then waits on the future alone, one object fewer per socket for every full garbage
    collection to walk. A reader cancelled while waiting cancels the future, and the next
    message stays queued for the next ``get``. A reader cancelled in the instant after a
    message was handed to its future (before it resumed) loses that message: the one reader,
    uvicorn's ``receive`` under the socket's receive loop, is only cancelled when its socket
    ends, never with a timeout, so nothing it could still have read is lost."""

    __slots__ = ("_items", "_waiter")

    def __init__(self, items: list[Any] | None = None) -> None:
        self._items: list[Any] = items or []
        self._waiter: asyncio.Future[Any] | None = None

    def put_nowait(self, item: Any) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():  # (set only while nothing is queued)
            waiter.set_result(item)
        else:
            self._items.append(item)

    def get_nowait(self) -> Any:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.pop(0)

    def get(self) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        if self._items:
            future.set_result(self._items.pop(0))
        else:
            self._waiter = future
        return future

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class Flag:
    """``asyncio.Event``'s ``is_set``, ``set``, ``clear`` and ``wait``; no deque until waited on."""

    __slots__ = ("_value", "_waiters")

    def __init__(self, value: bool = False) -> None:
        self._value = value
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        if self._value:
            return
        self._value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


def slim(protocol: Any) -> None:
    """Swap uvicorn's queue and event on an accepted connection, keeping their contents.
    Call it from the connection's own task (the only reader), between two awaits."""
    queue: asyncio.Queue[Any] = protocol.queue
    pending = []
    while not queue.empty():
        pending.append(queue.get_nowait())
    protocol.queue = Inbox(pending)
    protocol.writable = Flag(protocol.writable.is_set())
