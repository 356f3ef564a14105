"""A sign-in in progress: open until it expires, fails after too many codes, or completes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.errors import LoginExpired, LoginNotFound
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt, LoginState


def attempt_at(clock: FakeClock, ttl: int = 300) -> LoginAttempt:
    return LoginAttempt(
        public_id="l1",
        user_id=1,
        platform="web",
        environment="live",
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(seconds=ttl),
    )


def test_a_sign_in_is_open_until_it_expires():
    clock = FakeClock()
    attempt = attempt_at(clock)
    assert attempt.state == LoginState.SECOND_FACTOR
    clock.advance(299)
    attempt.ensure_open(clock.now())
    clock.advance(1)
    with pytest.raises(LoginExpired):
        attempt.ensure_open(clock.now())


def test_wrong_codes_end_the_sign_in_at_the_limit():
    clock = FakeClock()
    attempt = attempt_at(clock)
    assert [attempt.record_code_failure(5) for _ in range(5)] == [False] * 4 + [True]
    assert attempt.state == LoginState.FAILED
    assert attempt.code_failures == 5
    # a failed sign-in is gone, even before it would have expired
    with pytest.raises(LoginNotFound):
        attempt.ensure_open(clock.now())


def test_a_challenge_is_kept_until_the_sign_in_completes():
    clock = FakeClock()
    attempt = attempt_at(clock)
    expires = clock.now() + timedelta(seconds=120)
    attempt.open_challenge(Factor.CARD, {"card_id": "C1", "labels": ["A1", "B2"]}, expires)
    assert attempt.challenge_factor == "card"
    assert attempt.challenge == {"card_id": "C1", "labels": ["A1", "B2"]}
    assert attempt.challenge_expires_at == expires
    attempt.complete("s1")
    assert attempt.state == LoginState.COMPLETED
    assert attempt.session_public_id == "s1"
    assert attempt.challenge == {}  # nothing secret outlives the sign-in
    with pytest.raises(LoginNotFound):
        attempt.ensure_open(clock.now())


def test_a_newer_challenge_replaces_the_older_one():
    clock = FakeClock()
    attempt = attempt_at(clock)
    attempt.open_challenge(Factor.SMS, {"code_hash": "x"}, clock.now())
    attempt.open_challenge(Factor.CARD, {"labels": ["C3", "D4"]}, clock.now())
    assert attempt.challenge_factor == "card"
    assert attempt.challenge == {"labels": ["C3", "D4"]}


def test_naive_expiry_from_a_database_is_read_as_utc():
    clock = FakeClock()
    attempt = attempt_at(clock)
    attempt.expires_at = attempt.expires_at.replace(tzinfo=None)
    attempt.ensure_open(clock.now())
    with pytest.raises(LoginExpired):
        attempt.ensure_open(clock.advance(300))


def test_the_factor_names_are_the_api_names():
    assert [f.value for f in Factor] == ["totp", "sms", "card", "push"]
