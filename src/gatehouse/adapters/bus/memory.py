"""The in-process event bus: committed events go straight to this node's listeners.

With one node there is nobody else to tell, so ``watch`` and the wake-ups are no-ops.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.domain.sync.events import AccountEvent
from gatehouse.service.sync.ports import EventListener, WakeListener


class MemoryBus:
    def __init__(self) -> None:
        self._listeners: list[EventListener] = []

    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def on_wake(self, listener: WakeListener) -> None:
        """Nothing is ever lost in-process, so nobody is woken to catch up."""

    async def publish(self, events: Sequence[AccountEvent]) -> None:
        for listener in list(self._listeners):
            await listener(events)

    async def watch(self, user_id: int) -> None:
        """Every local event reaches the listeners already."""

    def unwatch(self, user_id: int) -> None:
        """See ``watch``."""

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to disconnect from."""
