"""One bounded batch of a prune: the oldest rows a condition matches, at most ``limit``.

The rows are picked by a subquery (oldest first, by an index on ``order``) and deleted by
their key, the condition repeated on the DELETE itself: on PostgreSQL, a row another
transaction changed meanwhile (say, a throttle that just counted a failure) is re-checked
against the condition when its lock is released, and is left alone if it no longer matches
(the key alone would still match). A large backlog is so deleted in short transactions, one
per batch (the caller commits each), rather than in one long one holding the table's locks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession


async def delete_oldest(
    db: AsyncSession,
    table: Table,
    *,
    key: ColumnElement[Any],
    order: ColumnElement[Any],
    where: ColumnElement[bool],
    limit: int,
) -> int:
    """Delete up to ``limit`` rows matching ``where``, lowest ``order`` first (ties in no
    particular order: a tie-break would make the database sort the whole backlog rather than
    walk the index); how many went."""
    batch = select(key).where(where).order_by(order).limit(limit)
    result = await db.execute(delete(table).where(key.in_(batch), where))
    return int(getattr(result, "rowcount", 0) or 0)
