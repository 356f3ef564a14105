"""Tables of the mobile biometric unlock: passkeys, their one-time challenges, and devices.

``device_signins`` remembers when each device of a user last completed a *full* sign-in
(password and second factor); a passkey unlocks only within the re-authentication period.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
)

from gatehouse.adapters.db.metadata import ID, TS, metadata

passkeys = Table(
    "passkeys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("credential_id", String(1400), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("sign_count", BigInteger, nullable=False, default=0),
    Column("environment", String(8), nullable=False),
    Column("device_name", String(100), nullable=False, default=""),
    Column("backed_up", Boolean, nullable=False, default=False),
    Column("aaguid", String(36), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("last_used_at", TS),
    Index("ix_passkeys_user", "user_id"),
)

passkey_challenges = Table(
    "passkey_challenges",
    metadata,
    Column("public_id", String(32), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("challenge", String(64), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE")),
    Column("environment", String(8), nullable=False, default=""),
    Column("expires_at", TS, nullable=False),
    Index("ix_passkey_challenges_expires", "expires_at"),
)

device_signins = Table(
    "device_signins",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("device_id", String(64), primary_key=True),
    Column("full_signin_at", TS, nullable=False),
)
