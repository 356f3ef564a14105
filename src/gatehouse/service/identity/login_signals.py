"""Wake-ups for sign-ins waiting on a long poll, so a push decision ends the wait at once.

In-process only: with several nodes the waiting poll still re-reads the database every
quarter second, so a decision made on another node is seen almost as quickly.
"""

from __future__ import annotations

import asyncio
import contextlib


class LoginSignals:
    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Event]] = {}

    async def wait(self, login_id: str, seconds: float) -> None:
        """Return when ``notify(login_id)`` is called, or after ``seconds``."""
        event = asyncio.Event()
        self._waiting.setdefault(login_id, set()).add(event)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), seconds)
        finally:
            waiting = self._waiting.get(login_id)
            if waiting is not None:
                waiting.discard(event)
                if not waiting:
                    del self._waiting[login_id]

    def notify(self, login_id: str) -> None:
        for event in self._waiting.get(login_id, ()):
            event.set()
