"""The audit log: every sign-in event, readable by the user as recent activity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AuditEvent(StrEnum):
    LOGIN_PASSWORD_OK = "login.password_ok"
    LOGIN_FAILED = "login.failed"
    LOGIN_SUCCEEDED = "login.succeeded"
    STEP_UP_SUCCEEDED = "login.step_up"
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
    PHONE_CHANGED = "phone.changed"
    PASSKEY_REGISTERED = "passkey.registered"
    PASSKEY_REMOVED = "passkey.removed"
    PASSKEY_REFUSED = "passkey.refused"
    # Key devices and push approval
    KEY_ACTIVATION_CREATED = "key.activation_created"
    KEY_REENROLLMENT_ISSUED = "key.reenrollment_issued"
    KEY_ENROLLED = "key.enrolled"
    KEY_REVOKED = "key.revoked"
    PUSH_APPROVED = "push.approved"
    PUSH_DENIED = "push.denied"
    PUSH_WRONG_NUMBER = "push.wrong_number"
    TOTP_REMOVED = "totp.removed"
    # gateway devices (unattended sign-in of the Gateway)
    GATEWAY_REGISTERED = "gateway.registered"
    GATEWAY_SIGNIN = "gateway.signin"
    GATEWAY_SIGNIN_FAILED = "gateway.signin_failed"
    GATEWAY_REVOKED = "gateway.revoked"
    GATEWAY_RENEWED = "gateway.renewed"
    CARD_DEACTIVATED = "card.deactivated"
    # recovery
    RECOVERY_EMAIL_SENT = "recovery.email_sent"
    RECOVERY_PASSWORD_RESET = "recovery.password_reset"
    RECOVERY_QUESTIONS_PASSED = "recovery.questions_passed"
    RECOVERY_QUESTIONS_FAILED = "recovery.questions_failed"
    SECURITY_QUESTIONS_SET = "security_questions.set"
    # support console
    SUPPORT_VIEWED_USER = "support.viewed_user"
    SUPPORT_FACTORS_RESET = "support.factors_reset"
    SUPPORT_TEMPORARY_PASSWORD = "support.temporary_password"
    SUPPORT_IDENTITY_CHECK = "support.identity_check"


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
