"""Sessions: tokens, per-platform idle timeout and absolute lifetime, and when one ends."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import InvalidInput, ScopeDenied
from gatehouse.domain.randomness import TokenSource


@dataclass(frozen=True)
class SessionLimits:
    idle_seconds: int
    lifetime_seconds: int
    min_idle_seconds: int | None = None
    max_idle_seconds: int | None = None

    def choose_idle(self, wanted: int | None) -> int:
        """The user's chosen idle timeout, if this platform lets them choose, within bounds."""
        if wanted is None or self.min_idle_seconds is None or self.max_idle_seconds is None:
            return self.idle_seconds
        return max(self.min_idle_seconds, min(self.max_idle_seconds, wanted))

    def check_idle_choice(self, wanted: int) -> int:
        if self.min_idle_seconds is None or self.max_idle_seconds is None:
            raise InvalidInput("The idle timeout of this platform cannot be changed.")
        if not self.min_idle_seconds <= wanted <= self.max_idle_seconds:
            raise InvalidInput(
                f"The idle timeout must be between {self.min_idle_seconds // 60} and "
                f"{self.max_idle_seconds // 60} minutes.",
                field="idle_timeout",
            )
        return wanted


class EndReason(StrEnum):
    LOGOUT = "logout"
    REVOKED = "revoked"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    IDLE = "idle"
    EXPIRED = "expired"
    PASSWORD_CHANGED = "password_changed"
    SUPPORT = "support"


TRADE_SCOPE = "trade"


def new_token(tokens: TokenSource) -> str:
    """A 256-bit bearer token, URL-safe."""
    return tokens.token_bytes(32).hex()


def token_hash(token: str) -> str:
    """Only this digest of a session token is ever stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token_for(token: str, *, key: bytes) -> str:
    """A CSRF token bound to the session token, so nothing extra is stored."""
    return hmac.new(key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


def csrf_matches(token: str, presented: str, *, key: bytes) -> bool:
    return hmac.compare_digest(csrf_token_for(token, key=key), presented)


@dataclass(eq=False)
class Session:
    public_id: str
    token_hash: str
    user_id: int
    platform: str
    environment: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    idle_seconds: int
    device_name: str = ""
    client_address: str = ""
    user_agent: str = ""
    ended_at: datetime | None = None
    end_reason: str | None = None
    id: int | None = None
    scope: str = "trade"  # "read-only": no order or funding calls (a gateway device's scope)
    device_id: str | None = None  # the gateway device that signed in, if one did

    @property
    def may_trade(self) -> bool:
        return self.scope == TRADE_SCOPE

    def require_trade(self) -> None:
        """Refuse order-placing, -changing, -cancelling and funding calls of a read-only one."""
        if not self.may_trade:
            raise ScopeDenied()

    def idle_deadline(self) -> datetime:
        return as_utc(self.last_seen_at) + timedelta(seconds=self.idle_seconds)

    def deadline(self) -> datetime:
        """When this session ends unless it is used again: idle timeout or lifetime, first."""
        return min(self.idle_deadline(), as_utc(self.expires_at))

    def end_reason_at(self, now: datetime) -> EndReason | None:
        """Why this session is over at ``now``, or None while it is alive."""
        if self.ended_at is not None:
            return EndReason(self.end_reason or EndReason.REVOKED)
        if now >= as_utc(self.expires_at):
            return EndReason.EXPIRED
        if now >= self.idle_deadline():
            return EndReason.IDLE
        return None

    def needs_touch(self, now: datetime, every_seconds: int) -> bool:
        return (now - as_utc(self.last_seen_at)).total_seconds() >= every_seconds

    def end(self, reason: EndReason, now: datetime) -> None:
        if self.ended_at is None:
            self.ended_at = now
            self.end_reason = reason.value


# A socket ticket: what ``tickle`` returns as ``session`` and IBKR clients send back in the
# ``api`` cookie to open ``/v1/api/ws``. It names the session and a time window, signed with
# a server key: the same value all through a window (ibind compares the cookie it connected
# with to a fresh tickle), accepted for one more window, and useless once the session ends.
SOCKET_TICKET_WINDOW_SECONDS = 600


def socket_ticket_for(public_id: str, now: datetime, *, key: bytes) -> str:
    window = int(as_utc(now).timestamp()) // SOCKET_TICKET_WINDOW_SECONDS
    return _ticket(public_id, window, key)


def _ticket(public_id: str, window: int, key: bytes) -> str:
    mac = hmac.new(key, f"ws:{public_id}:{window}".encode(), hashlib.sha256).hexdigest()
    return f"{public_id}.{window}.{mac[:32]}"


def socket_ticket_session(ticket: str, now: datetime, *, key: bytes) -> str | None:
    """The public id of the session a ticket names, if it is genuine and not stale."""
    parts = ticket.split(".")
    if len(parts) != 3 or not parts[1].isdigit() or len(ticket) > 128:
        return None
    public_id, window = parts[0], int(parts[1])
    current = int(as_utc(now).timestamp()) // SOCKET_TICKET_WINDOW_SECONDS
    if window not in (current, current - 1):
        return None
    if not hmac.compare_digest(_ticket(public_id, window, key), ticket):
        return None
    return public_id
