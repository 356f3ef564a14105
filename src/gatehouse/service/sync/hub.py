"""The per-node sync hub: who is connected here, and gapless, never-waiting fan-out to them.

Every socket is a ``Subscriber``: one user, one session, and the last ``seq`` it was sent.
Events reach the hub from the bus (this node's commits, or other nodes' through Redis).
For each subscriber of the event's user the hub writes the events that follow its last
seq straight into the socket's buffer (``Outlet.offer`` never waits, so one slow client
cannot hold up the others); a subscriber whose buffer is full is dropped and resumes
later from its last seq. When an event's seq jumps, or a wake-up says something may have
been missed, the subscriber reads the database log in a task of its own until it has
caught up, then goes live again. The log is the truth; the bus only says "look".

A ``session.ended`` event closes that session's sockets on every node that sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Protocol

from gatehouse.domain.sync.event_log import LogPosition, plan_resume
from gatehouse.domain.sync.events import AccountEvent
from gatehouse.service.context import ServiceContext
from gatehouse.service.sync import frames, log
from gatehouse.service.sync.ports import EventBus

logger = logging.getLogger("gatehouse.sync")

SESSION_ENDED = "session.ended"


class CloseCode(IntEnum):
    """WebSocket close codes the sync sockets use (4000-4999 are the application's)."""

    SESSION_ENDED = 4001  # revoked, signed out or expired: sign in again
    TOO_SLOW = 4002  # fell behind the stream: reconnect and resume from the last seq
    INTERNAL = 1011


class Outlet(Protocol):
    """One connected socket, as the hub writes to it."""

    def offer(self, frame: bytes) -> bool:
        """Buffer a text frame (UTF-8) without waiting; False when the client is behind or gone."""
        ...

    async def send(self, frame: bytes) -> bool:
        """Send ``frame``, waiting (within the outlet's time limit) for buffer room."""
        ...

    def close(self, code: int, reason: str) -> None:
        """Close soon, without waiting; a client that cannot take the close is cut off."""
        ...


@dataclass(frozen=True, eq=False)
class Heartbeat:
    """A frame sent to every member socket every ``every`` seconds."""

    every: float
    frame: Callable[[datetime], bytes]


Renderer = Callable[[AccountEvent], Sequence[bytes]]


@dataclass(eq=False, slots=True)
class Subscriber:
    """One socket's place in its user's event stream."""

    user_id: int
    session_id: str
    outlet: Outlet
    expires_at: datetime
    heartbeat: Heartbeat | None = None
    render: Renderer | None = None  # None: the standard ``/events`` frame
    gapless: bool = True  # resync when the log cannot fill a gap (else skip past it)
    last_seq: int | None = None  # None until the client resumes: it is sent nothing
    live: bool = False  # False while its own task reads the log
    missed: bool = False  # an event arrived while it was not live
    announce: str | None = None  # send ``ready`` with this epoch once caught up
    closed: bool = False
    catch_up: asyncio.Task[None] | None = field(default=None, repr=False)


BEAT_SPREAD_SECONDS = 1.0


def beat_gap(every: float, slices: int) -> float:
    """The pause between a heartbeat round's slices: the round spread over at most
    ``BEAT_SPREAD_SECONDS`` and a quarter of the period."""
    return min(BEAT_SPREAD_SECONDS, every / 4) / max(1, slices)


class SyncHub:
    def __init__(
        self,
        ctx: ServiceContext,
        bus: EventBus,
        *,
        replay_batch: int = 500,
        log_readers: int = 8,
        beat_slice: int = 250,
    ) -> None:
        self._ctx = ctx
        self._bus = bus
        self._batch = replay_batch
        # A heartbeat round writes to this many sockets at a time, the slices spread over up
        # to a second (``BEAT_SPREAD_SECONDS``): 10,000 sockets written back to back (~12 us
        # each) held the loop for over 100 ms, and were as much of a burst downstream.
        self._beat_slice = beat_slice
        # At most this many log reads at once. After a restart every client reconnects and
        # resumes together: unbounded, each resume would open its unit of work and wait for
        # a pooled connection holding it (~7 KiB each), and that burst of short-lived
        # objects, interleaved with the sockets' long-lived ones, pins allocator arenas for
        # good: an idle socket measured 27 KiB of RSS instead of 13 (docs/benchmarks.md).
        self._readers = asyncio.Semaphore(log_readers)
        self._users: dict[int, set[Subscriber]] = {}
        self._sessions: dict[str, set[Subscriber]] = {}
        self._beats: dict[Heartbeat, set[Subscriber]] = {}
        self._beat_tasks: dict[Heartbeat, asyncio.Task[None]] = {}
        self._named_beats: dict[str, Heartbeat] = {}
        bus.subscribe(self.on_events)
        bus.on_wake(self.on_wake)

    @property
    def connections(self) -> int:
        return sum(len(subs) for subs in self._users.values())

    # --- membership --------------------------------------------------------------------
    async def attach(self, sub: Subscriber) -> None:
        """Register a socket; returns once the user's events from every node reach it."""
        first = sub.user_id not in self._users
        self._users.setdefault(sub.user_id, set()).add(sub)
        self._sessions.setdefault(sub.session_id, set()).add(sub)
        if sub.heartbeat is not None:
            self._beats.setdefault(sub.heartbeat, set()).add(sub)
            if sub.heartbeat not in self._beat_tasks:
                self._beat_tasks[sub.heartbeat] = asyncio.create_task(self._beat(sub.heartbeat))
        if first:
            await self._bus.watch(sub.user_id)

    def detach(self, sub: Subscriber) -> None:
        """Forget a socket (idempotent)."""
        sub.closed = True
        self._stop_catch_up(sub)
        users = self._users.get(sub.user_id)
        if users is not None and sub in users:
            users.discard(sub)
            if not users:
                del self._users[sub.user_id]
                self._bus.unwatch(sub.user_id)
        sessions = self._sessions.get(sub.session_id)
        if sessions is not None:
            sessions.discard(sub)
            if not sessions:
                del self._sessions[sub.session_id]
        if sub.heartbeat is not None:
            self._beats.get(sub.heartbeat, set()).discard(sub)

    def drop(self, sub: Subscriber, code: CloseCode, reason: str) -> None:
        if sub.closed:
            return
        self.detach(sub)
        sub.outlet.close(int(code), reason)

    async def resume(self, sub: Subscriber, *, since: int | None, epoch: str | None) -> None:
        """A client's ``resume``: replay what it missed then stream, or tell it to resync."""
        self.pause(sub)
        sub.missed = False
        where = await self._position(sub.user_id, since=since)
        plan = plan_resume(where, since=since, epoch=epoch)
        if plan.resync:
            self._offer_or_drop(sub, frames.resync_frame(where.head, where.epoch))
        elif plan.since == where.head and not sub.missed:
            self._go_live(sub, where.head, announce=where.epoch)
        else:
            self.follow(sub, plan.since, announce=where.epoch)

    async def follow_live(self, sub: Subscriber) -> None:
        """Stream the events committed from now on (no replay)."""
        self.pause(sub)
        sub.missed = False
        where = await self._position(sub.user_id)
        if sub.missed:
            self.follow(sub, where.head)
        else:
            self._go_live(sub, where.head, announce=None)

    async def _position(self, user_id: int, *, since: int | None = None) -> LogPosition:
        async with self._readers:
            return await log.position(self._ctx, user_id, since=since)

    def _go_live(self, sub: Subscriber, head: int, *, announce: str | None) -> None:
        # Nothing to replay, and nothing was published for this user while we read the
        # head (``missed`` is still False): every event up to ``head`` is behind the
        # client, every later one will be published to it. No need to read the log.
        sub.last_seq, sub.live = head, True
        if announce is not None:
            self._offer_or_drop(sub, frames.ready_frame(head, announce))

    def _offer_or_drop(self, sub: Subscriber, frame: bytes) -> None:
        if not sub.outlet.offer(frame):
            self.drop(sub, CloseCode.TOO_SLOW, "too slow: resume from your last seq")

    def follow(self, sub: Subscriber, since: int, *, announce: str | None = None) -> None:
        """Send ``sub`` every event after ``since`` from the log, then live ones."""
        self._stop_catch_up(sub)
        sub.last_seq, sub.live, sub.announce = since, False, announce
        self._start_catch_up(sub)

    def heartbeat(self, name: str, every: float, frame: Callable[[datetime], bytes]) -> Heartbeat:
        """The node's one heartbeat called ``name`` (sockets sharing it beat together)."""
        found = self._named_beats.get(name)
        if found is None:
            found = self._named_beats[name] = Heartbeat(every, frame)
        return found

    def pause(self, sub: Subscriber) -> None:
        """Send ``sub`` no events until it resumes again."""
        self._stop_catch_up(sub)
        sub.last_seq, sub.live, sub.announce = None, False, None

    # --- fan-out -------------------------------------------------------------------------
    async def on_events(self, events: Sequence[AccountEvent]) -> None:
        """Bus listener: committed events, of any users, in seq order per user."""
        by_user: dict[int, list[AccountEvent]] = {}
        for event in events:
            by_user.setdefault(event.user_id, []).append(event)
        for user_id, mine in by_user.items():
            subs = self._users.get(user_id)
            if subs:
                mine.sort(key=lambda e: e.seq)
                self._fan_out(subs, mine)
        self._end_sessions(events)

    def on_wake(self, user_id: int, seq: int | None) -> None:
        """Bus listener: the user's log may hold events (up to ``seq``) not yet seen here."""
        for sub in list(self._users.get(user_id, ())):
            if sub.last_seq is None:
                sub.missed = True  # it may be about to go live: make it read the log
            elif seq is None or seq > sub.last_seq:
                self._lagging(sub)

    def _fan_out(self, subs: set[Subscriber], events: list[AccountEvent]) -> None:
        shared: dict[int, bytes] = {}
        for sub in list(subs):
            if sub.last_seq is None or not sub.live:
                sub.missed = True
                continue
            for event in events:
                if event.seq <= sub.last_seq:
                    continue
                if event.seq != sub.last_seq + 1:
                    self._lagging(sub)
                    break
                if not self._offer(sub, event, shared):
                    break
                sub.last_seq = event.seq

    def _offer(self, sub: Subscriber, event: AccountEvent, shared: dict[int, bytes]) -> bool:
        if sub.render is not None:
            out: Sequence[bytes] = sub.render(event)
        else:
            frame = shared.get(event.seq)
            if frame is None:
                frame = shared[event.seq] = frames.event_frame(event)
            out = (frame,)
        for frame in out:
            if not sub.outlet.offer(frame):
                self.drop(sub, CloseCode.TOO_SLOW, "too slow: resume from your last seq")
                return False
        return True

    def _end_sessions(self, events: Sequence[AccountEvent]) -> None:
        for event in events:
            if event.type != SESSION_ENDED:
                continue
            session_id = str(event.data.get("session_id", ""))
            reason = str(event.data.get("reason") or "ended")
            for sub in list(self._sessions.get(session_id, ())):
                self.drop(sub, CloseCode.SESSION_ENDED, f"session ended: {reason}"[:100])

    # --- catching up from the log ---------------------------------------------------------
    def _lagging(self, sub: Subscriber) -> None:
        sub.live = False
        sub.missed = True
        if sub.catch_up is None and not sub.closed:
            self._start_catch_up(sub)

    def _start_catch_up(self, sub: Subscriber) -> None:
        sub.catch_up = asyncio.create_task(self._catch_up(sub))

    def _stop_catch_up(self, sub: Subscriber) -> None:
        task, sub.catch_up = sub.catch_up, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _catch_up(self, sub: Subscriber) -> None:
        try:
            await self._read_until_caught_up(sub)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("catching up user %s from the event log failed", sub.user_id)
            self.drop(sub, CloseCode.INTERNAL, "internal error: reconnect and resume")
        finally:
            if sub.catch_up is asyncio.current_task():
                sub.catch_up = None

    async def _read_until_caught_up(self, sub: Subscriber) -> None:
        while not sub.closed and sub.last_seq is not None:
            sub.missed = False
            async with self._readers:
                batch = await log.read_after(
                    self._ctx, sub.user_id, sub.last_seq, limit=self._batch
                )
            if batch and batch[0].seq != sub.last_seq + 1:  # pruned under our feet
                if sub.gapless:
                    await self._resync(sub)
                    return
                sub.last_seq = batch[0].seq - 1
            for event in batch:
                for frame in sub.render(event) if sub.render else (frames.event_frame(event),):
                    if not await sub.outlet.send(frame):
                        self.drop(sub, CloseCode.TOO_SLOW, "too slow: resume from your last seq")
                        return
                sub.last_seq = event.seq
            self._end_sessions(batch)
            # No await between this check and going live: an event published from here on
            # finds the subscriber live; one published earlier has set ``missed``.
            if len(batch) < self._batch and not sub.missed and not sub.closed:
                sub.live = True
                if sub.announce is not None:
                    epoch, sub.announce = sub.announce, None
                    self._offer_or_drop(sub, frames.ready_frame(sub.last_seq, epoch))
                return

    async def _resync(self, sub: Subscriber) -> None:
        where = await self._position(sub.user_id)
        self.pause(sub)
        await sub.outlet.send(frames.resync_frame(where.head, where.epoch))

    # --- heartbeats ------------------------------------------------------------------------
    async def _beat(self, heartbeat: Heartbeat) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + heartbeat.every
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            # Rounds start every ``every`` seconds however long one takes (never to catch up).
            due = max(due, loop.time()) + heartbeat.every
            now = self._ctx.clock.now()
            frame = heartbeat.frame(now)
            members = list(self._beats.get(heartbeat, ()))
            slices = range(0, len(members), self._beat_slice)
            gap = beat_gap(heartbeat.every, len(slices))
            for start in slices:
                if start:
                    await asyncio.sleep(gap)
                for sub in members[start : start + self._beat_slice]:
                    if sub.closed:  # went away while other work ran
                        continue
                    if sub.expires_at <= now:
                        self.drop(sub, CloseCode.SESSION_ENDED, "session ended: expired")
                    elif sub.catch_up is None and not sub.outlet.offer(frame):
                        self.drop(sub, CloseCode.TOO_SLOW, "too slow: resume from your last seq")

    async def stop(self) -> None:
        """Stop heartbeats and catch-ups (the server closes the sockets themselves)."""
        tasks = list(self._beat_tasks.values())
        self._beat_tasks.clear()
        for subs in self._users.values():
            for sub in subs:
                if sub.catch_up is not None:
                    tasks.append(sub.catch_up)
                    sub.catch_up = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
