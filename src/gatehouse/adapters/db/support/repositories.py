"""SQL storage of message threads and messages, and the support console's user directory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.support import tables as m
from gatehouse.domain.clock import as_utc
from gatehouse.domain.support.messages import Message, Side, Thread

_T = m.message_threads.c
_M = m.messages.c


def _thread(row: Any) -> Thread:
    return Thread(
        id=int(row.id),
        public_id=row.public_id,
        user_id=int(row.user_id),
        subject=row.subject,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        last_seq=int(row.last_seq),
        user_read_seq=int(row.user_read_seq),
        support_read_seq=int(row.support_read_seq),
    )


def _message(row: Any) -> Message:
    return Message(
        thread_id=int(row.thread_id),
        seq=int(row.seq),
        side=row.side,
        author=row.author,
        body=row.body,
        created_at=as_utc(row.created_at),
    )


def _unread_join(side: Side) -> Any:
    """Messages from the other side after ``side``'s read marker."""
    other = Side.SUPPORT if side is Side.USER else Side.USER
    marker = _T.user_read_seq if side is Side.USER else _T.support_read_seq
    return and_(_M.thread_id == _T.id, _M.side == other.value, _M.seq > marker)


class SqlMessageRepository:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add_thread(self, thread: Thread) -> None:
        result = await self._db.execute(
            insert(m.message_threads)
            .values(
                public_id=thread.public_id,
                user_id=thread.user_id,
                subject=thread.subject,
                created_at=thread.created_at,
                updated_at=thread.updated_at,
                last_seq=0,
                user_read_seq=0,
                support_read_seq=0,
            )
            .returning(_T.id)
        )
        thread.id = int(result.scalar_one())

    async def thread(self, public_id: str) -> Thread | None:
        query = select(m.message_threads).where(_T.public_id == public_id)
        row = (await self._db.execute(query)).first()
        return _thread(row) if row else None

    async def threads(
        self, *, user_id: int | None, side: Side, limit: int = 200
    ) -> Sequence[tuple[Thread, str, int]]:
        unread = func.count(_M.id).label("unread")
        query = (
            select(m.message_threads, m.users.c.username, unread)
            .join(m.users, m.users.c.id == _T.user_id)
            .outerjoin(m.messages, _unread_join(side))
            .group_by(*m.message_threads.c, m.users.c.username)
            .order_by(_T.updated_at.desc(), _T.id.desc())
            .limit(limit)
        )
        if user_id is not None:
            query = query.where(_T.user_id == user_id)
        return [(_thread(r), str(r.username), int(r.unread)) for r in await self._db.execute(query)]

    async def add_message(
        self, thread: Thread, *, side: Side, author: str, body: str, at: datetime
    ) -> Message:
        assert thread.id is not None
        # The row update holds the thread's lock, so numbers never repeat or gap.
        marker = {"user_read_seq" if side is Side.USER else "support_read_seq": _T.last_seq + 1}
        seq = (
            await self._db.execute(
                update(m.message_threads)
                .where(_T.id == thread.id)
                .values(last_seq=_T.last_seq + 1, updated_at=at, **marker)
                .returning(_T.last_seq)
            )
        ).scalar_one()
        message = Message(
            thread_id=thread.id,
            seq=int(seq),
            side=side.value,
            author=author,
            body=body,
            created_at=at,
        )
        await self._db.execute(
            insert(m.messages).values(
                thread_id=thread.id,
                seq=message.seq,
                side=message.side,
                author=author[:40],
                body=body,
                created_at=at,
            )
        )
        thread.last_seq = message.seq
        thread.updated_at = at
        return message

    async def messages(self, thread_id: int) -> Sequence[Message]:
        query = select(m.messages).where(_M.thread_id == thread_id).order_by(_M.seq)
        return [_message(r) for r in await self._db.execute(query)]

    async def mark_read(self, thread_id: int, *, side: Side, seq: int) -> None:
        column = _T.user_read_seq if side is Side.USER else _T.support_read_seq
        await self._db.execute(
            update(m.message_threads)
            .where(_T.id == thread_id, column < seq)
            .values({column.name: seq})
        )

    async def unread(self, *, user_id: int | None, side: Side) -> int:
        query = (
            select(func.count(_M.id))
            .select_from(m.message_threads)
            .join(m.messages, _unread_join(side))
        )
        if user_id is not None:
            query = query.where(_T.user_id == user_id)
        return int((await self._db.execute(query)).scalar_one())
