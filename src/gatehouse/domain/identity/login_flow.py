"""A sign-in in progress: password accepted, waiting for one second factor, then done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import LoginExpired, LoginNotFound


class Factor(StrEnum):
    TOTP = "totp"
    SMS = "sms"
    CARD = "card"
    PUSH = "push"


class LoginState(StrEnum):
    SECOND_FACTOR = "second_factor"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(eq=False)
class LoginAttempt:
    public_id: str
    user_id: int
    platform: str
    environment: str
    created_at: datetime
    expires_at: datetime
    client_address: str = ""
    device_name: str = ""
    user_agent: str = ""
    state: str = LoginState.SECOND_FACTOR.value
    code_failures: int = 0
    # the open challenge, if any: its factor and its typed payload
    challenge_factor: str | None = None
    challenge_expires_at: datetime | None = None
    challenge: dict[str, object] = field(default_factory=dict)
    session_public_id: str | None = None
    throttle_key: str = ""  # whose failure budget this sign-in spends (domain/identity/throttle)
    id: int | None = None

    def ensure_open(self, now: datetime) -> None:
        if self.state != LoginState.SECOND_FACTOR.value:
            raise LoginNotFound()
        if now >= as_utc(self.expires_at):
            raise LoginExpired()

    def record_code_failure(self, max_failures: int) -> bool:
        """Count a wrong code; True when this sign-in has now failed for good."""
        self.code_failures += 1
        if self.code_failures >= max_failures:
            self.state = LoginState.FAILED.value
            return True
        return False

    def open_challenge(self, factor: Factor, payload: dict[str, object], expires: datetime) -> None:
        self.challenge_factor = factor.value
        self.challenge = payload
        self.challenge_expires_at = expires

    def complete(self, session_public_id: str) -> None:
        self.state = LoginState.COMPLETED.value
        self.session_public_id = session_public_id
        self.challenge = {}
