"""Password policy: each rule by its stable name, and generated passwords that always pass."""

from __future__ import annotations

import pytest

from gatehouse.domain.errors import WeakPassword
from gatehouse.domain.identity.passwords import PasswordPolicy, check_password, generate_password
from gatehouse.domain.randomness import SecureTokens, SeededTokens

DEFAULT = PasswordPolicy()
GOOD = "Quixotic-Mariner9"


def failed_rule(password: str, policy: PasswordPolicy = DEFAULT, **context: str) -> WeakPassword:
    with pytest.raises(WeakPassword) as caught:
        check_password(password, policy=policy, **context)
    return caught.value


def test_a_good_password_passes() -> None:
    check_password(GOOD, policy=DEFAULT, username="alice", email="alice@example.com")


@pytest.mark.parametrize(
    ("password", "rule", "message"),
    [
        ("Qm-9x", "min_length", "The password must be at least 10 characters long."),
        ("Qm-9" * 33, "max_length", "The password must be at most 128 characters long."),
        ("quixotic-mariner9", "upper", "The password must contain at least one upper-case letter."),
        ("QUIXOTIC-MARINER9", "lower", "The password must contain at least one lower-case letter."),
        ("Quixotic-Mariner", "digit", "The password must contain at least one digit."),
        ("QuixoticMariner9", "symbol", "The password must contain at least one symbol"),
    ],
)
def test_each_composition_rule_is_named(password: str, rule: str, message: str) -> None:
    error = failed_rule(password)
    assert error.code == "weak_password"
    assert error.details["rule"] == rule
    assert error.message.startswith(message)


def test_length_bounds_are_inclusive() -> None:
    policy = PasswordPolicy(min_length=12, max_length=17)
    check_password("Quixotic-Marin9", policy=PasswordPolicy(min_length=15))
    check_password(GOOD, policy=policy)  # exactly 17
    assert failed_rule(GOOD + "x", policy).details["rule"] == "max_length"
    assert failed_rule("Quixotic-M9", policy).details["rule"] == "min_length"


def test_first_failing_rule_is_reported() -> None:
    # Too short, and no upper-case, digit or symbol: length comes first.
    assert failed_rule("abc").details["rule"] == "min_length"
    assert failed_rule("abcdefghijkl").details["rule"] == "upper"


def test_composition_rules_can_be_switched_off() -> None:
    relaxed = PasswordPolicy(
        min_length=15,
        require_upper=False,
        require_lower=False,
        require_digit=False,
        require_symbol=False,
    )
    check_password("correct horse battery staple", policy=relaxed)


def test_space_is_not_a_symbol_but_unicode_punctuation_is() -> None:
    assert failed_rule("Quixotic Mariner9").details["rule"] == "symbol"
    check_password("Quixotic¿Mariner9", policy=DEFAULT)


@pytest.mark.parametrize("username", ["jsmith", "JSmith", "jSMITH "])
def test_password_containing_the_username_is_refused(username: str) -> None:
    error = failed_rule("Xq-JSMITH-Zebra7", username=username)
    assert error.details["rule"] == "contains_username"
    assert error.message == "The password must not contain your username."


def test_short_usernames_are_not_checked() -> None:
    check_password("Quixotic-Mariner9", policy=DEFAULT, username="ar")


def test_password_containing_the_email_name_is_refused() -> None:
    error = failed_rule("Xq-Jane.Doe-Zebra7", email="jane.doe@example.com")
    assert error.details["rule"] == "contains_email"
    assert error.message == "The password must not contain your email address."


def test_short_email_names_are_not_checked() -> None:
    check_password("Quixotic-Mariner9", policy=DEFAULT, email="ar@example.com")


def test_guessable_password_is_refused_with_zxcvbn_feedback() -> None:
    error = failed_rule("Password1!")
    assert error.details["rule"] == "strength"
    assert error.message == (
        "The password is too easy to guess. This is similar to a commonly used password."
    )


def test_strength_message_without_feedback_warning() -> None:
    error = failed_rule("Aaaaaaaaa1!", PasswordPolicy(min_strength=3))
    assert error.details["rule"] == "strength"
    assert error.message == "The password is too easy to guess."


def test_strength_knows_the_account_context() -> None:
    # Built from the email's domain: strong in general, weak for this account.
    check_password("Brokerexample7!", policy=DEFAULT)
    error = failed_rule("Brokerexample7!", email="jd@brokerexample.com")
    assert error.details["rule"] == "strength"


def test_strength_check_can_be_switched_off() -> None:
    check_password("Password1!", policy=PasswordPolicy(min_strength=0))


def test_long_passwords_are_scored_quickly() -> None:
    check_password("Qm-9" * 50, policy=PasswordPolicy(max_length=200, min_strength=0))
    check_password("Qm-9zR" * 33, policy=PasswordPolicy(max_length=200))


def test_two_hundred_generated_passwords_pass_the_default_policy() -> None:
    tokens = SeededTokens(42)
    generated = [generate_password(tokens=tokens) for _ in range(200)]
    assert len(set(generated)) == 200
    for password in generated:
        assert len(password) == 16
        check_password(password, policy=DEFAULT, username="alice", email="alice@example.com")


@pytest.mark.parametrize("length", [10, 11, 64, 128])
def test_generated_passwords_of_other_lengths_pass(length: int) -> None:
    for _ in range(20):
        password = generate_password(tokens=SecureTokens(), length=length)
        assert len(password) == length
        check_password(password, policy=DEFAULT)


def test_generated_passwords_avoid_look_alike_characters() -> None:
    tokens = SeededTokens(3)
    used = set("".join(generate_password(tokens=tokens) for _ in range(200)))
    assert not used & set("0O1lI '\"\\")


@pytest.mark.parametrize("length", [0, 9, 129])
def test_generate_refuses_lengths_the_policy_would_refuse(length: int) -> None:
    with pytest.raises(ValueError):
        generate_password(tokens=SeededTokens(0), length=length)


def test_the_rules_are_said_as_they_are_checked():
    assert PasswordPolicy().describe() == (
        "At least 10 characters, with an upper-case and a lower-case letter, a digit and a "
        "symbol; not your username or e-mail or an easily guessed password."
    )
    loose = PasswordPolicy(
        min_length=14, require_upper=False, require_digit=False, require_symbol=False
    )
    assert loose.describe() == (
        "At least 14 characters, with a lower-case letter; not your username or e-mail or an "
        "easily guessed password."
    )
    bare = PasswordPolicy(
        min_length=8,
        require_upper=False,
        require_lower=False,
        require_digit=False,
        require_symbol=False,
        min_strength=0,
    )
    assert bare.describe() == "At least 8 characters; not your username or e-mail."
