"""Time-based one-time codes (RFC 6238 over pyotp's HOTP): secrets, enrollment URIs, verification.

Nothing here reads the clock or stores anything: the caller passes ``at`` and keeps ``step``.
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

import pyotp

from gatehouse.domain.errors import CodeReused, InvalidCode
from gatehouse.domain.randomness import TokenSource

STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, the length RFC 4226 §4 recommends

_CODE_FORMAT = re.compile(rf"[0-9]{{{DIGITS}}}")


@dataclass(frozen=True)
class TotpMatch:
    """A successful check: store ``step`` as the authenticator's new last-used step."""

    step: int
    drift_steps: int  # matched step minus the server's current step


def new_secret(tokens: TokenSource) -> str:
    """A fresh 160-bit secret in unpadded base32, as authenticator apps expect it."""
    return base64.b32encode(tokens.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def provisioning_uri(secret: str, *, account_name: str, issuer: str = "Gatehouse") -> str:
    """The ``otpauth://totp/...`` URI an authenticator app enrolls from (usually via a QR code).

    Algorithm, digits and period are always spelled out, so apps that guess differently
    from the defaults still agree with the server.
    """
    label = f"{quote(issuer, safe='')}:{quote(account_name, safe='')}"
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def time_step(at: datetime) -> int:
    """The RFC 6238 time step ``at`` falls in (Unix time divided by 30, rounded down)."""
    if at.tzinfo is None:
        raise ValueError("time_step needs a timezone-aware datetime")
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, *, at: datetime) -> str:
    """The 6-digit code an authenticator with ``secret`` shows at the instant ``at``."""
    return _hotp(secret, time_step(at))


def verify(
    secret: str,
    code: str,
    *,
    at: datetime,
    last_used_step: int | None,
    window: int = 1,
) -> TotpMatch:
    """Check ``code`` against the steps within ``window`` of ``at``; refuse reuse.

    Raises InvalidCode for a malformed or wrong code and CodeReused for a code whose step is
    at or before ``last_used_step``. Every candidate step is computed and compared, so the
    time taken does not depend on which one (if any) matched.
    """
    if window < 0:
        raise ValueError("window must not be negative")
    if not _is_well_formed(code):
        raise InvalidCode(f"Enter the {DIGITS}-digit code from your authenticator app.")
    current = time_step(at)
    matched = _matching_offsets(secret, code, current=current, reach=window)
    if not matched:
        raise InvalidCode()
    fresh = [d for d in matched if last_used_step is None or current + d > last_used_step]
    if not fresh:
        raise CodeReused()
    drift = min(fresh, key=lambda d: (abs(d), d))
    return TotpMatch(step=current + drift, drift_steps=drift)


def estimate_clock_offset(
    secret: str, code: str, *, at: datetime, search_steps: int = 10
) -> int | None:
    """How many seconds the device's clock seems ahead (+) or behind (-) of ``at``, or None.

    Only a hint for the user ("your device clock looks off by about N seconds"); it accepts
    nothing. The nearest matching step within ``search_steps`` wins.
    """
    if search_steps < 0:
        raise ValueError("search_steps must not be negative")
    if not _is_well_formed(code):
        return None
    matched = _matching_offsets(secret, code, current=time_step(at), reach=search_steps)
    if not matched:
        return None
    return min(matched, key=lambda d: (abs(d), d)) * STEP_SECONDS


def _is_well_formed(code: str) -> bool:
    # fullmatch on an ASCII class: rejects spaces, newlines and non-ASCII digits like "１".
    return _CODE_FORMAT.fullmatch(code) is not None


def _matching_offsets(secret: str, code: str, *, current: int, reach: int) -> list[int]:
    """Offsets in [-reach, reach] whose code equals ``code``; every one is compared."""
    given = code.encode("ascii")
    matched: list[int] = []
    for offset in range(-reach, reach + 1):
        step = current + offset
        if step < 0:
            continue
        equal = hmac.compare_digest(given, _hotp(secret, step).encode("ascii"))
        if equal:
            matched.append(offset)
    return matched


def _hotp(secret: str, counter: int, *, digits: int = DIGITS) -> str:
    """The RFC 4226 HOTP value of ``secret`` at ``counter`` (SHA-1, dynamic truncation)."""
    return str(pyotp.HOTP(secret, digits=digits).at(counter))


DRIFT_HINT_STEPS = 10  # a failed code is searched for up to five minutes either way


def clock_drift_message(offset_seconds: int) -> str:
    """What to tell a user whose authenticator's clock is ``offset_seconds`` off."""
    direction = "ahead" if offset_seconds > 0 else "behind"
    return (
        f"Your device clock looks about {abs(offset_seconds)} seconds {direction}. "
        "Turn on automatic (network) time in the device's settings."
    )
