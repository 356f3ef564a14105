"""The in-process event bus: committed events go straight to this node's listeners."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from gatehouse.domain.events import AccountEvent

Listener = Callable[[Sequence[AccountEvent]], Awaitable[None]]


class MemoryBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def publish(self, events: Sequence[AccountEvent]) -> None:
        for listener in list(self._listeners):
            await listener(events)
