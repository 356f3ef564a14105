"""A short-lived, per-node cache of account books, so reading a summary costs no query.

An entry is an account record and its book (cash and open lots) as last read. Every change
to an account records an event; the bus hands this node's events (and, with Redis, those of
users it watches) to :meth:`AccountBooks.on_events`, which drops the account's entry. Entries
also expire after a few seconds, which bounds what another node's change can leave stale.
A read that started before a change must not store what it read: :meth:`put` refuses an
entry read before the account's latest eviction.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gatehouse.domain.sync.events import AccountEvent
from gatehouse.domain.trading.accounts import BrokerageAccount
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import Book
from gatehouse.domain.trading.margin import MarginSnapshot


@dataclass(frozen=True)
class CachedFigures:
    at: datetime  # when they were computed
    until: datetime  # the next quote tick: they hold until then (or the account's next event)
    figures: MarginSnapshot


@dataclass
class CachedBook:
    account: BrokerageAccount
    book: Book  # cash and open lots; realized lots are not loaded (the account has the total)
    loaded_at: datetime
    previous: tuple[datetime, Decimal | None] | None = None  # (close, ELV at that close)
    figures: CachedFigures | None = None  # the figures at the current tick's quotes
    fills: tuple[datetime, Sequence[Execution]] | None = None  # (day start, fills since it)


class AccountBooks:
    def __init__(self, *, ttl_seconds: float = 2.0, max_entries: int = 50_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CachedBook] = OrderedDict()
        self._evictions = 0  # evictions so far: the generation a read starts under
        self._evicted: dict[str, int] = {}  # account -> the eviction count when it was last evicted
        self._forgotten = 0  # evictions before this were forgotten: refuse reads older than it
        self._loads: dict[str, asyncio.Future[CachedBook]] = {}  # reads in flight

    def get(self, account_id: str, now: datetime) -> CachedBook | None:
        entry = self._entries.get(account_id)
        if entry is None:
            return None
        if abs((now - entry.loaded_at).total_seconds()) > self.ttl_seconds:
            del self._entries[account_id]
            return None
        return entry

    async def loading(
        self, account_id: str, read: Callable[[], Awaitable[CachedBook]]
    ) -> CachedBook:
        """``read()`` the account once for every caller waiting on it at the same time.

        The read runs as a task of its own, so a caller that goes away does not cancel it
        for the others.
        """
        task = self._loads.get(account_id)
        if task is None:
            task = asyncio.ensure_future(read())
            self._loads[account_id] = task
            task.add_done_callback(lambda _: self._loads.pop(account_id, None))
        return await asyncio.shield(task)

    def generation(self, account_id: str) -> int:
        """A token to hand back to :meth:`put`: taken before reading the account."""
        return self._evictions

    def put(self, entry: CachedBook, *, generation: int) -> None:
        account_id = entry.account.account_id
        evicted = max(self._evicted.get(account_id, 0), self._forgotten)
        if self.ttl_seconds <= 0 or generation < evicted:
            return  # evicted since the read began: what was read may be stale
        self._entries[account_id] = entry
        self._entries.move_to_end(account_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def evict(self, account_id: str) -> None:
        self._entries.pop(account_id, None)
        self._evictions += 1
        self._evicted[account_id] = self._evictions
        if len(self._evicted) > 4 * self.max_entries:
            self._evicted.clear()
            self._forgotten = self._evictions

    async def on_events(self, events: Sequence[AccountEvent]) -> None:
        """Bus listener: any event about an account means its book may have changed."""
        for event in events:
            if event.account:
                self.evict(event.account)
