"""Tables of gateway devices (a Gateway's Ed25519 key and scope) and their sign-in nonces."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from gatehouse.adapters.db.metadata import TS, metadata

gateway_devices = Table(
    "gateway_devices",
    metadata,
    Column("public_id", String(32), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(60), nullable=False, default=""),
    Column("public_key", String(64), nullable=False, unique=True),
    Column("environment", String(8), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("full_factor_at", TS, nullable=False),
    Column("last_used_at", TS),
    Column("last_address", String(64), nullable=False, default=""),
    Column("revoked_at", TS),
    Column("revoked_by", String(40), nullable=False, default=""),
    Index("ix_gateway_devices_user", "user_id", "revoked_at"),
)

# One row per challenge handed out; a nonce signs in once (``used_at``).
gateway_challenges = Table(
    "gateway_challenges",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column(
        "device_id",
        ForeignKey("gateway_devices.public_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("used_at", TS),
    Index("ix_gateway_challenges_device", "device_id", "created_at"),
    Index("ix_gateway_challenges_expires_at", "expires_at"),  # pruning the expired ones
)
