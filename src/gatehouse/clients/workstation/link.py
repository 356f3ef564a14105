"""What the Workstation needs from the server: a signed-in ``Link`` and the sign-in steps.

The screens only use these protocols and ``ApiError``'s stable ``code``; ``connect.py``
builds them on the Gatehouse SDK (``gatehouse.clients.sdk``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class ApiError(Exception):
    """The server refused a request; ``code`` is its stable error code (docs/signin.md)."""

    def __init__(
        self, status: int, code: str, message: str, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{message} ({code})")
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class SessionEnded(Exception):
    """The session ended on the server (revoked, signed out, expired): sign in again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Session:
    """A signed-in workstation session."""

    token: str
    session_id: str
    username: str
    environment: str
    accounts: tuple[str, ...]
    idle_timeout: int
    body: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def account(self) -> str:
        return self.accounts[0] if self.accounts else ""

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Session:
        return cls(
            token=str(body.get("token") or ""),
            session_id=str(body.get("session_id", "")),
            username=str(body.get("username", "")),
            environment=str(body.get("environment", "live")),
            accounts=tuple(str(a) for a in body.get("accounts", [])),
            idle_timeout=int(body.get("idle_timeout", 0) or 0),
            body=dict(body),
        )


class Link(Protocol):
    """A signed-in connection: REST calls under ``/v1/api`` and the events stream."""

    session: Session

    @property
    def connected(self) -> bool:
        """True while the events stream is connected and resumed."""
        ...

    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """``path`` is relative to ``/v1/api`` (``"iserver/accounts"``); raises ``ApiError``."""
        ...

    def events(self, since: int | None = None) -> AsyncIterator[dict[str, Any]]:
        """Account events in ``seq`` order, resuming after reconnects; raises
        ``SessionEnded`` when the server ends the session."""
        ...

    async def close(self) -> None: ...


class SignIn(Protocol):
    """The sign-in steps of docs/signin.md, not yet signed in."""

    base_url: str

    async def start(
        self, username: str, password: str, environment: str, *, device_token: str = ""
    ) -> dict[str, Any]:
        """The password step; ``device_token`` marks a device that signed in before."""
        ...

    async def challenge(self, login_id: str, factor: str) -> dict[str, Any]: ...

    async def verify(self, login_id: str, factor: str, code: str | list[str]) -> Session: ...

    async def wait(self, login_id: str, seconds: int) -> Session | None:
        """Long-poll for a push decision: the session once approved, else ``None``."""
        ...

    async def versions(self) -> dict[str, Any]:
        """``{channel: {minimum, latest}}`` when the server announces it, else ``{}``."""
        ...

    def open(self, session: Session) -> Link:
        """A ``Link`` for a signed-in session."""
        ...

    async def close(self) -> None: ...
