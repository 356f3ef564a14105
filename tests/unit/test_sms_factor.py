"""SMS factor: issuing and resending codes, expiry, attempt limits, phone formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gatehouse.domain.errors import ChallengeExpired, InvalidCode, InvalidInput, ResendLimit
from gatehouse.domain.identity.factors import sms
from gatehouse.domain.randomness import SeededTokens

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
KEY = b"k" * 32
LOGIN = "login-1"


def issue(**kwargs: object) -> tuple[str, sms.SmsChallenge]:
    params: dict[str, object] = {
        "tokens": SeededTokens(3),
        "now": NOW,
        "key": KEY,
        "context": LOGIN,
    }
    params.update(kwargs)
    return sms.issue(**params)  # type: ignore[arg-type]


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- issue -------------------------------------------------------------------------------
def test_issue_returns_a_six_digit_code_and_stores_only_its_hash() -> None:
    code, challenge = issue()
    assert len(code) == sms.CODE_DIGITS and code.isdigit() and code.isascii()
    assert code not in challenge.code_hash
    assert challenge.code_hash == sms.hash_code(code, key=KEY, context=LOGIN)
    assert challenge.expires_at == NOW + timedelta(seconds=sms.DEFAULT_TTL_SECONDS)
    assert (challenge.sends, challenge.attempts) == (1, 0)


def test_hash_is_bound_to_key_and_context() -> None:
    base = sms.hash_code("123456", key=KEY, context=LOGIN)
    assert base != sms.hash_code("123456", key=KEY, context="login-2")
    assert base != sms.hash_code("123456", key=b"x" * 32, context=LOGIN)
    assert base != sms.hash_code("123457", key=KEY, context=LOGIN)
    # The separator keeps (context, code) pairs from sliding into each other.
    assert sms.hash_code("123456", key=KEY, context="a1") != sms.hash_code(
        "23456", key=KEY, context="a11"
    )


def test_resend_makes_a_new_code_and_counts_sends() -> None:
    tokens = SeededTokens(5)
    first_code, first = issue(tokens=tokens)
    later = NOW + timedelta(seconds=60)
    second_code, second = issue(tokens=tokens, now=later, previous=first)
    assert second_code != first_code
    assert second.sends == 2
    assert second.expires_at == later + timedelta(seconds=sms.DEFAULT_TTL_SECONDS)
    sms.verify(second, second_code, now=later, key=KEY, context=LOGIN)
    with pytest.raises(InvalidCode):
        sms.verify(second, first_code, now=later, key=KEY, context=LOGIN)


def test_resend_limit() -> None:
    tokens = SeededTokens(5)
    _, challenge = issue(tokens=tokens)
    for _ in range(sms.DEFAULT_MAX_SENDS - 1):
        _, challenge = issue(tokens=tokens, previous=challenge)
    assert challenge.sends == sms.DEFAULT_MAX_SENDS
    with pytest.raises(ResendLimit):
        issue(tokens=tokens, previous=challenge)


def test_custom_ttl_and_max_sends() -> None:
    _, challenge = issue(ttl_seconds=60, max_sends=1)
    assert challenge.expires_at == NOW + timedelta(seconds=60)
    with pytest.raises(ResendLimit):
        issue(previous=challenge, max_sends=1)


# --- verify ------------------------------------------------------------------------------
def test_right_code_before_expiry_passes() -> None:
    code, challenge = issue()
    sms.verify(challenge, code, now=NOW + timedelta(seconds=299), key=KEY, context=LOGIN)


def test_wrong_code_is_invalid() -> None:
    code, challenge = issue()
    with pytest.raises(InvalidCode):
        sms.verify(challenge, other_code(code), now=NOW, key=KEY, context=LOGIN)


def test_code_from_another_login_is_invalid() -> None:
    code, challenge = issue()
    with pytest.raises(InvalidCode):
        sms.verify(challenge, code, now=NOW, key=KEY, context="login-2")


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", " 123456", "１２３４５６"])
def test_malformed_code_is_invalid(bad: str) -> None:
    _, challenge = issue()
    with pytest.raises(InvalidCode):
        sms.verify(challenge, bad, now=NOW, key=KEY, context=LOGIN)


def test_code_is_refused_at_and_after_expiry() -> None:
    code, challenge = issue()
    for later in (challenge.expires_at, challenge.expires_at + timedelta(days=1)):
        with pytest.raises(ChallengeExpired):
            sms.verify(challenge, code, now=later, key=KEY, context=LOGIN)


def test_attempts_are_limited_even_for_the_right_code() -> None:
    code, challenge = issue()
    for _ in range(sms.DEFAULT_MAX_ATTEMPTS):
        with pytest.raises(InvalidCode):
            sms.verify(challenge, other_code(code), now=NOW, key=KEY, context=LOGIN)
        challenge = sms.with_failed_attempt(challenge)
    assert challenge.attempts == sms.DEFAULT_MAX_ATTEMPTS
    with pytest.raises(ChallengeExpired):
        sms.verify(challenge, code, now=NOW, key=KEY, context=LOGIN)


def test_with_failed_attempt_changes_only_the_count() -> None:
    _, challenge = issue()
    after = sms.with_failed_attempt(challenge)
    assert after.attempts == 1
    assert (after.code_hash, after.expires_at, after.sends) == (
        challenge.code_hash,
        challenge.expires_at,
        challenge.sends,
    )
    assert challenge.attempts == 0  # the original is untouched


def test_resend_gives_the_new_code_its_own_attempts() -> None:
    tokens = SeededTokens(9)
    _, challenge = issue(tokens=tokens)
    for _ in range(sms.DEFAULT_MAX_ATTEMPTS):
        challenge = sms.with_failed_attempt(challenge)
    code, resent = issue(tokens=tokens, previous=challenge)
    assert resent.attempts == 0
    sms.verify(resent, code, now=NOW, key=KEY, context=LOGIN)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        issue(now=datetime(2026, 1, 5, 15, 0))


# --- phone numbers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 (555) 123-4567", "+15551234567"),
        ("+44 7911.123.456", "+447911123456"),
        ("  +49 151 1234 5678 ", "+4915112345678"),
        ("+12345678", "+12345678"),
        ("+123456789012345", "+123456789012345"),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert sms.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "5551234567",  # no country code
        "001 555 123 4567",  # international prefix instead of +
        "+1234567",  # 7 digits
        "+1234567890123456",  # 16 digits
        "+1 555 CALL NOW",
        "+0 555 123 4567",  # country codes never start with 0
        "++15551234567",
        "+1 555 123 4567 ext 2",
        "+１５５５１２３４５６７",
        "",
    ],
)
def test_normalize_phone_refuses_bad_numbers(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        sms.normalize_phone(raw)
    assert caught.value.details["field"] == "phone"
    assert "+" in caught.value.message


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+1 555 123 4567", "+1 ••• ••• 4567"),
        ("+447911123456", "+44 ••• ••• 3456"),
        ("+4915112345678", "+49 ••• ••• • 5678"),
        ("+353 85 123 4567", "+353 ••• •• 4567"),
        ("+3541234567", "+354 ••• •• 67"),
    ],
)
def test_mask_phone_keeps_country_code_and_last_digits(phone: str, masked: str) -> None:
    assert sms.mask_phone(phone) == masked


def test_mask_phone_hides_the_middle() -> None:
    masked = sms.mask_phone("+15551234567")
    assert "555" not in masked and "123" not in masked


def test_mask_phone_refuses_garbage() -> None:
    with pytest.raises(InvalidInput):
        sms.mask_phone("call me")
