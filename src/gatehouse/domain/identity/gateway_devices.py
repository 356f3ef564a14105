"""Gateway devices: a headless Gateway's Ed25519 key bound to a user, an environment and a scope.

A full sign-in (password and second factor, minutes ago) registers the key; from then on the
Gateway signs in unattended by signing a server nonce. The key opens sessions of its scope
until the owner's policy wants a full second factor again (``reauth_days`` after the last
one); past that deadline it opens read-only sessions only, flagged ``second_factor_due``.
Signatures use the Key device's primitives (``factors.push``). Nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.identity.factors import push
from gatehouse.domain.randomness import TokenSource

CHALLENGE_TTL_SECONDS = 60
MAX_DEVICES = 20  # active gateway devices per user
MAX_NAME = 60
DEVICE_FACTOR = "device"  # the audit log's factor of a device sign-in

_SIGNIN_CONTEXT = b"gatehouse-gateway-signin-v1"
# A renewal is a sign-in attempt approved by push that renews the device and opens no session.
_RENEWAL_MARKER = "gateway-renewal:"


def renewal_marker(device_id: str) -> str:
    """The device name a renewal's sign-in attempt carries."""
    return f"{_RENEWAL_MARKER}{device_id}"


def is_renewal(device_name: str) -> bool:
    return device_name.startswith(_RENEWAL_MARKER)


class GatewayScope(StrEnum):
    TRADE = "trade"
    READ_ONLY = "read-only"


def check_scope(raw: object) -> GatewayScope:
    try:
        return GatewayScope(str(raw))
    except ValueError:
        raise InvalidInput("scope must be trade or read-only.", field="scope") from None


def check_name(raw: object) -> str:
    """A short label the owner recognizes ("bot on vps-2"); control characters dropped."""
    text = raw if isinstance(raw, str) else ""
    cleaned = " ".join("".join(c for c in text if c.isprintable()).split())[:MAX_NAME]
    return cleaned or "Gateway"


def check_device_id(raw: object) -> str:
    if not isinstance(raw, str) or not 1 <= len(raw) <= 32:
        raise InvalidInput("device_id is not valid.", field="device_id")
    return raw


@dataclass(frozen=True)
class Grant:
    """What a device sign-in may open now: its scope, and until when."""

    scope: GatewayScope
    second_factor_due: bool
    second_factor_due_at: datetime
    expires_at: datetime


@dataclass(eq=False)
class GatewayDevice:
    public_id: str
    user_id: int
    name: str
    public_key: str  # Ed25519, unpadded base64url
    environment: str
    scope: str
    created_at: datetime
    full_factor_at: datetime  # the last full second factor that vouched for this device
    last_used_at: datetime | None = None
    last_address: str = ""
    revoked_at: datetime | None = None
    revoked_by: str = ""

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def second_factor_due_at(self, *, reauth_days: int) -> datetime:
        return as_utc(self.full_factor_at) + timedelta(days=reauth_days)

    def grant(self, *, now: datetime, reauth_days: int, lifetime_seconds: int) -> Grant:
        """The session a sign-in gets: the device's scope until the full-2FA deadline, then
        read-only (with the flag) for an ordinary lifetime."""
        due_at = self.second_factor_due_at(reauth_days=reauth_days)
        normal_end = now + timedelta(seconds=lifetime_seconds)
        if now >= due_at:
            return Grant(GatewayScope.READ_ONLY, True, due_at, normal_end)
        return Grant(GatewayScope(self.scope), False, due_at, min(normal_end, due_at))

    def view(self, *, reauth_days: int) -> dict[str, object]:
        return {
            "device_id": self.public_id,
            "name": self.name,
            "scope": self.scope,
            "environment": self.environment,
            "created_at": as_utc(self.created_at).isoformat(),
            "last_used_at": as_utc(self.last_used_at).isoformat() if self.last_used_at else None,
            "last_address": self.last_address,
            "second_factor_due_at": self.second_factor_due_at(reauth_days=reauth_days).isoformat(),
            "revoked_at": as_utc(self.revoked_at).isoformat() if self.revoked_at else None,
        }


@dataclass(eq=False)
class GatewayChallenge:
    nonce: str
    device_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < as_utc(self.expires_at)


def new_challenge(
    *, tokens: TokenSource, device_id: str, now: datetime, ttl_seconds: int = CHALLENGE_TTL_SECONDS
) -> GatewayChallenge:
    return GatewayChallenge(
        nonce=tokens.token_bytes(push.NONCE_BYTES).hex(),
        device_id=device_id,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )


def signin_payload(nonce: str, device_id: str) -> bytes:
    """The bytes a Gateway signs to sign in: bound to the server's nonce and its own id."""
    return b"\n".join([_SIGNIN_CONTEXT, nonce.encode(), device_id.encode()])


def verify_signin(device: GatewayDevice, nonce: str, signature: object) -> None:
    """Return if ``signature`` is the device's signature of the sign-in payload; else
    BadSignature (the same Ed25519 check as Key devices)."""
    push.verify_signature(
        device.public_key,
        signin_payload(nonce, device.public_id),
        signature if isinstance(signature, str) else "",
    )
