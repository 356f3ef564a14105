"""The Redis event bus: wake the nodes holding a user's sockets when the user's events commit.

Design choices, and why:

- **One channel per user** (``gatehouse:<namespace>:u:<user_id>``), and a node subscribes
  only to the users it holds sockets for (``watch``). Redis does the filtering, so a node
  never decodes traffic for users it does not serve; one shared channel would make every
  node parse every event of every user. The namespace is derived from the server key, so
  two installations sharing one Redis never hear each other (pub/sub ignores DB numbers).
- **The message carries the event itself** when it is small (up to 8 KiB), else only
  ``{user, seq}``. Either way it is only a hint: the hub compares the seq with what each
  socket has been sent and reads any gap from the database log, which is the truth.
  Redis pub/sub is at-most-once, so nothing depends on a message arriving.
- **A few event types go to every node** on one shared channel (``…:all``):
  ``session.ended`` and ``user.*``, which every node's principal cache must hear to evict
  at once, whether or not it holds sockets for that user. They are rare.
- **This node's own commits never take the Redis hop**: they go to the local listeners at
  once, and the copies Redis echoes back are recognised by the node id and ignored.
- **Losing Redis costs latency, never events.** Publishing never blocks a commit: messages
  queue for a background publisher, and whatever cannot be sent is remembered per user
  (its highest seq) and published as a wake-up once Redis is back. The reader reconnects
  with jittered exponential backoff and resubscribes; every subscribe confirmation wakes
  the hub for that user, so its sockets read whatever they missed from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from gatehouse.domain.clock import as_utc
from gatehouse.domain.sync.events import AccountEvent
from gatehouse.service.sync.ports import EventListener, WakeListener

logger = logging.getLogger("gatehouse.bus.redis")
FAILURES = (RedisError, OSError)
EVERY_NODE = ("session.ended", "user.")  # event types every node must hear


class RedisBus:
    def __init__(
        self,
        url: str,
        *,
        namespace: str,
        inline_limit: int = 8192,
        min_backoff: float = 0.05,
        max_backoff: float = 2.0,
        confirm_timeout: float = 2.0,
    ) -> None:
        self.node_id = secrets.token_hex(6)
        self._redis: Redis = Redis.from_url(
            url,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=2,
            socket_timeout=5,
            health_check_interval=10,
            client_name=f"gatehouse-bus-{self.node_id}",
        )
        self._prefix = f"gatehouse:{namespace}:u:"
        self._control = f"gatehouse:{namespace}:node:{self.node_id}"
        self._everyone = f"gatehouse:{namespace}:all"
        self._inline_limit = inline_limit
        self._min_backoff, self._max_backoff = min_backoff, max_backoff
        self._confirm_timeout = confirm_timeout
        self._listeners: list[EventListener] = []
        self._wake: list[WakeListener] = []
        self._watched: set[int] = set()
        self._subscribed: set[str] = set()  # SUBSCRIBE sent on the current connection
        self._confirmed: set[str] = set()  # ...and confirmed by Redis
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._pubsub: PubSub | None = None
        self._lock = asyncio.Lock()
        self._outbox: list[tuple[int, int, str, bytes]] = []  # user, seq, channel, message
        self._outbox_ready = asyncio.Event()
        self._debt: dict[int, int] = {}  # user -> highest seq not yet announced
        self._tasks: list[asyncio.Task[None]] = []
        self._chores: set[asyncio.Task[None]] = set()
        self.connected = False

    # --- the EventBus port ---------------------------------------------------------------
    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def on_wake(self, listener: WakeListener) -> None:
        self._wake.append(listener)

    async def publish(self, events: Sequence[AccountEvent]) -> None:
        for listener in list(self._listeners):
            await listener(events)
        self._ensure_started()
        self._outbox.extend(
            (
                e.user_id,
                e.seq,
                self._everyone if e.type.startswith(EVERY_NODE) else self._channel(e.user_id),
                self._encode(e),
            )
            for e in events
        )
        self._outbox_ready.set()

    async def watch(self, user_id: int) -> None:
        self._ensure_started()
        self._watched.add(user_id)
        channel = self._channel(user_id)
        if self._pubsub is None:
            return  # disconnected: the reader subscribes on reconnect, and wakes the hub
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(channel, []).append(waiter)
        try:
            await self._reconcile()
            if channel not in self._confirmed:
                await asyncio.wait_for(waiter, timeout=self._confirm_timeout)
        except (*FAILURES, TimeoutError):
            pass  # the confirmation, when it comes, wakes the hub for this user
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.get(channel, []).remove(waiter)

    def unwatch(self, user_id: int) -> None:
        self._watched.discard(user_id)
        if self._pubsub is not None:
            self._chore(self._reconcile())

    async def start(self) -> None:
        self._ensure_started()

    async def close(self) -> None:
        tasks = self._tasks + list(self._chores)
        self._tasks = []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, *FAILURES):
                await task
        with contextlib.suppress(*FAILURES):
            await self._redis.aclose()

    # --- publishing ----------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._read_forever()),
                asyncio.create_task(self._publish_forever()),
            ]

    def _channel(self, user_id: int) -> str:
        return f"{self._prefix}{user_id}"

    def _encode(self, event: AccountEvent) -> bytes:
        whole = orjson.dumps(
            {
                "n": self.node_id,
                "u": event.user_id,
                "s": event.seq,
                "e": {
                    "type": event.type,
                    "account": event.account,
                    "data": event.data,
                    "at": as_utc(event.at).isoformat(),
                },
            }
        )
        return (
            whole if len(whole) <= self._inline_limit else self._wake_up(event.user_id, event.seq)
        )

    def _wake_up(self, user_id: int, seq: int) -> bytes:
        return orjson.dumps({"n": self.node_id, "u": user_id, "s": seq})

    async def _publish_forever(self) -> None:
        backoff = self._min_backoff
        while True:
            if not self._outbox and not self._debt:
                self._outbox_ready.clear()
                await self._outbox_ready.wait()
            owed = [(u, s, self._channel(u), self._wake_up(u, s)) for u, s in self._debt.items()]
            batch, self._outbox, self._debt = owed + self._outbox, [], {}
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for _, _, channel, payload in batch:
                        pipe.publish(channel, payload)
                    await pipe.execute()
                backoff = self._min_backoff
            except FAILURES as error:
                for user_id, seq, _, _ in batch:
                    self._debt[user_id] = max(self._debt.get(user_id, 0), seq)
                if backoff == self._min_backoff:
                    logger.warning("cannot publish to Redis (%s); will retry", error)
                await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
                backoff = min(backoff * 2, self._max_backoff)

    # --- listening -----------------------------------------------------------------------
    async def _read_forever(self) -> None:
        backoff = self._min_backoff
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._control, self._everyone)
                async with self._lock:
                    self._subscribed, self._confirmed = set(), set()
                    self._pubsub = pubsub
                await self._reconcile()
                backoff = self._min_backoff
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is not None:
                        await self._handle(message)
            except FAILURES as error:
                if self.connected or backoff == self._min_backoff:
                    logger.warning("lost Redis (%s); serving on, reconnecting", error)
                self.connected = False
            finally:
                self._pubsub = None
                with contextlib.suppress(*FAILURES):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
            backoff = min(backoff * 2, self._max_backoff)

    async def _reconcile(self) -> None:
        """Make the connection's subscriptions match the watched users."""
        async with self._lock:
            pubsub = self._pubsub
            if pubsub is None:
                return
            wanted = {self._channel(u) for u in self._watched}
            add, drop = wanted - self._subscribed, self._subscribed - wanted
            if add:
                self._subscribed |= add
                self._confirmed -= add
                await pubsub.subscribe(*add)
            if drop:
                self._subscribed -= drop
                await pubsub.unsubscribe(*drop)

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        channel = _text(message.get("channel"))
        if kind == "subscribe":
            self._confirmed.add(channel)
            for waiter in self._waiters.pop(channel, []):
                if not waiter.done():
                    waiter.set_result(None)
            if channel == self._control:
                if not self.connected:
                    logger.info("connected to Redis")
                self.connected = True
            elif channel.startswith(self._prefix):
                self._notify(int(channel[len(self._prefix) :]), None)
        elif kind == "unsubscribe":
            self._confirmed.discard(channel)
        elif kind == "message":
            await self._deliver(message.get("data"))

    async def _deliver(self, data: object) -> None:
        try:
            body = orjson.loads(data) if isinstance(data, bytes | str) else None
            if not isinstance(body, dict) or body.get("n") == self.node_id:
                return
            user_id, seq = int(body["u"]), int(body["s"])
            inline = body.get("e")
            event = None
            if isinstance(inline, dict):
                event = AccountEvent(
                    user_id=user_id,
                    seq=seq,
                    type=str(inline["type"]),
                    account=str(inline["account"]),
                    at=datetime.fromisoformat(str(inline["at"])),
                    data=dict(inline["data"]),
                )
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring a malformed bus message")
            return
        if event is None:
            self._notify(user_id, seq)
            return
        for listener in list(self._listeners):
            try:
                await listener([event])
            except Exception:
                logger.exception("an event listener failed")

    def _notify(self, user_id: int, seq: int | None) -> None:
        for listener in list(self._wake):
            try:
                listener(user_id, seq)
            except Exception:
                logger.exception("a wake-up listener failed")

    def _chore(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(self._quietly(work))
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    @staticmethod
    async def _quietly(work: Any) -> None:
        with contextlib.suppress(*FAILURES):
            await work


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")
