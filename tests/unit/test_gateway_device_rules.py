"""Gateway device rules: scope and names, the fresh sign-in, the grant under the policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gatehouse.domain.errors import BadSignature, InvalidInput, ScopeDenied
from gatehouse.domain.identity import gateway_devices as rules
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.sessions import Session
from gatehouse.domain.randomness import SeededTokens

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def device(key: Ed25519PrivateKey, scope: str = "trade") -> rules.GatewayDevice:
    return rules.GatewayDevice(
        public_id="d1",
        user_id=1,
        name="bot",
        public_key=push.encode(key.public_key().public_bytes_raw()),
        environment="live",
        scope=scope,
        created_at=NOW,
        full_factor_at=NOW,
    )


def test_scopes_and_names_are_checked():
    assert rules.check_scope("read-only") is rules.GatewayScope.READ_ONLY
    for bad in ("admin", None, 3, "Trade"):
        with pytest.raises(InvalidInput):
            rules.check_scope(bad)
    assert rules.check_name("  a   b\x07c  ") == "a bc"
    assert rules.check_name(None) == "Gateway"
    assert len(rules.check_name("x" * 500)) == rules.MAX_NAME
    for bad in ("", 5, "x" * 33):
        with pytest.raises(InvalidInput):
            rules.check_device_id(bad)


@pytest.mark.parametrize("scope", ["trade", "read-only"])
def test_the_grant_keeps_the_scope_until_the_deadline_then_is_read_only(scope):
    found = device(Ed25519PrivateKey.generate(), scope)
    early = found.grant(now=NOW + timedelta(days=1), reauth_days=7, lifetime_seconds=86400)
    assert early.scope.value == scope and not early.second_factor_due
    assert early.expires_at == NOW + timedelta(days=2)
    near = found.grant(now=NOW + timedelta(days=6, hours=23), reauth_days=7, lifetime_seconds=86400)
    assert near.expires_at == NOW + timedelta(days=7)  # never past the deadline
    late = found.grant(now=NOW + timedelta(days=7), reauth_days=7, lifetime_seconds=86400)
    assert late.scope is rules.GatewayScope.READ_ONLY and late.second_factor_due
    assert late.expires_at == NOW + timedelta(days=8)
    assert late.second_factor_due_at == NOW + timedelta(days=7)


def test_only_the_devices_key_signs_in_and_only_for_that_nonce():
    key = Ed25519PrivateKey.generate()
    found = device(key)
    signature = push.encode(key.sign(rules.signin_payload("n1", "d1")))
    rules.verify_signin(found, "n1", signature)
    for nonce, sig in [("n2", signature), ("n1", "garbage"), ("n1", None)]:
        with pytest.raises(BadSignature):
            rules.verify_signin(found, nonce, sig)
    other = push.encode(Ed25519PrivateKey.generate().sign(rules.signin_payload("n1", "d1")))
    with pytest.raises(BadSignature):
        rules.verify_signin(found, "n1", other)


def test_challenges_are_single_use_and_short_lived():
    issued = rules.new_challenge(tokens=SeededTokens(1), device_id="d1", now=NOW)
    assert len(issued.nonce) == 64 and issued.usable(NOW)
    assert not issued.usable(NOW + timedelta(seconds=rules.CHALLENGE_TTL_SECONDS))
    issued.used_at = NOW
    assert not issued.usable(NOW)


def test_a_read_only_session_may_not_trade():
    session = Session(
        public_id="s",
        token_hash="h",
        user_id=1,
        platform="gateway",
        environment="live",
        created_at=NOW,
        last_seen_at=NOW,
        expires_at=NOW,
        idle_seconds=60,
        scope="read-only",
    )
    with pytest.raises(ScopeDenied) as raised:
        session.require_trade()
    assert raised.value.code == "scope"
    session.scope = "trade"
    session.require_trade()
