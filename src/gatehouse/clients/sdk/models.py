"""Typed results of sign-in, sessions and the events stream, parsed from the server's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value)


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


@dataclass(frozen=True)
class LoginChallenge:
    """The password was accepted: a second factor is needed within ``expires_in`` seconds."""

    login_id: str
    factors: tuple[str, ...]
    expires_in: int
    notices: tuple[str, ...] = ()
    password_change_required: bool = False

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> LoginChallenge:
        return cls(
            login_id=str(body["login_id"]),
            factors=_strings(body.get("factors")),
            expires_in=int(body.get("expires_in") or 0),
            notices=_strings(body.get("notices")),
            password_change_required=bool(body.get("password_change_required", False)),
        )


@dataclass(frozen=True)
class PushChallenge:
    """A push went to the user's Key devices: show ``number``; then ``wait()``."""

    number: int
    expires_in: int
    devices: int
    pushes_left: int


@dataclass(frozen=True)
class SmsChallenge:
    """A code was sent by SMS to ``sent_to`` (masked)."""

    sent_to: str
    expires_in: int
    sends_left: int


@dataclass(frozen=True)
class CardChallenge:
    """Read these cells of the code card (e.g. ``("C4", "H9")``), in this order."""

    cells: tuple[str, ...]
    card_id: str


Challenge = PushChallenge | SmsChallenge | CardChallenge


def challenge_from_json(factor: str, body: dict[str, Any]) -> Challenge:
    if factor == "push":
        return PushChallenge(
            number=int(body["number"]),
            expires_in=int(body.get("expires_in") or 0),
            devices=int(body.get("devices") or 0),
            pushes_left=int(body.get("pushes_left") or 0),
        )
    if factor == "sms":
        return SmsChallenge(
            sent_to=str(body.get("sent_to", "")),
            expires_in=int(body.get("expires_in") or 0),
            sends_left=int(body.get("sends_left") or 0),
        )
    return CardChallenge(cells=_strings(body.get("cells")), card_id=str(body.get("card_id", "")))


@dataclass(frozen=True)
class Session:
    """A signed-in session. ``token`` is None for web (cookie) sessions."""

    session_id: str
    token: str | None
    platform: str
    environment: str
    username: str
    accounts: tuple[str, ...]
    idle_timeout: int
    expires_at: datetime | None
    created_at: datetime | None = None
    last_seen_at: datetime | None = None
    csrf_token: str | None = None
    device_name: str = ""
    address: str = ""
    current: bool | None = None
    notices: tuple[str, ...] = ()
    scope: str = ""  # "trade" or "read-only" (gateway device sessions)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Session:
        token = body.get("token")
        csrf = body.get("csrf_token")
        current = body.get("current")
        return cls(
            session_id=str(body["session_id"]),
            token=str(token) if token else None,
            platform=str(body.get("platform", "")),
            environment=str(body.get("environment", "")),
            username=str(body.get("username", "")),
            accounts=_strings(body.get("accounts")),
            idle_timeout=int(body.get("idle_timeout") or 0),
            expires_at=_time(body.get("expires_at")),
            created_at=_time(body.get("created_at")),
            last_seen_at=_time(body.get("last_seen_at")),
            csrf_token=str(csrf) if csrf else None,
            device_name=str(body.get("device_name", "")),
            address=str(body.get("address", "")),
            current=bool(current) if current is not None else None,
            notices=_strings(body.get("notices")),
            scope=str(body.get("scope") or ""),
            raw=dict(body),
        )


@dataclass(frozen=True)
class Event:
    """One account event of the user's log; ``seq`` numbers them 1, 2, 3, ... with no gaps."""

    seq: int
    type: str
    account: str
    data: dict[str, Any]
    at: datetime | None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Event:
        data = body.get("data")
        return cls(
            seq=int(body["seq"]),
            type=str(body.get("type", "")),
            account=str(body.get("account") or ""),
            data=dict(data) if isinstance(data, dict) else {},
            at=_time(body.get("at")),
        )


@dataclass(frozen=True)
class Resync:
    """The server no longer has the events after the last seq seen (or the log changed).

    Refetch the state over REST; the stream then continues with the events after ``seq``.
    """

    seq: int
    epoch: str
