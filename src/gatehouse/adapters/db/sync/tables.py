"""The event log's table, and the mapping of AccountEvent onto it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)

from gatehouse.adapters.db.metadata import ID, TS, mapper_registry, metadata
from gatehouse.domain.sync.events import AccountEvent

events = Table(
    "events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(48), nullable=False),
    Column("account", String(16), nullable=False, default=""),
    Column("at", TS, nullable=False),
    Column("data", JSON, nullable=False, default=dict),
    UniqueConstraint("user_id", "seq", name="uq_events_user_seq"),
    Index("ix_events_at", "at"),
)


_mapped = False


def map_entities() -> None:
    """Map AccountEvent onto the events table, once per process."""
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(AccountEvent, events)
    _mapped = True
