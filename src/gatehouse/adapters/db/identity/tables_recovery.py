"""Tables of account recovery: reset tokens, security answers, question-based attempts."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table

from gatehouse.adapters.db.metadata import TS, metadata

# Only an HMAC of each token is kept; a token is used once (``used_at``).
recovery_tokens = Table(
    "recovery_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("used_at", TS),
    Index("ix_recovery_tokens_user", "user_id", "created_at"),
    Index("ix_recovery_tokens_expires_at", "expires_at"),  # pruning the expired ones
)

# Answers are normalized, then hashed with Argon2id, like passwords.
security_answers = Table(
    "security_answers",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("question_id", String(32), nullable=False),
    Column("answer_hash", String(200), nullable=False),
    Column("set_at", TS, nullable=False),
)

# ``user_id`` is NULL for usernames that do not exist: they get a believable attempt too.
recovery_attempts = Table(
    "recovery_attempts",
    metadata,
    Column("public_id", String(32), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE")),
    Column("username", String(64), nullable=False),
    Column("question_ids", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("finished", Boolean, nullable=False, default=False),
    Column("sms", JSON, nullable=False, default=dict),
    Index("ix_recovery_attempts_expires_at", "expires_at"),  # pruning the expired ones
)
