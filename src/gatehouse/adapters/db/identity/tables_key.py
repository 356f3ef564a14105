"""Tables of the Key authenticator: enrolled devices, activation codes and push challenges."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table

from gatehouse.adapters.db.metadata import TS, metadata

key_devices = Table(
    "key_devices",
    metadata,
    Column("public_id", String(32), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(60), nullable=False, default=""),
    Column("public_key", String(64), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("last_seen_at", TS),
    Column("revoked_at", TS),
    Column("revoked_by", String(40), nullable=False, default=""),
    Index("ix_key_devices_user", "user_id", "revoked_at"),
)

# Only an HMAC of each activation code is kept; a code is used once (``used_at``).
key_activations = Table(
    "key_activations",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("created_by", String(40), nullable=False, default=""),
    Column("used_at", TS),
    Index("ix_key_activations_user", "user_id", "used_at"),
    Index("ix_key_activations_expires_at", "expires_at"),  # pruning the expired ones
)

push_challenges = Table(
    "push_challenges",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("login_public_id", String(32), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("choices", JSON, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("client_address", String(64), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("decision", String(16)),
    Column("decided_at", TS),
    Column("device_id", String(32)),
    Index("ix_push_challenges_user_open", "user_id", "decision", "expires_at"),
    Index("ix_push_challenges_login", "login_public_id"),
    Index("ix_push_challenges_expires_at", "expires_at"),  # pruning the expired ones
)
