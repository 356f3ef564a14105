"""The event-log tail: every node reads the events *other processes* commit from the database.

Whatever process writes an event — the CLI (``gatehouse users lock``, ``gatehouse support
reply``), another node without Redis, another node while Redis is down — the log is the
truth, so each server polls it (docs/sync.md, "Events from other processes"):

- every ``interval`` (0.2 s) one narrow query, ``SELECT id FROM events WHERE id > :mark``,
  an index range scan that returns nothing when nothing was written;
- ids this node published itself are skipped (its own sockets already have them); the rest
  are read in full and handed to the same listeners the bus feeds (the hub — which checks
  each ``seq`` and reads gaps from the log —, the principal cache, the account-book cache);
- on PostgreSQL ids are taken at insert but become visible at commit, so an id missing
  below the newest one seen is looked for again for ``gap_seconds`` (5 s) before it is
  taken for a rolled-back insert.

It wraps the node's bus (in-process or Redis), so with Redis up an event may arrive twice:
harmless, the hub ignores a ``seq`` it has sent, and evictions are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from gatehouse.adapters.db.sync.tables import events
from gatehouse.domain.sync.events import AccountEvent
from gatehouse.service.sync.ports import EventBus, EventListener, WakeListener

logger = logging.getLogger("gatehouse.bus.tail")


class LogTail:
    """An ``EventBus`` that also delivers events committed by other processes."""

    def __init__(
        self,
        inner: EventBus,
        engine: AsyncEngine,
        *,
        interval: float = 0.2,
        gap_seconds: float = 5.0,
        batch: int = 1000,
    ) -> None:
        self.inner = inner
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._interval, self._gap_seconds, self._batch = interval, gap_seconds, batch
        self._listeners: list[EventListener] = []
        self._mark: int | None = None  # every id up to here was seen (or given up on)
        self._local: set[int] = set()  # ids this node published above the mark
        self._missing: dict[int, float] = {}  # id -> when to stop looking for it
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0  # events from other processes handed to the listeners

    # --- the EventBus port, delegated ------------------------------------------------------
    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)
        self.inner.subscribe(listener)

    def on_wake(self, listener: WakeListener) -> None:
        self.inner.on_wake(listener)

    async def publish(self, events_: Sequence[AccountEvent]) -> None:
        if self._task is not None:
            self._local.update(e.id for e in events_ if e.id is not None)
        await self.inner.publish(events_)

    async def watch(self, user_id: int) -> None:
        await self.inner.watch(user_id)

    def unwatch(self, user_id: int) -> None:
        self.inner.unwatch(user_id)

    async def start(self) -> None:
        await self.inner.start()
        if self._task is None and self._interval > 0:
            self._mark = await self._newest()
            self._task = asyncio.create_task(self._tail_forever())

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.inner.close()

    # --- tailing ---------------------------------------------------------------------------
    async def _tail_forever(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:  # the database may be restarting: try again next time
                logger.warning("reading the event log failed; will retry", exc_info=True)
            await asyncio.sleep(self._interval)

    async def poll(self) -> int:
        """One look at the log; returns how many foreign events were delivered."""
        mark = self._mark if self._mark is not None else await self._newest()
        c = events.c
        async with self._sessions() as db:
            newer = c.id > mark
            where = or_(newer, c.id.in_(list(self._missing))) if self._missing else newer
            ids = [
                int(i)
                for i in (
                    await db.execute(select(c.id).where(where).order_by(c.id).limit(self._batch))
                ).scalars()
            ]
            foreign = [i for i in ids if i not in self._local]
            found: list[AccountEvent] = []
            if foreign:
                rows = await db.execute(select(events).where(c.id.in_(foreign)).order_by(c.id))
                found = [
                    AccountEvent(
                        user_id=r.user_id,
                        seq=r.seq,
                        type=r.type,
                        account=r.account,
                        at=r.at,
                        data=dict(r.data or {}),
                        id=r.id,
                    )
                    for r in rows
                ]
        self._advance(mark, ids)
        if found:
            self.delivered += len(found)
            for listener in list(self._listeners):
                await listener(found)
        return len(found)

    def _advance(self, mark: int, ids: list[int]) -> None:
        now = time.monotonic()
        for i in ids:
            self._missing.pop(i, None)
        newest = max([mark, *ids])
        seen = set(ids)
        if newest - mark <= 10_000:  # a hole below the newest id: maybe not committed yet
            for i in range(mark + 1, newest):
                if i not in seen and i not in self._missing:
                    self._missing[i] = now + self._gap_seconds
        self._missing = {i: until for i, until in self._missing.items() if until > now}
        self._mark = newest
        self._local = {i for i in self._local if i > newest or i in self._missing}

    async def _newest(self) -> int:
        async with self._sessions() as db:
            value = (await db.execute(select(func.max(events.c.id)))).scalar_one_or_none()
        return int(value or 0)
