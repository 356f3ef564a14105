"""SQL storage of orders, executions, pending order replies, suppressed questions
(``OrderRepository``) and of deposits and withdrawals (``TransferRepository``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.trading import tables as tt
from gatehouse.adapters.db.trading.brokerage import execution_from_row
from gatehouse.domain.clock import as_utc
from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.funding import Transfer, TransferKind, TransferStatus
from gatehouse.domain.trading.order_requests import OrderRequest
from gatehouse.domain.trading.orders import (
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    TrailType,
)
from gatehouse.domain.trading.questions import Question
from gatehouse.domain.trading.replies import PendingReply
from gatehouse.service.trading.ports import TrackedOrder

_O = tt.orders.c
_E = tt.executions.c
_P = tt.order_replies.c
_T = tt.transfers.c


def _order(row: Any) -> Order:
    return Order(
        order_id=row.order_id,
        account_id=row.account_id,
        conid=int(row.conid),
        side=Side(row.side),
        order_type=OrderType(row.order_type),
        quantity=row.quantity,
        limit_price=row.limit_price,
        stop_price=row.stop_price,
        tif=TimeInForce(row.tif),
        status=OrderStatus(row.status),
        filled_quantity=row.filled_quantity,
        avg_fill_price=row.avg_fill_price,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        client_order_id=row.client_order_id,
        stop_triggered=bool(row.stop_triggered),
        reject_reason=row.reject_reason,
        commission=row.commission,
        filled_value=row.filled_value,
        parent_id=row.parent_id,
        oca_group=row.oca_group,
        trailing_amount=row.trailing_amount,
        trailing_type=TrailType(row.trailing_type) if row.trailing_type else None,
        outside_rth=bool(row.outside_rth),
    )


def _progress(order: Order) -> dict[str, Any]:
    return {
        "quantity": order.quantity,
        "limit_price": order.limit_price,
        "stop_price": order.stop_price,
        "tif": order.tif.value,
        "status": order.status.value,
        "active": order.is_active,
        "filled_quantity": order.filled_quantity,
        "avg_fill_price": order.avg_fill_price,
        "filled_value": order.filled_value,
        "commission": order.commission,
        "stop_triggered": order.stop_triggered,
        "oca_group": order.oca_group,
        "trailing_amount": order.trailing_amount,
        "reject_reason": (order.reject_reason or "")[:200] or None,
        "updated_at": order.updated_at,
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _request_json(request: OrderRequest) -> dict[str, object]:
    return {
        "conid": request.conid,
        "side": request.side.value,
        "order_type": request.order_type.value,
        "quantity": str(request.quantity),
        "limit_price": _text(request.limit_price),
        "stop_price": _text(request.stop_price),
        "tif": request.tif.value,
        "client_order_id": request.client_order_id,
        "account_id": request.account_id,
        "parent_ref": request.parent_ref,
        "oca_group": request.oca_group,
        "single_group": request.single_group,
        "trailing_amount": _text(request.trailing_amount),
        "trailing_type": request.trailing_type.value if request.trailing_type else None,
        "outside_rth": request.outside_rth,
    }


def _request(data: dict[str, Any]) -> OrderRequest:
    return OrderRequest(
        conid=int(data["conid"]),
        side=Side(data["side"]),
        order_type=OrderType(data["order_type"]),
        quantity=Decimal(data["quantity"]),
        limit_price=_number(data.get("limit_price")),
        stop_price=_number(data.get("stop_price")),
        tif=TimeInForce(data["tif"]),
        client_order_id=data.get("client_order_id"),
        account_id=data.get("account_id"),
        parent_ref=data.get("parent_ref"),
        oca_group=data.get("oca_group"),
        single_group=bool(data.get("single_group")),
        trailing_amount=_number(data.get("trailing_amount")),
        trailing_type=TrailType(data["trailing_type"]) if data.get("trailing_type") else None,
        outside_rth=bool(data.get("outside_rth")),
    )


class SqlOrders:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, order: Order, *, matched_at: datetime | None = None) -> None:
        await self._db.execute(
            insert(tt.orders).values(
                order_id=order.order_id,
                account_id=order.account_id,
                conid=order.conid,
                side=order.side.value,
                order_type=order.order_type.value,
                client_order_id=order.client_order_id,
                created_at=order.created_at,
                matched_at=matched_at,
                parent_id=order.parent_id,
                trailing_type=order.trailing_type.value if order.trailing_type else None,
                outside_rth=order.outside_rth,
                **_progress(order),
            )
        )

    async def save(self, order: Order, *, matched_at: datetime | None = None) -> None:
        values = _progress(order)
        if matched_at is not None:
            values["matched_at"] = matched_at
        await self._db.execute(
            update(tt.orders).where(_O.order_id == order.order_id).values(**values)
        )

    async def working(self, account_id: str) -> list[TrackedOrder]:
        query = (
            select(tt.orders)
            .where(_O.account_id == account_id, _O.active.is_(True))
            .order_by(_O.created_at, _O.order_id)
        )
        return [
            TrackedOrder(_order(row), as_utc(row.matched_at) if row.matched_at else None)
            for row in await self._db.execute(query)
        ]

    async def get(self, order_id: str, *, account_ids: Collection[str]) -> Order | None:
        query = select(tt.orders).where(
            _O.order_id == order_id, _O.account_id.in_(list(account_ids))
        )
        row = (await self._db.execute(query)).first()
        return _order(row) if row else None

    async def recent(self, account_ids: Collection[str], *, since: datetime) -> list[Order]:
        query = (
            select(tt.orders)
            .where(
                _O.account_id.in_(list(account_ids)),
                or_(_O.active.is_(True), _O.updated_at >= since),
            )
            .order_by(_O.updated_at.desc(), _O.order_id.desc())
            .limit(1000)
        )
        return [_order(row) for row in await self._db.execute(query)]

    async def client_id_taken(self, account_id: str, client_order_id: str) -> bool:
        query = select(_O.order_id).where(
            _O.account_id == account_id, _O.client_order_id == client_order_id
        )
        return (await self._db.execute(query)).first() is not None

    async def add_execution(self, execution: Execution) -> None:
        await self._db.execute(
            insert(tt.executions).values(
                execution_id=execution.execution_id,
                order_id=execution.order_id,
                account_id=execution.account_id,
                conid=execution.conid,
                side=execution.side.value,
                quantity=execution.quantity,
                price=execution.price,
                commission=execution.commission,
                client_order_id=execution.client_order_id,
                at=execution.at,
            )
        )

    async def executions(self, account_ids: Collection[str], *, since: datetime) -> list[Execution]:
        query = (
            select(tt.executions)
            .where(_E.account_id.in_(list(account_ids)), _E.at >= since)
            .order_by(_E.at.desc(), _E.execution_id.desc())
            .limit(1000)
        )
        return [execution_from_row(row) for row in await self._db.execute(query)]

    async def add_reply(self, reply: PendingReply) -> None:
        await self._db.execute(
            insert(tt.order_replies).values(
                reply_id=reply.reply_id,
                user_id=reply.user_id,
                account_id=reply.account_id,
                environment=reply.environment.value,
                order_id=reply.order_id,
                requests=[_request_json(r) for r in reply.requests],
                questions=[{"id": q.message_id, "text": q.text} for q in reply.questions],
                created_at=reply.created_at,
                expires_at=reply.expires_at,
            )
        )

    async def take_reply(self, reply_id: str, *, user_id: int) -> PendingReply | None:
        query = (
            select(tt.order_replies)
            .where(_P.reply_id == reply_id, _P.user_id == user_id)
            .with_for_update()
        )
        row = (await self._db.execute(query)).first()
        if row is None:
            return None
        deleted = await self._db.execute(delete(tt.order_replies).where(_P.reply_id == reply_id))
        if not getattr(deleted, "rowcount", 0):
            return None  # answered by a concurrent request
        return PendingReply(
            reply_id=row.reply_id,
            user_id=int(row.user_id),
            account_id=row.account_id,
            environment=Environment(row.environment),
            order_id=row.order_id,
            requests=[_request(r) for r in row.requests],
            questions=[Question(q["id"], q["text"]) for q in row.questions],
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
        )

    async def prune_replies(self, *, before: datetime) -> int:
        result = await self._db.execute(delete(tt.order_replies).where(_P.expires_at < before))
        return int(getattr(result, "rowcount", 0) or 0)

    async def suppressed(self, user_id: int) -> set[str]:
        s = tt.suppressed_questions.c
        query = select(s.message_id).where(s.user_id == user_id)
        return {str(row[0]) for row in await self._db.execute(query)}

    async def suppress(self, user_id: int, message_ids: Collection[str]) -> None:
        if not message_ids:
            return
        dialect = self._db.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        rows = [{"user_id": user_id, "message_id": m} for m in sorted(set(message_ids))]
        await self._db.execute(upsert(tt.suppressed_questions).on_conflict_do_nothing(), rows)

    async def unsuppress_all(self, user_id: int) -> None:
        s = tt.suppressed_questions.c
        await self._db.execute(delete(tt.suppressed_questions).where(s.user_id == user_id))


def _transfer(row: Any) -> Transfer:
    return Transfer(
        transfer_id=row.transfer_id,
        account_id=row.account_id,
        kind=TransferKind(row.kind),
        amount=row.amount,
        status=TransferStatus(row.status),
        created_at=as_utc(row.created_at),
        settles_at=as_utc(row.settles_at),
        settled_at=as_utc(row.settled_at) if row.settled_at else None,
    )


class SqlTransfers:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, transfer: Transfer) -> None:
        await self._db.execute(
            insert(tt.transfers).values(
                transfer_id=transfer.transfer_id,
                account_id=transfer.account_id,
                kind=transfer.kind.value,
                amount=transfer.amount,
                status=transfer.status.value,
                created_at=transfer.created_at,
                settles_at=transfer.settles_at,
                settled_at=transfer.settled_at,
            )
        )

    async def save(self, transfer: Transfer) -> None:
        await self._db.execute(
            update(tt.transfers)
            .where(_T.transfer_id == transfer.transfer_id)
            .values(status=transfer.status.value, settled_at=transfer.settled_at)
        )

    async def due(self, account_id: str, now: datetime) -> list[Transfer]:
        query = (
            select(tt.transfers)
            .where(_T.account_id == account_id, _T.status == "pending", _T.settles_at <= now)
            .order_by(_T.created_at, _T.transfer_id)
        )
        return [_transfer(row) for row in await self._db.execute(query)]

    async def for_account(self, account_id: str, *, limit: int = 200) -> list[Transfer]:
        query = (
            select(tt.transfers)
            .where(_T.account_id == account_id)
            .order_by(_T.created_at.desc(), _T.transfer_id.desc())
            .limit(limit)
        )
        return [_transfer(row) for row in await self._db.execute(query)]
