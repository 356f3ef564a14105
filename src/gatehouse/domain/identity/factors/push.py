"""Push approval with number matching: challenges, the choices a device shows, what it signs.

A push challenge carries a random nonce and a 2-digit number shown on the sign-in screen. The
Key device shows the sign-in's context and three numbers (the right one and two decoys,
shuffled); the user picks one, and the device signs (nonce, device id, decision, number) with
its Ed25519 key. Nothing here stores anything or reads the clock: callers pass ``now``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import (
    BadSignature,
    ChallengeExpired,
    InvalidInput,
    PushAlreadyDecided,
    StaleRequest,
)
from gatehouse.domain.randomness import TokenSource

TTL_SECONDS = 120
REQUEST_SKEW_SECONDS = 60
NONCE_BYTES = 32
CHOICES = 3
LOWEST, HIGHEST = 10, 99  # two digits, never a leading zero
MAX_PUSHES_PER_SIGNIN = 3  # approval fatigue: a sign-in may ring the device only so often
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64

_DECISION_CONTEXT = b"gatehouse-push-decision-v1"
_REQUEST_CONTEXT = b"gatehouse-key-request-v1"
_HELLO_CONTEXT = b"gatehouse-key-hello-v1"


class Decision(StrEnum):
    APPROVE = "approve"
    DENY = "deny"


class Outcome(StrEnum):
    APPROVED = "approved"
    DENIED = "denied"
    WRONG_NUMBER = "wrong_number"
    SUPERSEDED = "superseded"  # a newer push replaced it, or its sign-in ended


@dataclass(eq=False)
class PushChallenge:
    """One push request: what the sign-in screen shows (``number``) and what the device shows."""

    nonce: str
    login_id: str
    user_id: int
    number: int
    choices: list[int]
    platform: str
    environment: str
    client_address: str
    created_at: datetime
    expires_at: datetime
    decision: str | None = None
    decided_at: datetime | None = None
    device_id: str | None = None

    def is_open(self, now: datetime) -> bool:
        return self.decision is None and now < as_utc(self.expires_at)

    def ensure_decidable(self, now: datetime) -> None:
        if self.decision is not None:
            raise PushAlreadyDecided()
        if now >= as_utc(self.expires_at):
            raise ChallengeExpired("This push request has expired.")

    def device_view(self, username: str) -> dict[str, object]:
        """What a Key device is shown: the context and the three choices, never the answer."""
        return {
            "nonce": self.nonce,
            "username": username,
            "platform": self.platform,
            "environment": self.environment,
            "address": self.client_address,
            "requested_at": as_utc(self.created_at).isoformat(),
            "expires_at": as_utc(self.expires_at).isoformat(),
            "choices": list(self.choices),
        }


def new_challenge(
    *,
    tokens: TokenSource,
    now: datetime,
    login_id: str,
    user_id: int,
    platform: str,
    environment: str,
    client_address: str,
    ttl_seconds: int = TTL_SECONDS,
) -> PushChallenge:
    """A fresh challenge: a 256-bit nonce, the number to match, and the shuffled choices."""
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    number = LOWEST + tokens.below(HIGHEST - LOWEST + 1)
    return PushChallenge(
        nonce=tokens.token_bytes(NONCE_BYTES).hex(),
        login_id=login_id,
        user_id=user_id,
        number=number,
        choices=choices_for(number, tokens=tokens),
        platform=platform,
        environment=environment,
        client_address=client_address,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )


def choices_for(number: int, *, tokens: TokenSource) -> list[int]:
    """``number`` and two different decoys, in a uniformly random order."""
    picked = {number}
    while len(picked) < CHOICES:
        picked.add(LOWEST + tokens.below(HIGHEST - LOWEST + 1))
    ordered = sorted(picked)
    for i in range(len(ordered) - 1, 0, -1):  # Fisher-Yates
        j = tokens.below(i + 1)
        ordered[i], ordered[j] = ordered[j], ordered[i]
    return ordered


def decide(
    challenge: PushChallenge, decision: Decision, picked: int | None, *, now: datetime
) -> Outcome:
    """What the device's answer means; raises if the challenge can no longer be answered."""
    challenge.ensure_decidable(now)
    if decision is Decision.DENY:
        return Outcome.DENIED
    if picked is None:
        raise InvalidInput("Pick the number shown on the sign-in screen.", field="number")
    return Outcome.APPROVED if picked == challenge.number else Outcome.WRONG_NUMBER


# --- what is signed ---------------------------------------------------------------------
def decision_payload(nonce: str, device_id: str, decision: Decision, picked: int | None) -> bytes:
    """The bytes a device signs to answer a push: bound to the nonce, itself and its choice."""
    number = "" if picked is None else str(picked)
    return b"\n".join(
        [
            _DECISION_CONTEXT,
            nonce.encode(),
            device_id.encode(),
            decision.value.encode(),
            number.encode(),
        ]
    )


def request_payload(method: str, path: str, device_id: str, timestamp: int) -> bytes:
    """The bytes a device signs for a polling request (``X-Gatehouse-*`` headers)."""
    parts = [_REQUEST_CONTEXT, method.upper().encode(), path.encode(), device_id.encode()]
    return b"\n".join([*parts, str(timestamp).encode()])


def hello_payload(device_id: str, timestamp: int, server_nonce: str) -> bytes:
    """The bytes a device signs to open its WebSocket: bound to the server's fresh nonce."""
    parts = [_HELLO_CONTEXT, device_id.encode(), str(timestamp).encode(), server_nonce.encode()]
    return b"\n".join(parts)


def check_timestamp(
    timestamp: int, *, now: datetime, skew_seconds: int = REQUEST_SKEW_SECONDS
) -> None:
    """Refuse a signed request whose Unix ``timestamp`` is more than ``skew_seconds`` off."""
    if abs(now.timestamp() - timestamp) > skew_seconds:
        raise StaleRequest(server_time=int(now.timestamp()))


# --- keys and signatures ----------------------------------------------------------------
def encode(raw: bytes) -> str:
    """Unpadded URL-safe base64, the encoding of keys and signatures on the wire."""
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(text: str, *, expected_length: int, what: str) -> bytes:
    """The bytes of unpadded URL-safe base64 ``text``; InvalidInput unless exactly the length."""
    if not isinstance(text, str) or len(text) > 4 * expected_length:
        raise InvalidInput(f"{what} is not valid.", field=what)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{what} is not valid base64url.", field=what) from None
    if len(raw) != expected_length:
        raise InvalidInput(f"{what} must be {expected_length} bytes.", field=what)
    return raw


def check_public_key(text: str) -> str:
    """A device's Ed25519 public key in canonical form; InvalidInput if it is not one."""
    raw = decode(text, expected_length=PUBLIC_KEY_BYTES, what="public_key")
    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InvalidInput("public_key is not an Ed25519 key.", field="public_key") from None
    return encode(raw)


def verify_signature(public_key: str, payload: bytes, signature: str) -> None:
    """Return if ``signature`` is the device's Ed25519 signature of ``payload``."""
    try:
        raw = decode(signature, expected_length=SIGNATURE_BYTES, what="signature")
    except InvalidInput:
        raise BadSignature() from None
    key = Ed25519PublicKey.from_public_bytes(
        decode(public_key, expected_length=PUBLIC_KEY_BYTES, what="public_key")
    )
    try:
        key.verify(raw, payload)
    except InvalidSignature:
        raise BadSignature() from None
