"""Tables of the secure message center: user ↔ support threads and their messages."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    column,
    table,
)

from gatehouse.adapters.db.metadata import ID, TS, metadata

message_threads = Table(
    "message_threads",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("subject", String(120), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("last_seq", Integer, nullable=False, default=0),
    Column("user_read_seq", Integer, nullable=False, default=0),
    Column("support_read_seq", Integer, nullable=False, default=0),
    Index("ix_message_threads_user", "user_id", "updated_at"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("thread_id", ForeignKey("message_threads.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("side", String(8), nullable=False),
    Column("author", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("thread_id", "seq", name="uq_messages_thread_seq"),
)


# Identity's users table, read-only and by name alone: a thread shows its user's username.
# Support never imports identity's storage (an import-linter contract); this is the one column
# it reads across the boundary.
users = table("users", column("id"), column("username"))
