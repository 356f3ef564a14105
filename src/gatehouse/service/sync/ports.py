"""The ports of sync: the event log and the bus that wakes other nodes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from gatehouse.domain.sync.events import AccountEvent

EventListener = Callable[[Sequence[AccountEvent]], Awaitable[None]]
WakeListener = Callable[[int, int | None], None]


class EventRepository(Protocol):
    async def append(
        self, *, user_id: int, type: str, account: str, data: dict[str, object], at: datetime
    ) -> AccountEvent: ...
    async def since(
        self, user_id: int, seq: int, *, limit: int = 1000
    ) -> Sequence[AccountEvent]: ...
    async def oldest_seq(self, user_id: int) -> int | None: ...
    async def head(self, user_id: int) -> tuple[int, datetime] | None:
        """The user's last seq handed out, and when the user (so the log) was created."""
        ...

    async def prune(self, *, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` events recorded before ``before``, the oldest first;
        returns how many went."""
        ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[AccountEvent]) -> None:
        """Announce committed events to every node (in-process, or Redis between nodes)."""
        ...


class EventBus(EventPublisher, Protocol):
    """Carries committed events to every node; a node hears only the users it ``watch``es.

    Delivery is a hint, the database log is the truth: a wake-up ``(user_id, seq)`` (seq
    None: "anything may have been missed") tells the hub to read the log itself.
    """

    def subscribe(self, listener: EventListener) -> None: ...
    def on_wake(self, listener: WakeListener) -> None: ...
    async def watch(self, user_id: int) -> None:
        """Hear this user's events from other nodes; returns once that is in effect."""
        ...

    def unwatch(self, user_id: int) -> None: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...
