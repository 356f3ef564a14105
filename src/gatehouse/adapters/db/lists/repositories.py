"""SQL storage of watchlists, price alerts and workspace layouts (``service.ports_market``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.lists import tables as tl
from gatehouse.domain.clock import as_utc
from gatehouse.domain.lists.alerts import AlertOperator, PriceAlert
from gatehouse.domain.lists.layouts import Layout
from gatehouse.domain.lists.watchlists import Watchlist, rows_from_storage

_W = tl.watchlists.c
_A = tl.price_alerts.c
_L = tl.layouts.c


def _insert(db: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def _watchlist(row: Any) -> Watchlist:
    return Watchlist(
        id=int(row.id),
        list_id=row.list_id,
        user_id=int(row.user_id),
        name=row.name,
        rows=rows_from_storage(row.rows or []),
        created_at=as_utc(row.created_at),
        modified_at=as_utc(row.modified_at),
    )


def _alert(row: Any) -> PriceAlert:
    return PriceAlert(
        id=int(row.id),
        user_id=int(row.user_id),
        account=row.account,
        conid=int(row.conid),
        operator=AlertOperator(row.operator),
        price=Decimal(row.price),
        name=row.name,
        created_at=as_utc(row.created_at),
        triggered_at=as_utc(row.triggered_at) if row.triggered_at else None,
        triggered_price=Decimal(row.triggered_price) if row.triggered_price else None,
    )


def _layout(row: Any) -> Layout:
    return Layout(
        user_id=int(row.user_id),
        name=row.name,
        document=row.document,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


class SqlWatchlists:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, watchlist: Watchlist) -> bool:
        statement = (
            _insert(self._db)(tl.watchlists)
            .values(
                user_id=watchlist.user_id,
                list_id=watchlist.list_id,
                name=watchlist.name,
                rows=[row.wire() for row in watchlist.rows],
                created_at=watchlist.created_at,
                modified_at=watchlist.modified_at,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "list_id"])
            .returning(_W.id)
        )
        new_id = (await self._db.execute(statement)).scalar_one_or_none()
        if new_id is None:
            return False
        watchlist.id = int(new_id)
        return True

    async def get(self, user_id: int, list_id: str) -> Watchlist | None:
        query = select(tl.watchlists).where(_W.user_id == user_id, _W.list_id == list_id)
        row = (await self._db.execute(query)).first()
        return _watchlist(row) if row else None

    async def for_user(self, user_id: int) -> Sequence[Watchlist]:
        query = select(tl.watchlists).where(_W.user_id == user_id).order_by(_W.id)
        return [_watchlist(row) for row in await self._db.execute(query)]

    async def count(self, user_id: int) -> int:
        query = select(func.count()).select_from(tl.watchlists).where(_W.user_id == user_id)
        return int((await self._db.execute(query)).scalar_one())

    async def replace(self, watchlist: Watchlist) -> bool:
        result = await self._db.execute(
            update(tl.watchlists)
            .where(_W.user_id == watchlist.user_id, _W.list_id == watchlist.list_id)
            .values(
                name=watchlist.name,
                rows=[row.wire() for row in watchlist.rows],
                modified_at=watchlist.modified_at,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def remove(self, user_id: int, list_id: str) -> bool:
        result = await self._db.execute(
            delete(tl.watchlists).where(_W.user_id == user_id, _W.list_id == list_id)
        )
        return bool(getattr(result, "rowcount", 0))


class SqlAlerts:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, alert: PriceAlert) -> None:
        statement = (
            tl.price_alerts.insert()
            .values(
                user_id=alert.user_id,
                account=alert.account,
                conid=alert.conid,
                operator=alert.operator.value,
                price=str(alert.price),
                name=alert.name,
                created_at=alert.created_at,
            )
            .returning(_A.id)
        )
        alert.id = int((await self._db.execute(statement)).scalar_one())

    async def get(self, user_id: int, alert_id: int) -> PriceAlert | None:
        query = select(tl.price_alerts).where(_A.user_id == user_id, _A.id == alert_id)
        row = (await self._db.execute(query)).first()
        return _alert(row) if row else None

    async def for_user(self, user_id: int) -> Sequence[PriceAlert]:
        query = select(tl.price_alerts).where(_A.user_id == user_id).order_by(_A.id)
        return [_alert(row) for row in await self._db.execute(query)]

    async def count_armed(self, user_id: int) -> int:
        query = (
            select(func.count())
            .select_from(tl.price_alerts)
            .where(_A.user_id == user_id, _A.triggered_at.is_(None))
        )
        return int((await self._db.execute(query)).scalar_one())

    async def armed(self, *, limit: int = 10_000) -> Sequence[PriceAlert]:
        query = (
            select(tl.price_alerts).where(_A.triggered_at.is_(None)).order_by(_A.id).limit(limit)
        )
        return [_alert(row) for row in await self._db.execute(query)]

    async def trigger(self, alert_id: int, *, at: datetime, price: Decimal) -> bool:
        result = await self._db.execute(
            update(tl.price_alerts)
            .where(_A.id == alert_id, _A.triggered_at.is_(None))
            .values(triggered_at=at, triggered_price=str(price))
        )
        return bool(getattr(result, "rowcount", 0))

    async def remove(self, user_id: int, alert_id: int) -> bool:
        result = await self._db.execute(
            delete(tl.price_alerts).where(_A.user_id == user_id, _A.id == alert_id)
        )
        return bool(getattr(result, "rowcount", 0))


class SqlLayouts:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def get(self, user_id: int, name: str) -> Layout | None:
        query = select(tl.layouts).where(_L.user_id == user_id, _L.name == name)
        row = (await self._db.execute(query)).first()
        return _layout(row) if row else None

    async def for_user(self, user_id: int) -> Sequence[Layout]:
        query = select(tl.layouts).where(_L.user_id == user_id).order_by(_L.name)
        return [_layout(row) for row in await self._db.execute(query)]

    async def count(self, user_id: int) -> int:
        query = select(func.count()).select_from(tl.layouts).where(_L.user_id == user_id)
        return int((await self._db.execute(query)).scalar_one())

    async def save(self, layout: Layout) -> bool:
        existed = await self._db.execute(
            select(_L.id).where(_L.user_id == layout.user_id, _L.name == layout.name)
        )
        is_new = existed.first() is None
        statement = _insert(self._db)(tl.layouts).values(
            user_id=layout.user_id,
            name=layout.name,
            document=layout.document,
            size=layout.size,
            created_at=layout.created_at,
            updated_at=layout.updated_at,
        )
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "name"],
                set_={
                    "document": statement.excluded.document,
                    "size": statement.excluded.size,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )
        return is_new

    async def remove(self, user_id: int, name: str) -> bool:
        result = await self._db.execute(
            delete(tl.layouts).where(_L.user_id == user_id, _L.name == name)
        )
        return bool(getattr(result, "rowcount", 0))
