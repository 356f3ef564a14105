"""The event log in SQL: append with the next per-user seq, read after a seq, prune."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.identity import tables as t
from gatehouse.adapters.db.pruning import delete_before
from gatehouse.adapters.db.sync.tables import events
from gatehouse.domain.sync.events import AccountEvent

# Built once (every commit with events runs it): takes the user's row lock and reserves seqs.
_RESERVE_SEQS = (
    update(t.users)
    .where(t.users.c.id == bindparam("uid", type_=t.users.c.id.type))
    .values(event_seq=t.users.c.event_seq + bindparam("n", type_=t.users.c.event_seq.type))
    .returning(t.users.c.event_seq)
)


class SqlEvents:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db
        self.appended: list[AccountEvent] = []
        self._pending: list[AccountEvent] = []

    async def append(
        self, *, user_id: int, type: str, account: str, data: dict[str, object], at: datetime
    ) -> AccountEvent:
        """Record an event in this transaction; its ``seq`` is given at the commit
        (:meth:`seal`), together with the transaction's other events."""
        event = AccountEvent(user_id=user_id, seq=0, type=type, account=account, at=at, data=data)
        self._pending.append(event)
        return event

    async def seal(self) -> None:
        """Number the transaction's new events and add them, just before its commit: one
        ``UPDATE … RETURNING`` per user takes that user's row lock and reserves as many seqs
        as the user has events, so seqs never gap or repeat (an order's fill writes five
        events: one round trip instead of five, and one batched insert)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        by_user: dict[int, list[AccountEvent]] = {}
        for event in pending:
            by_user.setdefault(event.user_id, []).append(event)
        for user_id in sorted(by_user):  # one lock order for every transaction
            mine = by_user[user_id]
            reserved = {"uid": user_id, "n": len(mine)}
            last = (await self._db.execute(_RESERVE_SEQS, reserved)).scalar_one()
            for offset, event in enumerate(mine):
                event.seq = int(last) - len(mine) + 1 + offset
        self._db.add_all(pending)
        self.appended.extend(pending)

    def discard(self) -> None:
        self._pending = []
        self.appended = []

    async def since(self, user_id: int, seq: int, *, limit: int = 1000) -> Sequence[AccountEvent]:
        query = (
            select(AccountEvent)
            .where(events.c.user_id == user_id, events.c.seq > seq)
            .order_by(events.c.seq)
            .limit(limit)
        )
        return (await self._db.execute(query)).scalars().all()

    async def oldest_seq(self, user_id: int) -> int | None:
        query = select(func.min(events.c.seq)).where(events.c.user_id == user_id)
        value = (await self._db.execute(query)).scalar_one_or_none()
        return int(value) if value is not None else None

    async def head(self, user_id: int) -> tuple[int, datetime] | None:
        query = select(t.users.c.event_seq, t.users.c.created_at).where(t.users.c.id == user_id)
        row = (await self._db.execute(query)).first()
        return (int(row[0]), row[1]) if row is not None else None

    async def prune(self, *, before: datetime, limit: int) -> int:
        # one bounded batch, the oldest first (by ix_events_at): a big log is pruned in
        # short transactions, not one long write lock
        c = events.c
        return await delete_before(
            self._db, events, key=c.id, column=c.at, before=before, limit=limit
        )
