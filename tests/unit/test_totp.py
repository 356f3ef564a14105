"""TOTP factor: RFC vectors, the ±1 step window, replay refusal, input formats, enrollment URI."""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from gatehouse.domain.errors import CodeReused, InvalidCode
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.randomness import SeededTokens

# RFC 4226 Appendix D / RFC 6238 Appendix B (SHA-1) shared secret: ASCII "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()

RFC4226_HOTP = [
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
]

RFC6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]

NOW = datetime(2026, 1, 5, 15, 0, 10, tzinfo=UTC)
SECRET = totp.new_secret(SeededTokens(7))


def at_step_offset(steps: int) -> str:
    return totp.code_at(SECRET, at=NOW + timedelta(seconds=steps * totp.STEP_SECONDS))


# --- standard vectors ----------------------------------------------------------------------
@pytest.mark.parametrize(("counter", "expected"), list(enumerate(RFC4226_HOTP)))
def test_rfc4226_hotp_vectors(counter: int, expected: str) -> None:
    assert totp._hotp(RFC_SECRET, counter) == expected


@pytest.mark.parametrize(("unix_time", "expected"), RFC6238_SHA1)
def test_rfc6238_sha1_vectors_at_eight_digits(unix_time: int, expected: str) -> None:
    at = datetime.fromtimestamp(unix_time, tz=UTC)
    assert totp._hotp(RFC_SECRET, totp.time_step(at), digits=8) == expected


@pytest.mark.parametrize(("unix_time", "expected"), RFC6238_SHA1)
def test_code_at_is_the_six_digit_truncation_of_the_rfc6238_vector(
    unix_time: int, expected: str
) -> None:
    # Dynamic truncation takes the value modulo 10**digits, so the 6-digit code is the tail.
    assert totp.code_at(RFC_SECRET, at=datetime.fromtimestamp(unix_time, tz=UTC)) == expected[-6:]


def test_time_step_boundaries() -> None:
    assert totp.time_step(datetime.fromtimestamp(59, tz=UTC)) == 1
    assert totp.time_step(datetime.fromtimestamp(60, tz=UTC)) == 2
    other_zone = datetime(2026, 1, 5, 17, 0, 10, tzinfo=timezone(timedelta(hours=1)))
    assert totp.time_step(other_zone) == totp.time_step(NOW + timedelta(hours=1))


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        totp.time_step(datetime(2026, 1, 5, 15, 0))


# --- secrets and enrollment ------------------------------------------------------------------
def test_new_secret_is_160_bit_unpadded_base32() -> None:
    secret = totp.new_secret(SeededTokens(1))
    assert len(secret) == 32
    assert "=" not in secret
    assert len(base64.b32decode(secret)) == 20
    assert secret != totp.new_secret(SeededTokens(2))


def test_provisioning_uri_parses_and_round_trips() -> None:
    uri = totp.provisioning_uri(SECRET, account_name="alice@example.com", issuer="Gate House")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert unquote(parts.path) == "/Gate House:alice@example.com"
    query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
    assert query == {
        "secret": SECRET,
        "issuer": "Gate House",
        "algorithm": "SHA1",
        "digits": "6",
        "period": "30",
    }
    # What an app reads back from the URI produces the server's codes.
    assert totp.code_at(query["secret"], at=NOW) == at_step_offset(0)


def test_provisioning_uri_escapes_label_separators() -> None:
    uri = totp.provisioning_uri(SECRET, account_name="a:b/c?d")
    label = urlsplit(uri).path[1:]
    issuer, account = label.split(":")
    assert (unquote(issuer), unquote(account)) == ("Gatehouse", "a:b/c?d")


