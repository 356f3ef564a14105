"""Identity tables (users, sessions, sign-in attempts, throttles, audit, code cards, SMS outbox),
and the imperative mapping of identity entities onto them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from gatehouse.adapters.db.metadata import ID, TS, mapper_registry, metadata
from gatehouse.domain.identity.audit import AuditEntry
from gatehouse.domain.identity.login_flow import LoginAttempt
from gatehouse.domain.identity.sessions import Session
from gatehouse.domain.identity.throttle import Throttle
from gatehouse.domain.identity.users import User

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("email", String(254), nullable=False),
    Column("phone", String(20)),
    Column("password_hash", String(200), nullable=False),
    Column("paper_username", String(40), nullable=False, unique=True),
    Column("paper_password_hash", String(200), nullable=False),
    Column("live_account_id", String(16), nullable=False, unique=True),
    Column("paper_account_id", String(16), nullable=False, unique=True),
    Column("role", String(16), nullable=False, default="user"),
    Column("created_at", TS, nullable=False),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("admin_locked", Boolean, nullable=False, default=False),
    Column("totp_secret_sealed", Text),
    Column("totp_last_step", BigInteger),
    Column("event_seq", BigInteger, nullable=False, default=0),
    Column("mobile_idle_seconds", Integer),
    Column("extra", JSON, nullable=False, default=dict),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("last_seen_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("idle_seconds", Integer, nullable=False),
    Column("device_name", String(100), nullable=False, default=""),
    Column("client_address", String(64), nullable=False, default=""),
    Column("user_agent", String(200), nullable=False, default=""),
    Column("ended_at", TS),
    Column("end_reason", String(32)),
    Column("scope", String(16), nullable=False, default="trade", server_default="trade"),
    Column("device_id", String(32)),
    Index("ix_sessions_user_active", "user_id", "ended_at"),
    # pruning the ones over: ended, or past their absolute expiry (never ended, say idle)
    Index("ix_sessions_ended_at", "ended_at"),
    Index("ix_sessions_expires_at", "expires_at"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("environment", String(8), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("client_address", String(64), nullable=False, default=""),
    Column("device_name", String(100), nullable=False, default=""),
    Column("user_agent", String(200), nullable=False, default=""),
    Column("state", String(16), nullable=False),
    Column("code_failures", Integer, nullable=False, default=0),
    Column("challenge_factor", String(8)),
    Column("challenge_expires_at", TS),
    Column("challenge", JSON, nullable=False, default=dict),
    Column("session_public_id", String(32)),
    # whose budget its failures count against: the account's strangers or a known device
    Column("throttle_key", String(120), nullable=False, default="", server_default=""),
    # the attempts behind a session (``last_full_signin``; pruned with it), and those that
    # opened none (NULL first, by expiry: pruning the old ones)
    Index("ix_login_attempts_session_expires", "session_public_id", "expires_at"),
)

throttles = Table(
    "throttles",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_at", TS),
    Column("locked_until", TS),
)

# Devices that have signed in to an account: their failures do not lock the owner out.
known_devices = Table(
    "known_devices",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("platform", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_known_devices_created_at", "created_at"),  # pruning the expired ones
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),
    Column("event", String(48), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("username", String(40), nullable=False, default=""),
    Column("platform", String(16), nullable=False, default=""),
    Column("environment", String(8), nullable=False, default=""),
    Column("client_address", String(64), nullable=False, default=""),
    Column("factor", String(8), nullable=False, default=""),
    Column("actor", String(40), nullable=False, default=""),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_audit_user_at", "user_id", "at"),
)

code_cards = Table(
    "code_cards",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("issued_at", TS, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Index("ix_code_cards_user", "user_id", "active"),
)

card_cells = Table(
    "card_cells",
    metadata,
    Column("card_id", ForeignKey("code_cards.id", ondelete="CASCADE"), primary_key=True),
    Column("label", String(3), primary_key=True),
    Column("value_hash", String(64), nullable=False),
    Column("asked_at", TS),
)

sms_outbox = Table(
    "sms_outbox",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("to", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_sms_outbox_created_at", "created_at"),  # pruning the old ones
)


_mapped = False


def map_entities() -> None:
    """Map the identity dataclasses onto their tables, once per process."""
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(User, users)
    mapper_registry.map_imperatively(Session, sessions)
    mapper_registry.map_imperatively(LoginAttempt, login_attempts)
    mapper_registry.map_imperatively(Throttle, throttles)
    mapper_registry.map_imperatively(AuditEntry, audit_log)
    _mapped = True
