"""Key devices (the authenticator app on a phone or computer) and their activation codes.

An activation code is typed or scanned once to enroll a device: short, single use, stored only
as a keyed hash. Support's re-enrollment code (after a lost device) is the same thing with a
longer life.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import InvalidActivationCode
from gatehouse.domain.randomness import TokenSource

# Crockford's base32: no I, L, O or U, so a code read aloud or off a screen is unambiguous.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_LENGTH = 12  # 60 bits: far beyond guessing at any rate limit, in ten minutes
GROUP = 4
ACTIVATION_TTL_SECONDS = 600
REENROLLMENT_TTL_SECONDS = 86400
MAX_NAME = 60


class ActivationKind(StrEnum):
    ACTIVATION = "activation"  # asked for by the signed-in user
    REENROLLMENT = "reenrollment"  # issued by support after a lost device


@dataclass(eq=False)
class KeyActivation:
    code_hash: str
    user_id: int
    kind: str
    created_at: datetime
    expires_at: datetime
    created_by: str = ""
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < as_utc(self.expires_at)


@dataclass(eq=False)
class KeyDevice:
    public_id: str
    user_id: int
    name: str
    public_key: str  # Ed25519, unpadded base64url
    created_at: datetime
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str = ""

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def view(self) -> dict[str, object]:
        return {
            "device_id": self.public_id,
            "name": self.name,
            "created_at": as_utc(self.created_at).isoformat(),
            "last_seen_at": as_utc(self.last_seen_at).isoformat() if self.last_seen_at else None,
            "revoked_at": as_utc(self.revoked_at).isoformat() if self.revoked_at else None,
        }


def new_code(tokens: TokenSource) -> str:
    """A fresh activation code, grouped for reading: ``7KQ2-M9XD-4HTA``."""
    raw = "".join(_ALPHABET[tokens.below(len(_ALPHABET))] for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalize_code(typed: str) -> str:
    """The code as typed, without separators, upper-cased, look-alikes read as digits.

    Raises InvalidActivationCode when it cannot be a code at all.
    """
    if not isinstance(typed, str) or len(typed) > 4 * CODE_LENGTH:
        raise InvalidActivationCode()
    compact = "".join(c for c in typed.upper() if c not in " -\t").translate(_READ_AS)
    if len(compact) != CODE_LENGTH or any(c not in _ALPHABET for c in compact):
        raise InvalidActivationCode()
    return compact


def code_hash(code: str, *, key: bytes) -> str:
    """What is stored of an activation code: HMAC-SHA256 under a server purpose key."""
    message = b"key-activation\x00" + normalize_code(code).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_activation(
    *,
    code: str,
    key: bytes,
    user_id: int,
    kind: ActivationKind,
    now: datetime,
    ttl_seconds: int,
    created_by: str = "",
) -> KeyActivation:
    return KeyActivation(
        code_hash=code_hash(code, key=key),
        user_id=user_id,
        kind=kind.value,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
        created_by=created_by[:40],
    )


def check_device_name(raw: object) -> str:
    """A short label the user recognizes ("Pixel 8"); control characters are dropped."""
    text = raw if isinstance(raw, str) else ""
    cleaned = " ".join("".join(c for c in text if c.isprintable()).split())[:MAX_NAME]
    return cleaned or "Key device"
