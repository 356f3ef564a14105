"""Session rules: idle and absolute expiry per platform, the mobile idle bounds, tokens, CSRF."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.identity.sessions import (
    EndReason,
    Session,
    SessionLimits,
    csrf_matches,
    csrf_token_for,
    new_token,
    token_hash,
)
from gatehouse.domain.identity.users import Platform
from gatehouse.domain.randomness import SecureTokens, SeededTokens
from gatehouse.settings import Settings

# The operator defaults, in minutes: (idle, lifetime).
DEFAULTS = {
    Platform.WEB: (30, 720),
    Platform.WORKSTATION: (120, 1440),
    Platform.MOBILE: (15, 43200),
    Platform.GATEWAY: (6, 1440),
}
LIMITS = Settings().session_limits()
KEY = b"k" * 32


def open_session(clock: FakeClock, limits: SessionLimits) -> Session:
    now = clock.now()
    return Session(
        public_id="s1",
        token_hash="h",
        user_id=1,
        platform="web",
        environment="live",
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=limits.lifetime_seconds),
        idle_seconds=limits.choose_idle(None),
    )


@pytest.mark.parametrize("platform", list(Platform))
def test_each_platform_has_its_own_limits(platform):
    idle, lifetime = DEFAULTS[platform]
    assert LIMITS[platform].idle_seconds == idle * 60
    assert LIMITS[platform].lifetime_seconds == lifetime * 60


@pytest.mark.parametrize("platform", list(Platform))
def test_an_unused_session_ends_after_its_idle_timeout(platform):
    clock = FakeClock()
    session = open_session(clock, LIMITS[platform])
    clock.advance(LIMITS[platform].idle_seconds - 1)
    assert session.end_reason_at(clock.now()) is None
    clock.advance(1)
    assert session.end_reason_at(clock.now()) is EndReason.IDLE


@pytest.mark.parametrize("platform", list(Platform))
def test_a_used_session_ends_after_its_lifetime(platform):
    limits = LIMITS[platform]
    clock = FakeClock()
    session = open_session(clock, limits)
    end = session.expires_at
    while clock.now() + timedelta(seconds=limits.idle_seconds - 1) < end:
        clock.advance(limits.idle_seconds - 1)
        assert session.end_reason_at(clock.now()) is None
        session.last_seen_at = clock.now()
    clock.set(end - timedelta(seconds=1))
    assert session.end_reason_at(clock.now()) is None
    assert session.deadline() == end
    clock.set(end)
    assert session.end_reason_at(clock.now()) is EndReason.EXPIRED


def test_the_deadline_is_the_sooner_of_idle_and_lifetime():
    clock = FakeClock()
    session = open_session(clock, SessionLimits(idle_seconds=600, lifetime_seconds=3600))
    assert session.deadline() == clock.now() + timedelta(seconds=600)
    clock.advance(3300)
    session.last_seen_at = clock.now()
    assert session.deadline() == session.expires_at


def test_an_ended_session_stays_ended_with_its_first_reason():
    clock = FakeClock()
    session = open_session(clock, LIMITS[Platform.WEB])
    session.end(EndReason.LOGOUT, clock.now())
    first = session.ended_at
    clock.advance(5)
    session.end(EndReason.SIGNED_OUT_EVERYWHERE, clock.now())
    assert session.ended_at == first
    assert session.end_reason_at(clock.now()) is EndReason.LOGOUT


def test_a_session_is_touched_only_every_so_often():
    clock = FakeClock()
    session = open_session(clock, LIMITS[Platform.WEB])
    clock.advance(14)
    assert not session.needs_touch(clock.now(), 15)
    clock.advance(1)
    assert session.needs_touch(clock.now(), 15)


def test_naive_times_from_a_database_are_read_as_utc():
    clock = FakeClock()
    session = open_session(clock, SessionLimits(idle_seconds=60, lifetime_seconds=600))
    session.last_seen_at = session.last_seen_at.replace(tzinfo=None)
    session.expires_at = session.expires_at.replace(tzinfo=None)
    assert session.end_reason_at(clock.now() + timedelta(seconds=59)) is None
    assert session.end_reason_at(clock.now() + timedelta(seconds=60)) is EndReason.IDLE
    assert session.deadline() == clock.now() + timedelta(seconds=60)


# --- the user's own mobile idle timeout ------------------------------------------------------
MOBILE = LIMITS[Platform.MOBILE]


def test_only_mobile_lets_the_user_choose():
    for platform in (Platform.WEB, Platform.WORKSTATION, Platform.GATEWAY):
        assert LIMITS[platform].choose_idle(7200) == LIMITS[platform].idle_seconds
        with pytest.raises(InvalidInput):
            LIMITS[platform].check_idle_choice(LIMITS[platform].idle_seconds)
    assert MOBILE.choose_idle(3600) == 3600
    assert MOBILE.choose_idle(None) == MOBILE.idle_seconds


def test_the_mobile_choice_must_be_within_the_operator_bounds():
    assert (MOBILE.min_idle_seconds, MOBILE.max_idle_seconds) == (5 * 60, 240 * 60)
    assert MOBILE.check_idle_choice(300) == 300
    assert MOBILE.check_idle_choice(14400) == 14400
    for wanted in (0, 299, 14401):
        with pytest.raises(InvalidInput) as refused:
            MOBILE.check_idle_choice(wanted)
        assert refused.value.details["field"] == "idle_timeout"
        assert "between 5 and 240 minutes" in refused.value.message


def test_a_stored_choice_outside_new_bounds_is_clamped():
    assert MOBILE.choose_idle(60) == 300
    assert MOBILE.choose_idle(10**9) == 14400


# --- tokens and CSRF ---------------------------------------------------------------------------
def test_tokens_are_256_random_bits_and_only_their_hash_is_kept():
    tokens = {new_token(SecureTokens()) for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(bytes.fromhex(token)) == 32
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token_hash(token) != token


def test_the_csrf_token_is_bound_to_its_session_and_the_server_key():
    one, two = new_token(SeededTokens(1)), new_token(SeededTokens(2))
    csrf = csrf_token_for(one, key=KEY)
    assert csrf == csrf_token_for(one, key=KEY)  # stable: nothing extra to store
    assert csrf_matches(one, csrf, key=KEY)
    assert not csrf_matches(two, csrf, key=KEY)  # another session's token
    assert not csrf_matches(one, csrf, key=b"x" * 32)  # another server's key
    assert not csrf_matches(one, "", key=KEY)
    assert not csrf_matches(one, csrf.upper(), key=KEY)
    assert csrf not in (one, token_hash(one))  # reveals neither the token nor its hash
