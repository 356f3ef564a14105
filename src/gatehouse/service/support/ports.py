"""The ports of support: message threads and the directory of users the console searches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from gatehouse.domain.support.messages import Message, Side, Thread


class MessageRepository(Protocol):
    async def add_thread(self, thread: Thread) -> None: ...
    async def thread(self, public_id: str) -> Thread | None: ...
    async def threads(
        self, *, user_id: int | None, side: Side, limit: int = 200
    ) -> Sequence[tuple[Thread, str, int]]:
        """(thread, owner's username, unread for ``side``), newest first; all users if None."""
        ...

    async def add_message(
        self, thread: Thread, *, side: Side, author: str, body: str, at: datetime
    ) -> Message: ...
    async def messages(self, thread_id: int) -> Sequence[Message]: ...
    async def mark_read(self, thread_id: int, *, side: Side, seq: int) -> None: ...
    async def unread(self, *, user_id: int | None, side: Side) -> int: ...
