"""Tables of the brokerage core: accounts, orders, executions, lots, the cash journal,
transfers, and the order-confirmation loop's state (suppressed questions, pending replies).

Money and share quantities are exact decimals (:class:`Money`): PostgreSQL ``NUMERIC``, and
text on SQLite, which has no exact decimal type (its ``NUMERIC`` is a float).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from gatehouse.adapters.db.metadata import ID, TS, metadata


class Money(TypeDecorator[Decimal]):
    """An exact decimal: ``NUMERIC`` (no fixed scale) on PostgreSQL, text elsewhere."""

    impl = String(48)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(String(48))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


_ACCOUNT_FK = "brokerage_accounts.account_id"

brokerage_accounts = Table(
    "brokerage_accounts",
    metadata,
    Column("account_id", String(16), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("account_type", String(8), nullable=False),
    Column("currency", String(3), nullable=False, default="USD"),
    Column("cash", Money, nullable=False),
    Column("realized_pnl", Money, nullable=False),
    Column("previous_day_elv", Money),
    Column("previous_day_at", TS),
    Column("created_at", TS, nullable=False),
    Index("ix_brokerage_accounts_user", "user_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(20), primary_key=True),
    Column("account_id", ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), nullable=False),
    Column("conid", BigInteger, nullable=False),
    Column("side", String(4), nullable=False),
    Column("order_type", String(10), nullable=False),
    Column("quantity", Money, nullable=False),
    Column("limit_price", Money),
    Column("stop_price", Money),
    Column("tif", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("active", Boolean, nullable=False),  # not Filled, Cancelled or Inactive
    Column("filled_quantity", Money, nullable=False),
    Column("avg_fill_price", Money),
    Column("filled_value", Money, nullable=False),
    Column("commission", Money, nullable=False),
    Column("client_order_id", String(64)),
    Column("stop_triggered", Boolean, nullable=False, default=False),
    Column("reject_reason", String(200)),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("matched_at", TS),  # the quote tick it was last matched against (once per tick)
    Column("parent_id", String(20)),  # a bracket child: held until this order fills
    Column("oca_group", String(64)),  # one-cancels-all group
    Column("trailing_amount", Money),
    Column("trailing_type", String(3)),  # "amt" or "%"
    Column("outside_rth", Boolean, nullable=False, default=False, server_default=false()),
    UniqueConstraint("account_id", "client_order_id", name="uq_orders_account_coid"),
    Index("ix_orders_active", "active", "account_id"),
    Index("ix_orders_account_updated", "account_id", "updated_at"),
)

executions = Table(
    "executions",
    metadata,
    Column("execution_id", String(32), primary_key=True),
    Column("order_id", ForeignKey("orders.order_id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), nullable=False),
    Column("conid", BigInteger, nullable=False),
    Column("side", String(4), nullable=False),
    Column("quantity", Money, nullable=False),
    Column("price", Money, nullable=False),
    Column("commission", Money, nullable=False),
    Column("client_order_id", String(64)),
    Column("at", TS, nullable=False),
    Index("ix_executions_account_at", "account_id", "at"),
)

open_lots = Table(
    "open_lots",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),  # FIFO order within a conid
    Column("account_id", ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), nullable=False),
    Column("conid", BigInteger, nullable=False),
    Column("quantity", Money, nullable=False),
    Column("price", Money, nullable=False),
    Column("commission", Money, nullable=False),
    Column("opened_at", TS, nullable=False),
    Index("ix_open_lots_account", "account_id", "conid"),
)

realized_lots = Table(
    "realized_lots",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), nullable=False),
    Column("conid", BigInteger, nullable=False),
    Column("quantity", Money, nullable=False),
    Column("opened_at", TS, nullable=False),
    Column("closed_at", TS, nullable=False),
    Column("proceeds", Money, nullable=False),
    Column("cost_basis", Money, nullable=False),
    Column("short", Boolean, nullable=False, default=False),
    Index("ix_realized_lots_account", "account_id", "closed_at"),
)

cash_entries = Table(
    "cash_entries",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", Money, nullable=False),
    Column("at", TS, nullable=False),
    Column("description", String(200), nullable=False),
    Column("conid", BigInteger),
    Index("ix_cash_entries_account", "account_id", "at"),
)

transfers = Table(
    "transfers",
    metadata,
    Column("transfer_id", String(32), primary_key=True),
    Column("account_id", ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("amount", Money, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("settles_at", TS, nullable=False),
    Column("settled_at", TS),
    Index("ix_transfers_account", "account_id", "created_at"),
    Index("ix_transfers_pending", "status", "settles_at"),
)

suppressed_questions = Table(
    "suppressed_questions",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("message_id", String(16), primary_key=True),
)

order_replies = Table(
    "order_replies",
    metadata,
    Column("reply_id", String(40), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("order_id", String(20)),  # the order being modified
    Column("requests", JSON, nullable=False),
    Column("questions", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Index("ix_order_replies_expires", "expires_at"),
)


nav_history = Table(  # one row per account and trading day, kept from the first close on
    "nav_history",
    metadata,
    Column("account_id", ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),  # the New York trading day of the close
    Column("nav", Money, nullable=False),
    Column("cash_flow", Money, nullable=False),  # deposits less withdrawals that day
    Column("daily_return", Money, nullable=False),  # time-weighted, flows taken out
    Column("recorded_at", TS, nullable=False),
)