@pytest.mark.skipif(shutil.which("oathtool") is None, reason="oathtool is not installed")
def test_a_third_party_authenticator_agrees_with_the_uri() -> None:
    uri = totp.provisioning_uri(SECRET, account_name="alice")
    query = {k: v[0] for k, v in parse_qs(urlsplit(uri).query).items()}
    out = subprocess.run(
        [
            "oathtool",
            "--totp=" + query["algorithm"].lower(),
            "--base32",
            "--digits=" + query["digits"],
            "--time-step-size=" + query["period"] + "s",
            "--now=" + NOW.strftime("%Y-%m-%d %H:%M:%S UTC"),
            query["secret"],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == totp.code_at(SECRET, at=NOW)


# --- verification -------------------------------------------------------------------------
def test_current_code_is_accepted_and_step_returned() -> None:
    match = totp.verify(SECRET, at_step_offset(0), at=NOW, last_used_step=None)
    assert match == totp.TotpMatch(step=totp.time_step(NOW), drift_steps=0)


@pytest.mark.parametrize("offset", [-1, 1])
def test_one_step_either_way_is_accepted(offset: int) -> None:
    match = totp.verify(SECRET, at_step_offset(offset), at=NOW, last_used_step=None)
    assert match.drift_steps == offset
    assert match.step == totp.time_step(NOW) + offset


@pytest.mark.parametrize("offset", [-2, 2, -5, 5])
def test_two_or_more_steps_away_is_refused(offset: int) -> None:
    code = at_step_offset(offset)
    assert code not in {at_step_offset(d) for d in (-1, 0, 1)}  # no collision for this secret
    with pytest.raises(InvalidCode):
        totp.verify(SECRET, code, at=NOW, last_used_step=None)


def test_window_zero_accepts_only_the_current_step() -> None:
    totp.verify(SECRET, at_step_offset(0), at=NOW, last_used_step=None, window=0)
    with pytest.raises(InvalidCode):
        totp.verify(SECRET, at_step_offset(1), at=NOW, last_used_step=None, window=0)


def test_wrong_code_is_refused() -> None:
    valid = {at_step_offset(d) for d in (-1, 0, 1)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)
    with pytest.raises(InvalidCode):
        totp.verify(SECRET, wrong, at=NOW, last_used_step=None)


def test_same_code_twice_is_refused() -> None:
    code = at_step_offset(0)
    match = totp.verify(SECRET, code, at=NOW, last_used_step=None)
    with pytest.raises(CodeReused):
        totp.verify(SECRET, code, at=NOW, last_used_step=match.step)
    # Still refused a few seconds later, inside the same step.
    with pytest.raises(CodeReused):
        totp.verify(SECRET, code, at=NOW + timedelta(seconds=5), last_used_step=match.step)


def test_an_older_step_after_a_newer_one_is_refused() -> None:
    newer = totp.verify(SECRET, at_step_offset(1), at=NOW, last_used_step=None)
    with pytest.raises(CodeReused):
        totp.verify(SECRET, at_step_offset(-1), at=NOW, last_used_step=newer.step)
    with pytest.raises(CodeReused):
        totp.verify(SECRET, at_step_offset(0), at=NOW, last_used_step=newer.step)


def test_next_step_is_accepted_after_the_previous_one() -> None:
    first = totp.verify(SECRET, at_step_offset(0), at=NOW, last_used_step=None)
    later = NOW + timedelta(seconds=totp.STEP_SECONDS)
    second = totp.verify(
        SECRET, totp.code_at(SECRET, at=later), at=later, last_used_step=first.step
    )
    assert second.step == first.step + 1


@pytest.mark.parametrize(
    "bad",
    ["12345", "abcdef", "1234567", " 123456", "123456 ", "123456\n", "１２３４５６", "12 345", ""],
)
def test_malformed_codes_are_invalid(bad: str) -> None:
    with pytest.raises(InvalidCode):
        totp.verify(SECRET, bad, at=NOW, last_used_step=None)


def test_fullwidth_digits_of_the_right_code_are_still_refused() -> None:
    code = at_step_offset(0)
    fullwidth = "".join(chr(ord(c) - ord("0") + ord("０")) for c in code)
    with pytest.raises(InvalidCode):
        totp.verify(SECRET, fullwidth, at=NOW, last_used_step=None)


# --- clock offset hint ----------------------------------------------------------------------
@pytest.mark.parametrize("offset", [-7, -3, 0, 1, 4, 10])
def test_clock_offset_is_estimated_in_seconds(offset: int) -> None:
    estimate = totp.estimate_clock_offset(SECRET, at_step_offset(offset), at=NOW)
    assert estimate == offset * totp.STEP_SECONDS


def test_clock_offset_beyond_the_search_is_unknown() -> None:
    code = at_step_offset(40)
    assert code not in {at_step_offset(d) for d in range(-10, 11)}  # no collision here
    assert totp.estimate_clock_offset(SECRET, code, at=NOW) is None
    assert totp.estimate_clock_offset(SECRET, code, at=NOW, search_steps=40) == 40 * 30


def test_clock_offset_of_a_malformed_code_is_unknown() -> None:
    assert totp.estimate_clock_offset(SECRET, "abc", at=NOW) is None
