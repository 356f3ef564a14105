"""A short-lived, per-node cache of authenticated sessions, so a request costs no query.

Entries live a few seconds at most; ``session.ended`` events (local or from other nodes)
evict them at once, so a revoked session is refused immediately. Anything the cache cannot
decide — a session that looks expired, or a touch that is due — goes back to the database.

Those trips are single-flight: while one request of a token reads or touches its session,
the token's other requests wait for that answer instead of each making the same trip (no
stampede when an entry expires or a touch falls due under load).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gatehouse.domain.identity.sessions import Session
from gatehouse.domain.identity.users import User
from gatehouse.domain.sync.events import AccountEvent


@dataclass
class _Entry:
    user: User
    session: Session
    cached_at: datetime


class PrincipalCache:
    def __init__(self, *, ttl_seconds: float = 5.0, max_entries: int = 100_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_session: dict[str, str] = {}
        self._flights: dict[str, asyncio.Future[tuple[User, Session]]] = {}

    async def single_flight(
        self, token_hash: str, load: Callable[[], Awaitable[tuple[User, Session]]]
    ) -> tuple[User, Session]:
        """``load()``'s answer (or error), shared by every caller for ``token_hash`` while it
        runs. It runs as a task of its own, so a caller that goes away cancels nobody else."""
        flight = self._flights.get(token_hash)
        if flight is None:
            flight = asyncio.ensure_future(load())
            self._flights[token_hash] = flight

            def landed(done: asyncio.Future[tuple[User, Session]]) -> None:
                if self._flights.get(token_hash) is done:
                    del self._flights[token_hash]

            flight.add_done_callback(landed)
        return await asyncio.shield(flight)

    def get(self, token_hash: str, now: datetime) -> tuple[User, Session] | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if (now - entry.cached_at).total_seconds() > self.ttl_seconds:
            self._drop(token_hash)
            return None
        return entry.user, entry.session

    def put(self, token_hash: str, user: User, session: Session, now: datetime) -> None:
        if self.ttl_seconds <= 0:
            return
        self._entries[token_hash] = _Entry(user, session, now)
        self._entries.move_to_end(token_hash)
        self._by_session[session.public_id] = token_hash
        # Entries are in the order they were cached: sweep the stale ones off the front, so
        # sessions that stay connected without making requests do not pin their objects.
        while (first := next(iter(self._entries))) != token_hash and (
            (now - self._entries[first].cached_at).total_seconds() > self.ttl_seconds
        ):
            self._drop(first)
        while len(self._entries) > self.max_entries:
            oldest, _ = self._entries.popitem(last=False)
            self._forget_session_of(oldest)

    def evict_session(self, public_id: str) -> None:
        token_hash = self._by_session.pop(public_id, None)
        if token_hash is not None:
            self._entries.pop(token_hash, None)

    def evict_user(self, user_id: int) -> None:
        for token_hash in [k for k, e in self._entries.items() if e.user.id == user_id]:
            self._drop(token_hash)

    async def on_events(self, events: Sequence[AccountEvent]) -> None:
        """Bus listener: forget sessions that ended, and users whose account changed."""
        for event in events:
            if event.type == "session.ended":
                self.evict_session(str(event.data.get("session_id", "")))
            elif event.type.startswith("user."):
                self.evict_user(event.user_id)

    def _drop(self, token_hash: str) -> None:
        entry = self._entries.pop(token_hash, None)
        if entry is not None:
            self._by_session.pop(entry.session.public_id, None)

    def _forget_session_of(self, token_hash: str) -> None:
        for public_id, cached in list(self._by_session.items()):
            if cached == token_hash:
                del self._by_session[public_id]
                break
