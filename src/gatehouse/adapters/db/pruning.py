"""One bounded batch of a prune: the oldest rows a condition matches, at most ``limit``.

The rows are picked by a subquery (oldest first, by an index on ``order``) and deleted by
their key, the condition repeated on the DELETE itself: on PostgreSQL, a row another
transaction changed meanwhile (say, a throttle that just counted a failure) is re-checked
against the condition when its lock is released, and is left alone if it no longer matches
(the key alone would still match). A large backlog is so deleted in short transactions, one
per batch (the caller commits each), rather than in one long one holding the table's locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Delete, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

Order = ColumnElement[Any] | Sequence[ColumnElement[Any]]


def _oldest(
    table: Table,
    *,
    key: ColumnElement[Any],
    order: Order,
    where: ColumnElement[bool],
    limit: int,
) -> Delete:
    by = (order,) if isinstance(order, ColumnElement) else tuple(order)
    batch = select(key).where(where).order_by(*by).limit(limit)
    return delete(table).where(key.in_(batch), where)


async def delete_oldest(
    db: AsyncSession,
    table: Table,
    *,
    key: ColumnElement[Any],
    order: Order,
    where: ColumnElement[bool],
    limit: int,
) -> int:
    """Delete up to ``limit`` rows matching ``where``, lowest ``order`` first (ties in no
    particular order: a tie-break would make the database sort the whole backlog rather than
    walk the index; several columns: an index's, in its order); how many went."""
    statement = _oldest(table, key=key, order=order, where=where, limit=limit)
    result = await db.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_before(
    db: AsyncSession,
    table: Table,
    *,
    key: ColumnElement[Any],
    column: ColumnElement[Any],
    before: Any,
    limit: int,
) -> int:
    """``delete_oldest`` of the rows whose ``column`` (a timestamp with an index) is earlier
    than ``before``, by that column: what most prunes are."""
    return await delete_oldest(db, table, key=key, order=column, where=column < before, limit=limit)


async def delete_oldest_returning(
    db: AsyncSession,
    table: Table,
    *,
    key: ColumnElement[Any],
    order: Order,
    where: ColumnElement[bool],
    limit: int,
    returning: ColumnElement[Any],
) -> list[Any]:
    """``delete_oldest``, answering the ``returning`` column of each row that went (rows of
    other tables that hang on them go in the same transaction)."""
    statement = _oldest(table, key=key, order=order, where=where, limit=limit)
    return list((await db.execute(statement.returning(returning))).scalars().all())
