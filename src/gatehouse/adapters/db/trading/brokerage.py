"""SQL storage of brokerage accounts, their lots and cash journal (``BrokerageRepository``),
and the read-only view statements use (``StatementRecords``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.trading import tables as tt
from gatehouse.domain.clock import as_utc
from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.accounts import BrokerageAccount
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import CashEntry, CashEntryKind, Lot, RealizedLot
from gatehouse.domain.trading.margin import AccountType
from gatehouse.domain.trading.orders import Side

_A = tt.brokerage_accounts.c
_L = tt.open_lots.c
_R = tt.realized_lots.c
_C = tt.cash_entries.c


def _account(row: Any) -> BrokerageAccount:
    return BrokerageAccount(
        account_id=row.account_id,
        user_id=int(row.user_id),
        environment=Environment(row.environment),
        account_type=AccountType(row.account_type),
        created_at=as_utc(row.created_at),
        cash=row.cash,
        realized_pnl=row.realized_pnl,
        previous_day_elv=row.previous_day_elv,
        previous_day_at=as_utc(row.previous_day_at) if row.previous_day_at else None,
        currency=row.currency,
    )


def _account_values(account: BrokerageAccount) -> dict[str, Any]:
    return {
        "account_type": account.account_type.value,
        "cash": account.cash,
        "realized_pnl": account.realized_pnl,
        "previous_day_elv": account.previous_day_elv,
        "previous_day_at": account.previous_day_at,
    }


def _realized(row: Any) -> RealizedLot:
    return RealizedLot(
        conid=int(row.conid),
        quantity=row.quantity,
        opened_at=as_utc(row.opened_at),
        closed_at=as_utc(row.closed_at),
        proceeds=row.proceeds,
        cost_basis=row.cost_basis,
        short=bool(row.short),
    )


def _entry(row: Any) -> CashEntry:
    return CashEntry(
        kind=CashEntryKind(row.kind),
        amount=row.amount,
        at=as_utc(row.at),
        description=row.description,
        conid=int(row.conid) if row.conid is not None else None,
    )


class SqlBrokerage:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def account(self, account_id: str) -> BrokerageAccount | None:
        row = (
            await self._db.execute(select(tt.brokerage_accounts).where(_A.account_id == account_id))
        ).first()
        return _account(row) if row else None

    async def lock(self, account_id: str, *, skip_locked: bool = False) -> BrokerageAccount | None:
        query = (
            select(tt.brokerage_accounts)
            .where(_A.account_id == account_id)
            .with_for_update(skip_locked=skip_locked)
        )
        row = (await self._db.execute(query)).first()
        return _account(row) if row else None

    async def for_user(self, user_id: int) -> Sequence[BrokerageAccount]:
        query = select(tt.brokerage_accounts).where(_A.user_id == user_id).order_by(_A.account_id)
        return [_account(row) for row in await self._db.execute(query)]

    async def open(self, account: BrokerageAccount) -> bool:
        dialect = self._db.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = upsert(tt.brokerage_accounts).values(
            account_id=account.account_id,
            user_id=account.user_id,
            environment=account.environment.value,
            currency=account.currency,
            created_at=account.created_at,
            **_account_values(account),
        )
        result = await self._db.execute(statement.on_conflict_do_nothing())
        return bool(getattr(result, "rowcount", 0))

    async def save(self, account: BrokerageAccount) -> None:
        await self._db.execute(
            update(tt.brokerage_accounts)
            .where(_A.account_id == account.account_id)
            .values(**_account_values(account))
        )

    async def lots(self, account_id: str) -> dict[int, list[Lot]]:
        query = select(tt.open_lots).where(_L.account_id == account_id).order_by(_L.id)
        found: dict[int, list[Lot]] = {}
        for row in await self._db.execute(query):
            lot = Lot(
                int(row.conid), row.quantity, row.price, as_utc(row.opened_at), row.commission
            )
            found.setdefault(lot.conid, []).append(lot)
        return found

    async def replace_lots(self, account_id: str, conid: int, lots: Sequence[Lot]) -> None:
        await self._db.execute(
            delete(tt.open_lots).where(_L.account_id == account_id, _L.conid == conid)
        )
        if lots:
            await self._db.execute(
                insert(tt.open_lots),
                [
                    {
                        "account_id": account_id,
                        "conid": lot.conid,
                        "quantity": lot.quantity,
                        "price": lot.price,
                        "commission": lot.commission,
                        "opened_at": lot.opened_at,
                    }
                    for lot in lots
                ],
            )

    async def add_realized(self, account_id: str, lots: Sequence[RealizedLot]) -> None:
        if not lots:
            return
        await self._db.execute(
            insert(tt.realized_lots),
            [
                {
                    "account_id": account_id,
                    "conid": lot.conid,
                    "quantity": lot.quantity,
                    "opened_at": lot.opened_at,
                    "closed_at": lot.closed_at,
                    "proceeds": lot.proceeds,
                    "cost_basis": lot.cost_basis,
                    "short": lot.short,
                }
                for lot in lots
            ],
        )

    async def realized(
        self, account_id: str, *, conids: Collection[int] | None = None
    ) -> list[RealizedLot]:
        query = select(tt.realized_lots).where(_R.account_id == account_id).order_by(_R.id)
        if conids is not None:
            query = query.where(_R.conid.in_(list(conids)))
        return [_realized(row) for row in await self._db.execute(query)]

    async def add_entries(self, account_id: str, entries: Sequence[CashEntry]) -> None:
        if not entries:
            return
        await self._db.execute(
            insert(tt.cash_entries),
            [
                {
                    "account_id": account_id,
                    "kind": entry.kind.value,
                    "amount": entry.amount,
                    "at": entry.at,
                    "description": entry.description[:200],
                    "conid": entry.conid,
                }
                for entry in entries
            ],
        )

    async def entries(self, account_id: str, *, limit: int = 500) -> list[CashEntry]:
        query = (
            select(tt.cash_entries)
            .where(_C.account_id == account_id)
            .order_by(_C.id.desc())
            .limit(limit)
        )
        return [_entry(row) for row in reversed((await self._db.execute(query)).all())]

    async def with_work(self, now: datetime) -> list[str]:
        o, t = tt.orders.c, tt.transfers.c
        query = union(
            select(o.account_id).where(o.active.is_(True)),
            select(t.account_id).where(t.status == "pending", t.settles_at <= now),
        )
        return sorted({str(row[0]) for row in await self._db.execute(query)})

    async def wipe(self, account_id: str) -> None:
        for table in (
            tt.order_replies,
            tt.executions,
            tt.orders,
            tt.open_lots,
            tt.realized_lots,
            tt.cash_entries,
            tt.transfers,
        ):
            await self._db.execute(delete(table).where(table.c.account_id == account_id))


class SqlStatementRecords:
    """``StatementRecords`` (``service/ports_market.py``) over the trading tables."""

    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def realized_lots(self, account_id: str) -> Sequence[RealizedLot]:
        return await SqlBrokerage(self._db).realized(account_id)

    async def cash_entries(self, account_id: str) -> Sequence[CashEntry]:
        query = select(tt.cash_entries).where(_C.account_id == account_id).order_by(_C.id)
        return [_entry(row) for row in await self._db.execute(query)]

    async def executions(
        self, account_id: str, *, start: datetime, end: datetime
    ) -> Sequence[Execution]:
        e = tt.executions.c
        query = (
            select(tt.executions)
            .where(e.account_id == account_id, e.at >= start, e.at < end)
            .order_by(e.at, e.execution_id)
        )
        return [execution_from_row(row) for row in await self._db.execute(query)]


def execution_from_row(row: Any) -> Execution:
    return Execution(
        execution_id=row.execution_id,
        order_id=row.order_id,
        account_id=row.account_id,
        conid=int(row.conid),
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        commission=row.commission,
        at=as_utc(row.at),
        client_order_id=row.client_order_id,
    )
