"""Push approval rules: challenges, number matching, what is signed, signatures, timestamps."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.errors import (
    BadSignature,
    ChallengeExpired,
    InvalidInput,
    PushAlreadyDecided,
    StaleRequest,
)
from gatehouse.domain.identity.factors import push
from gatehouse.domain.randomness import SeededTokens


def challenge(seed: int = 1, clock: FakeClock | None = None) -> push.PushChallenge:
    return push.new_challenge(
        tokens=SeededTokens(seed),
        now=(clock or FakeClock()).now(),
        login_id="L1",
        user_id=7,
        platform="web",
        environment="live",
        client_address="203.0.113.9",
    )


def public_text(key: Ed25519PrivateKey) -> str:
    return push.encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def test_the_choices_are_the_number_and_two_different_decoys_in_random_order():
    positions = Counter()
    for seed in range(300):
        found = challenge(seed)
        assert push.LOWEST <= found.number <= push.HIGHEST
        assert len(found.choices) == 3 and len(set(found.choices)) == 3
        assert all(push.LOWEST <= n <= push.HIGHEST for n in found.choices)
        positions[found.choices.index(found.number)] += 1
        assert len(found.nonce) == 64
    assert all(count > 60 for count in positions.values()), positions  # each place is used


def test_the_device_sees_the_context_and_choices_but_never_the_answer():
    found = challenge()
    view = found.device_view("alice")
    assert view["choices"] == found.choices
    assert view["address"] == "203.0.113.9" and view["platform"] == "web"
    assert "number" not in view


def test_decisions_match_the_number_deny_and_expire():
    clock = FakeClock()
    found = challenge(clock=clock)
    wrong = next(n for n in found.choices if n != found.number)
    now = clock.now()
    assert push.decide(found, push.Decision.APPROVE, found.number, now=now) is push.Outcome.APPROVED
    assert push.decide(found, push.Decision.APPROVE, wrong, now=now) is push.Outcome.WRONG_NUMBER
    assert push.decide(found, push.Decision.DENY, None, now=now) is push.Outcome.DENIED
    with pytest.raises(InvalidInput):
        push.decide(found, push.Decision.APPROVE, None, now=now)
    with pytest.raises(ChallengeExpired):
        push.decide(found, push.Decision.APPROVE, found.number, now=now + timedelta(seconds=120))
    found.decision = "approved"
    with pytest.raises(PushAlreadyDecided):
        push.decide(found, push.Decision.APPROVE, found.number, now=now)


def test_every_signed_field_changes_what_is_signed():
    base = push.decision_payload("n" * 64, "dev", push.Decision.APPROVE, 42)
    variants = [
        push.decision_payload("m" * 64, "dev", push.Decision.APPROVE, 42),
        push.decision_payload("n" * 64, "dew", push.Decision.APPROVE, 42),
        push.decision_payload("n" * 64, "dev", push.Decision.DENY, 42),
        push.decision_payload("n" * 64, "dev", push.Decision.APPROVE, 43),
        push.request_payload("GET", "/x", "dev", 42),
        push.hello_payload("dev", 42, "n" * 64),
    ]
    assert len({base, *variants}) == 7


def test_signatures_verify_only_with_the_devices_key_and_payload():
    key = Ed25519PrivateKey.generate()
    payload = push.decision_payload("n" * 64, "dev", push.Decision.APPROVE, 42)
    signature = push.encode(key.sign(payload))
    push.verify_signature(public_text(key), payload, signature)
    other = public_text(Ed25519PrivateKey.generate())
    for public, data, sig in [
        (other, payload, signature),
        (public_text(key), payload + b"!", signature),
        (public_text(key), payload, "not-a-signature"),
        (public_text(key), payload, push.encode(b"\x00" * 64)),
    ]:
        with pytest.raises(BadSignature):
            push.verify_signature(public, data, sig)


def test_public_keys_are_checked_and_made_canonical():
    key = public_text(Ed25519PrivateKey.generate())
    assert push.check_public_key(key + "==") == key
    for bad in ["", "AAAA", "!" * 43, "A" * 44 + "A" * 4]:
        with pytest.raises(InvalidInput):
            push.check_public_key(bad)


def test_signed_requests_live_sixty_seconds_either_way():
    now = FakeClock().now()
    stamp = int(now.timestamp())
    push.check_timestamp(stamp - 60, now=now)
    push.check_timestamp(stamp + 60, now=now)
    for off in (-61, 61):
        with pytest.raises(StaleRequest):
            push.check_timestamp(stamp + off, now=now)
