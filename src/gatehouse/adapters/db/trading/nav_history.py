"""SQL storage of the daily NAV snapshots (``nav_history``): one row per account and day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.trading import tables as tt
from gatehouse.domain.trading.performance import NavSnapshot

_N = tt.nav_history.c


def _snapshot(row: Any) -> NavSnapshot:
    return NavSnapshot(row.account_id, row.day, row.nav, row.cash_flow, row.daily_return)


class SqlNavHistory:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def record(self, snapshot: NavSnapshot, *, at: datetime) -> None:
        key = (_N.account_id == snapshot.account_id) & (_N.day == snapshot.day)
        await self._db.execute(delete(tt.nav_history).where(key))
        await self._db.execute(
            insert(tt.nav_history).values(
                account_id=snapshot.account_id,
                day=snapshot.day,
                nav=snapshot.nav,
                cash_flow=snapshot.cash_flow,
                daily_return=snapshot.daily_return,
                recorded_at=at,
            )
        )

    async def history(self, account_id: str, *, since: date) -> list[NavSnapshot]:
        query = (
            select(tt.nav_history)
            .where(_N.account_id == account_id, _N.day >= since)
            .order_by(_N.day)
        )
        return [_snapshot(row) for row in await self._db.execute(query)]

    async def before(self, account_id: str, day: date) -> NavSnapshot | None:
        query = (
            select(tt.nav_history)
            .where(_N.account_id == account_id, _N.day < day)
            .order_by(_N.day.desc())
            .limit(1)
        )
        row = (await self._db.execute(query)).first()
        return _snapshot(row) if row else None

    async def account_ids(self) -> list[str]:
        query = select(tt.brokerage_accounts.c.account_id).order_by(
            tt.brokerage_accounts.c.account_id
        )
        return [str(row[0]) for row in await self._db.execute(query)]
