"""Tables of a user's lists and settings for the market: watchlists, price alerts, layouts.

Prices are stored as decimal text, so SQLite and PostgreSQL keep exactly what was sent.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from gatehouse.adapters.db.metadata import ID, TS, metadata

watchlists = Table(
    "watchlists",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("rows", JSON, nullable=False, default=list),
    Column("created_at", TS, nullable=False),
    Column("modified_at", TS, nullable=False),
    UniqueConstraint("user_id", "list_id", name="uq_watchlists_user_list"),
)

price_alerts = Table(
    "price_alerts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("account", String(16), nullable=False),
    Column("conid", BigInteger, nullable=False),
    Column("operator", String(2), nullable=False),
    Column("price", String(24), nullable=False),
    Column("name", String(64), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("triggered_at", TS),
    Column("triggered_price", String(24)),
    Index("ix_price_alerts_user", "user_id", "id"),
    Index("ix_price_alerts_armed", "triggered_at", "conid"),
)

layouts = Table(
    "layouts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("document", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("user_id", "name", name="uq_layouts_user_name"),
)
