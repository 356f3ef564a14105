"""Who a user is: username and email rules, live and paper account ids, the two environments."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.identity.users import (
    MAX_LOGIN_NAME,
    Environment,
    User,
    check_email,
    check_username,
    new_account_ids,
)
from gatehouse.domain.randomness import SecureTokens, SeededTokens
from gatehouse.service.identity.users import paper_username_for


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("alice", "alice"),
        ("  Alice ", "alice"),
        ("bob", "bob"),  # the shortest: three characters
        ("j.doe-2_x", "j.doe-2_x"),
        ("a" * 32, "a" * 32),  # the longest
    ],
)
def test_good_usernames_are_stored_lower_case(typed, stored):
    assert check_username(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ab",
        "a" * 33,
        "1alice",
        "_alice",
        "ali ce",
        "alice@example.com",
        "alïce",
        "alice\n\nbob",
        "ali\u200bce",
        "ａlice",
    ],
)
def test_bad_usernames_are_refused_with_the_rule(typed):
    with pytest.raises(InvalidInput) as refused:
        check_username(typed)
    assert refused.value.details == {"field": "username"}
    assert "3 to 32 characters" in refused.value.message


def test_every_login_name_fits_the_longest_allowed():
    assert len(paper_username_for("a" * 32)) <= MAX_LOGIN_NAME
    assert paper_username_for("alice") == "alicepaper"


@pytest.mark.parametrize(
    "typed", ["alice@example.com", " alice@example.com ", "a.b+tag@mail.example.co.uk"]
)
def test_good_emails(typed):
    assert check_email(typed) == typed.strip()


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@example",
        "alice@example.c",
        "al ice@example.com",
        "alice@@example.com",
        "a@b@example.com",
        "x" * 65 + "@example.com",
        "alice@" + "e" * 250 + ".com",
    ],
)
def test_bad_emails_are_refused(typed):
    with pytest.raises(InvalidInput) as refused:
        check_email(typed)
    assert refused.value.details == {"field": "email"}


def test_account_ids_are_a_live_u_number_and_its_paper_twin():
    for seed in range(200):
        live, paper = new_account_ids(SeededTokens(seed))
        assert re.fullmatch(r"U[1-9][0-9]{6}", live), live
        assert paper == "D" + live
        assert re.fullmatch(r"DU[1-9][0-9]{6}", paper)


def test_account_ids_are_random():
    assert len({new_account_ids(SecureTokens())[0] for _ in range(50)}) > 45


def make_user() -> User:
    return User(
        username="alice",
        email="alice@example.com",
        password_hash="live-hash",
        paper_username="alicepaper",
        paper_password_hash="paper-hash",
        live_account_id="U1234567",
        paper_account_id="DU1234567",
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("typed", "environment", "hash_", "accounts"),
    [
        ("alice", Environment.LIVE, "live-hash", ["U1234567"]),
        ("ALICE", Environment.LIVE, "live-hash", ["U1234567"]),
        ("alicepaper", Environment.PAPER, "paper-hash", ["DU1234567"]),
        (" AlicePaper ", Environment.PAPER, "paper-hash", ["DU1234567"]),
    ],
)
def test_the_typed_name_decides_the_environment(typed, environment, hash_, accounts):
    user = make_user()
    assert user.environment_of(typed) is environment
    assert user.password_hash_for(environment) == hash_
    assert user.account_ids(environment) == accounts


def test_totp_is_enrolled_once_a_secret_is_sealed():
    user = make_user()
    assert not user.has_totp
    user.totp_secret_sealed = "sealed"
    assert user.has_totp
