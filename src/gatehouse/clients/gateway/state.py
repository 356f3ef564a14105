"""What the Gateway knows about itself, shared by its session keeper and its local listener,
and the JSON of ``GET /gateway/status``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gatehouse.clients.sdk.devices import DeviceSession

RECENT_CLIENT_SECONDS = 60.0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class GatewayState:
    server: str
    username: str
    environment: str
    device_id: str
    token: str | None = None  # the gateway's own bearer session; never logged
    session_id: str | None = None
    scope: str | None = None
    session_expires_at: datetime | None = None
    second_factor_due: bool = False
    second_factor_due_at: datetime | None = None
    upstream_connected: bool = False
    stopped: str | None = None  # why it stopped serving for good (revoked, …)
    last_error: dict[str, Any] | None = None
    open_sockets: int = 0
    renewal: dict[str, Any] | None = None  # a push asking for the full second factor, waiting
    lifetime_left: float | None = None  # seconds the session had when it was opened
    opened_at: float = 0.0  # time.monotonic() then: expiry is timed locally, whatever the clocks
    _recent: dict[str, float] = field(default_factory=dict)

    @property
    def serving(self) -> bool:
        return self.token is not None and self.stopped is None

    def signed_in(self, signed: DeviceSession) -> None:
        self.token = signed.session.token
        self.session_id = signed.session.session_id
        self.scope = signed.scope
        self.session_expires_at = signed.session.expires_at
        self.second_factor_due = signed.second_factor_due
        self.second_factor_due_at = signed.second_factor_due_at
        self.upstream_connected = True
        created, expires = signed.session.created_at, signed.session.expires_at
        self.lifetime_left = (expires - created).total_seconds() if created and expires else None
        self.opened_at = time.monotonic()

    def seconds_left(self) -> float | None:
        """How long the session has yet, by this machine's monotonic clock."""
        if self.lifetime_left is None:
            return None
        return self.lifetime_left - (time.monotonic() - self.opened_at)

    def signed_out(self) -> None:
        self.renewal = None
        self.token = None
        self.session_id = None

    def error(self, code: str, reason: str) -> None:
        self.last_error = {"code": code, "reason": reason, "at": datetime.now(UTC).isoformat()}

    def stop(self, reason: str) -> None:
        self.stopped = reason
        self.signed_out()

    def saw_client(self, host: str) -> None:
        now = time.monotonic()
        if self._recent.get(host, 0.0) + 1.0 < now:  # at most one write per second per host
            self._recent[host] = now

    def local_clients(self) -> int:
        cutoff = time.monotonic() - RECENT_CLIENT_SECONDS
        for host in [h for h, at in self._recent.items() if at < cutoff]:
            del self._recent[host]
        return max(len(self._recent), self.open_sockets)

    def view(self) -> dict[str, Any]:
        return {
            "signed_in": self.serving,
            "server": self.server,
            "user": self.username,
            "environment": self.environment,
            "device_id": self.device_id,
            "scope": self.scope,
            "session_expires_at": _iso(self.session_expires_at),
            "second_factor_due": self.second_factor_due,
            "second_factor_due_at": _iso(self.second_factor_due_at),
            "renewal": self.renewal,
            "upstream_connected": self.upstream_connected,
            "local_clients": self.local_clients(),
            "open_sockets": self.open_sockets,
            "stopped": self.stopped,
            "last_error": self.last_error,
        }
