"""Recovery rules: reset tokens, answer normalization, question sets, activation codes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.errors import (
    InvalidActivationCode,
    InvalidInput,
    InvalidRecoveryToken,
    RecoveryNotFound,
)
from gatehouse.domain.identity import key_devices, recovery
from gatehouse.domain.randomness import SeededTokens

KEY = b"k" * 32


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("New  York!", "new york"),
        ("  Rex, the DOG. ", "rex the dog"),
        ("Straße", "strasse"),
        ("ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("O'Brien-Smith", "o brien smith"),
        ("tab\tand\nnewline", "tab and newline"),
    ],
)
def test_answers_are_normalized_before_hashing(typed, stored):
    assert recovery.normalize_answer(typed) == stored


def test_a_question_set_is_three_different_catalog_questions_with_real_answers():
    good = [("first_pet", "Rex"), ("first_job", "Paper boy"), ("first_car", "Fiat Panda")]
    assert recovery.check_question_set(good) == [
        ("first_pet", "rex"),
        ("first_job", "paper boy"),
        ("first_car", "fiat panda"),
    ]
    for bad in [
        good[:2],
        [*good[:2], ("first_pet", "Other")],
        [*good[:2], ("made_up", "answer")],
        [*good[:2], ("first_school", "!!")],
        [*good[:2], ("first_school", "REX")],
        [*good[:2], ("first_school", "x" * 101)],
    ]:
        with pytest.raises(InvalidInput):
            recovery.check_question_set(bad)


def test_unknown_names_get_the_same_three_catalog_questions_every_time():
    first = recovery.decoy_questions("nobody", key=KEY)
    assert first == recovery.decoy_questions("nobody", key=KEY)
    assert len(set(first)) == 3 and set(first) <= set(recovery.QUESTIONS)
    spread = {tuple(recovery.decoy_questions(f"user{i}", key=KEY)) for i in range(50)}
    assert len(spread) > 10


def test_reset_tokens_are_random_stored_hashed_used_once_and_expire():
    clock = FakeClock()
    token, stored = recovery.new_reset_token(
        tokens=SeededTokens(3),
        key=KEY,
        user_id=1,
        channel=recovery.Channel.EMAIL,
        now=clock.now(),
        ttl=1800,
    )
    assert len(token) == 43 and token not in stored.token_hash
    assert stored.token_hash == recovery.token_digest(token, key=KEY)
    assert recovery.token_digest(token, key=b"o" * 32) != stored.token_hash
    stored.ensure_usable(clock.now() + timedelta(seconds=1799))
    with pytest.raises(InvalidRecoveryToken):
        stored.ensure_usable(clock.now() + timedelta(seconds=1800))
    stored.used_at = clock.now()
    with pytest.raises(InvalidRecoveryToken):
        stored.ensure_usable(clock.now())
    for bad in [None, "short", "x" * 129, 42]:
        with pytest.raises(InvalidRecoveryToken):
            recovery.check_token_format(bad)


def test_a_recovery_attempt_ends_after_three_failures_or_ten_minutes():
    clock = FakeClock()
    attempt = recovery.RecoveryAttempt(
        public_id="a",
        username="x",
        question_ids=["first_pet"],
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(seconds=600),
    )
    for _ in range(2):
        attempt.record_failure()
        attempt.ensure_open(clock.now())
    attempt.record_failure()
    with pytest.raises(RecoveryNotFound):
        attempt.ensure_open(clock.now())
    fresh = recovery.RecoveryAttempt(
        "b", "x", [], clock.now(), clock.now() + timedelta(seconds=600)
    )
    with pytest.raises(RecoveryNotFound):
        fresh.ensure_open(clock.now() + timedelta(seconds=600))


def test_activation_codes_read_easily_and_are_stored_hashed():
    code = key_devices.new_code(SeededTokens(5))
    assert len(code) == 14 and code[4] == code[9] == "-"
    assert not set(code.replace("-", "")) & set("ILOU")
    digest = key_devices.code_hash(code, key=KEY)
    assert key_devices.code_hash(code.lower().replace("-", " "), key=KEY) == digest
    assert key_devices.normalize_code("0I1L-ABCD-EFGH") == key_devices.normalize_code(
        "OI1l abcd efgh"
    )
    for bad in ["", "ABC", "ABCD-EFGH-JKMU", "ABCD-EFGH-JKMN-P", None]:
        with pytest.raises(InvalidActivationCode):
            key_devices.normalize_code(bad)  # type: ignore[arg-type]


def test_device_names_are_short_and_printable():
    assert key_devices.check_device_name("  Pixel\x00 8 \n") == "Pixel 8"
    assert key_devices.check_device_name("") == "Key device"
    assert key_devices.check_device_name(None) == "Key device"
    assert len(key_devices.check_device_name("x" * 500)) == key_devices.MAX_NAME
