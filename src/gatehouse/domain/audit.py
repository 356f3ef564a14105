"""The audit log: every sign-in event, readable by the user as recent activity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AuditEvent(StrEnum):
    LOGIN_PASSWORD_OK = "login.password_ok"
    LOGIN_FAILED = "login.failed"
    LOGIN_SUCCEEDED = "login.succeeded"
    SECOND_FACTOR_FAILED = "login.second_factor_failed"
    CHALLENGE_SENT = "login.challenge_sent"
    LOCKED_OUT = "login.locked_out"
    WRONG_ENVIRONMENT = "login.wrong_environment"
    SESSION_ENDED = "session.ended"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_REHASHED = "password.rehashed"
    TOTP_ENROLLED = "totp.enrolled"
    CARD_ISSUED = "card.issued"
    ACCOUNT_LOCKED = "account.locked"
    ACCOUNT_UNLOCKED = "account.unlocked"
    USER_CREATED = "user.created"
    IDLE_TIMEOUT_CHANGED = "session.idle_timeout_changed"


@dataclass(eq=False)
class AuditEntry:
    at: datetime
    event: str
    user_id: int | None = None
    username: str = ""
    platform: str = ""
    environment: str = ""
    client_address: str = ""
    factor: str = ""
    actor: str = ""
    detail: dict[str, object] = field(default_factory=dict)
    id: int | None = None
