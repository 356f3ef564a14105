"""The passkey re-authentication period and the credential id a browser's answer names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gatehouse.domain.errors import InvalidInput, PasskeyRejected
from gatehouse.domain.identity.factors import passkey

SIGNED_IN = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "needed"),
    [
        (timedelta(0), False),
        (timedelta(days=6, hours=23, minutes=59), False),
        (timedelta(days=7), True),
        (timedelta(days=8), True),
    ],
)
def test_a_full_sign_in_lasts_the_period_and_no_longer(after, needed):
    now = SIGNED_IN + after
    assert passkey.needs_full_signin(SIGNED_IN, now=now, days=7) is needed


def test_a_device_never_fully_signed_in_needs_it():
    assert passkey.needs_full_signin(None, now=SIGNED_IN, days=7)


def test_a_naive_database_time_counts_as_utc():
    naive = SIGNED_IN.replace(tzinfo=None)
    assert passkey.reauth_due_at(naive, days=7) == SIGNED_IN + timedelta(days=7)


@pytest.mark.parametrize("credential", [None, "x", {}, {"rawId": 5}, {"rawId": "a" * 2000}])
def test_a_credential_without_a_usable_id_is_invalid_input(credential):
    with pytest.raises(InvalidInput):
        passkey.credential_id_of(credential)


def test_the_credential_id_is_normalized_base64url():
    assert passkey.credential_id_of({"id": "AAAA", "rawId": "AAAA=="}) == "AAAA"


def test_a_forged_assertion_is_rejected():
    rp = passkey.RelyingParty(id="localhost", origin="http://localhost")
    with pytest.raises(PasskeyRejected):
        passkey.verify_assertion(
            {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}},
            rp=rp,
            expected_challenge=b"x" * 32,
            public_key=b"",
            sign_count=0,
        )


def test_options_require_user_verification_and_a_discoverable_key():
    rp = passkey.RelyingParty(id="localhost", origin="http://localhost")
    created = passkey.registration_options(
        rp, challenge=b"c" * 32, user_handle=b"u" * 16, username="alice", exclude=["AAAA"]
    )
    assert created["authenticatorSelection"]["userVerification"] == "required"
    assert created["authenticatorSelection"]["residentKey"] == "required"
    assert created["excludeCredentials"][0]["id"] == "AAAA"
    assert passkey.authentication_options(rp, challenge=b"c" * 32)["userVerification"] == "required"
