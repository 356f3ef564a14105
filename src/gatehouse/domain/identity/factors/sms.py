"""SMS one-time codes: issue, resend and verify a keyed-hash challenge; format phone numbers.

The caller stores the returned ``SmsChallenge`` and sends the plaintext code; only a hash of
the code, bound to the sign-in it belongs to, is ever kept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from gatehouse.domain.errors import ChallengeExpired, InvalidCode, InvalidInput, ResendLimit
from gatehouse.domain.randomness import TokenSource, digits

CODE_DIGITS = 6
DEFAULT_TTL_SECONDS = 300
DEFAULT_MAX_SENDS = 3
DEFAULT_MAX_ATTEMPTS = 5

MIN_PHONE_DIGITS = 8
MAX_PHONE_DIGITS = 15

_CODE_FORMAT = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
_PHONE_SEPARATORS = str.maketrans("", "", " \t\u00a0-().")
_E164 = re.compile(rf"\+[1-9][0-9]{{{MIN_PHONE_DIGITS - 1},{MAX_PHONE_DIGITS - 1}}}")

# E.164 country codes are one to three digits; the one- and two-digit ones are few and fixed
# (the ITU list of assigned E.164 country codes); every other code has three digits.
_ONE_DIGIT_COUNTRY_CODES = frozenset({"1", "7"})
_TWO_DIGIT_COUNTRY_CODES = frozenset(
    str(code)
    for zone in (
        (20, 27),
        (30, 31, 32, 33, 34, 36, 39),
        (40, 41, 43, 44, 45, 46, 47, 48, 49),
        (51, 52, 53, 54, 55, 56, 57, 58),
        (60, 61, 62, 63, 64, 65, 66),
        (81, 82, 84, 86),
        (90, 91, 92, 93, 94, 95, 98),
    )
    for code in zone
)
_MASK = "•"


@dataclass(frozen=True)
class SmsChallenge:
    """What the caller stores for an open SMS challenge; ``sends`` counts codes sent."""

    code_hash: str
    expires_at: datetime
    sends: int
    attempts: int


def hash_code(code: str, *, key: bytes, context: str) -> str:
    """HMAC-SHA256 (hex) of ``code`` bound to ``context`` (e.g. the login id).

    A NUL separates the two so that no (context, code) pair can collide with another.
    """
    message = context.encode("utf-8") + b"\x00" + code.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def issue(
    *,
    tokens: TokenSource,
    now: datetime,
    key: bytes,
    context: str,
    previous: SmsChallenge | None = None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    max_sends: int = DEFAULT_MAX_SENDS,
) -> tuple[str, SmsChallenge]:
    """A new code to send and the challenge to store in place of ``previous``.

    A resend always makes a new code (the old one stops working once the caller replaces
    the stored challenge) and starts a fresh expiry and attempt count; at most ``max_sends``
    codes are sent per sign-in, after which ResendLimit is raised.
    """
    _require_aware(now)
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    sends_so_far = previous.sends if previous is not None else 0
    if sends_so_far >= max_sends:
        raise ResendLimit()
    code = digits(tokens, CODE_DIGITS)
    challenge = SmsChallenge(
        code_hash=hash_code(code, key=key, context=context),
        expires_at=now + timedelta(seconds=ttl_seconds),
        sends=sends_so_far + 1,
        attempts=0,
    )
    return code, challenge


def verify(
    challenge: SmsChallenge,
    code: str,
    *,
    now: datetime,
    key: bytes,
    context: str,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> None:
    """Return if ``code`` is the one sent; raise otherwise.

    ChallengeExpired once the challenge is past ``expires_at`` or has used up its attempts;
    InvalidCode for a wrong or malformed code (the caller then stores
    ``with_failed_attempt(challenge)``).
    """
    _require_aware(now)
    if now >= challenge.expires_at:
        raise ChallengeExpired("The code has expired; ask for a new one.")
    if challenge.attempts >= max_attempts:
        raise ChallengeExpired("Too many wrong codes; ask for a new one.")
    well_formed = _CODE_FORMAT.fullmatch(code) is not None
    # Hash even a malformed code so that both paths cost the same.
    given = hash_code(code, key=key, context=context)
    equal = hmac.compare_digest(given.encode("ascii"), challenge.code_hash.encode("ascii"))
    if not (well_formed and equal):
        raise InvalidCode(f"That is not the {CODE_DIGITS}-digit code we sent.")


def with_failed_attempt(challenge: SmsChallenge) -> SmsChallenge:
    """The challenge to store after a wrong code."""
    return replace(challenge, attempts=challenge.attempts + 1)


def normalize_phone(phone: str) -> str:
    """``phone`` in E.164 form (``+`` and 8-15 digits), without spaces, dashes, dots, parens.

    Raises InvalidInput, naming what is wrong, for anything else.
    """
    compact = phone.strip().translate(_PHONE_SEPARATORS)
    if not compact.startswith("+"):
        raise InvalidInput(
            "Enter the phone number in international form, starting with + and the country "
            "code, e.g. +1 555 123 4567.",
            field="phone",
        )
    if _E164.fullmatch(compact) is None:
        raise InvalidInput(
            f"A phone number has {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits after the +, "
            "and the country code does not start with 0.",
            field="phone",
        )
    return compact


def mask_phone(phone: str) -> str:
    """``phone`` with all but the country code and the last digits hidden.

    ``"+15551234567"`` becomes ``"+1 ••• ••• 4567"``; shorter numbers keep two digits.
    """
    normalized = normalize_phone(phone)
    number = normalized[1:]
    country = _country_code(number)
    national = number[len(country) :]
    keep = 4 if len(national) >= 8 else 2
    hidden = len(national) - keep
    groups = [_MASK * 3] * (hidden // 3) + ([_MASK * (hidden % 3)] if hidden % 3 else [])
    return " ".join([f"+{country}", *groups, national[-keep:]])


def _country_code(number: str) -> str:
    if number[:1] in _ONE_DIGIT_COUNTRY_CODES:
        return number[:1]
    if number[:2] in _TWO_DIGIT_COUNTRY_CODES:
        return number[:2]
    return number[:3]


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
