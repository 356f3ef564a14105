"""Who a user is: usernames, the live and paper environments, platforms and account ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.randomness import TokenSource, digits


class Platform(StrEnum):
    WEB = "web"
    WORKSTATION = "workstation"
    MOBILE = "mobile"
    GATEWAY = "gateway"


class Environment(StrEnum):
    LIVE = "live"
    PAPER = "paper"


class Role(StrEnum):
    USER = "user"
    SUPPORT = "support"


_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")
# The longest name anyone can sign in with: a live username, or its paper twin (+ "paper").
MAX_LOGIN_NAME = 40
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalize_username(raw: str) -> str:
    return raw.strip().lower()


def check_username(raw: str) -> str:
    name = normalize_username(raw)
    if not _USERNAME.match(name):
        raise InvalidInput(
            "A username is 3 to 32 characters: a letter, then letters, digits, '.', '_' or '-'.",
            field="username",
        )
    return name


def check_email(raw: str) -> str:
    email = raw.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("That is not a valid email address.", field="email")
    return email


def new_account_ids(tokens: TokenSource) -> tuple[str, str]:
    """A live id like ``U1234567`` and its paper twin ``DU1234567``."""
    number = str(1 + tokens.below(9)) + digits(tokens, 6)
    return f"U{number}", f"DU{number}"


@dataclass(eq=False)
class User:
    """A brokerage client (or a support agent) with live and paper credentials."""

    username: str
    email: str
    password_hash: str
    paper_username: str
    paper_password_hash: str
    live_account_id: str
    paper_account_id: str
    created_at: datetime
    phone: str | None = None
    role: str = Role.USER.value
    id: int | None = None
    must_change_password: bool = False
    admin_locked: bool = False
    totp_secret_sealed: str | None = None
    totp_last_step: int | None = None
    event_seq: int = 0
    mobile_idle_seconds: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def environment_of(self, typed_username: str) -> Environment:
        return (
            Environment.PAPER
            if normalize_username(typed_username) == self.paper_username
            else Environment.LIVE
        )

    def password_hash_for(self, env: Environment) -> str:
        return self.paper_password_hash if env is Environment.PAPER else self.password_hash

    def account_ids(self, env: Environment) -> list[str]:
        return [self.paper_account_id if env is Environment.PAPER else self.live_account_id]

    @property
    def has_totp(self) -> bool:
        return self.totp_secret_sealed is not None
