"""Sign-in tells no one whether an account exists: an unknown name gets the same answer, the
same (Argon2) work, the same throttling and the same lock as a real one."""

from __future__ import annotations

import pytest
from tests.support.lockout import HARD_CAP, SETTINGS, WRONG, failure_sequence
from tests.support.signin import login
from tests.support.state import snapshot


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(SETTINGS)


async def test_unknown_user_and_wrong_password_look_the_same(client, runtime, alice, hasher):
    for unknown in ("mallory", "alicepaper2", "a" * 40):  # 40: the longest possible name
        hasher.calls.clear()
        wrong_password = await login(client, alice.username, WRONG)
        for_known = dict(hasher.calls)
        hasher.calls.clear()
        no_such_user = await login(client, unknown, WRONG)
        for_unknown = dict(hasher.calls)

        assert wrong_password.status_code == no_such_user.status_code == 401
        assert wrong_password.content == no_such_user.content
        assert wrong_password.json() == {
            "error": "invalid_credentials",
            "message": "Invalid username password combination.",
        }
        assert wrong_password.headers.get("retry-after") is None
        assert no_such_user.headers.get("retry-after") is None
        # the same (slow) work either way: one Argon2 verification, nothing else
        assert for_known == for_unknown == {"verify": 1}

    paper = await login(client, alice.paper_username, WRONG, environment="paper")
    unknown_paper = await login(client, "nobodypaper", WRONG, environment="paper")
    assert paper.status_code == unknown_paper.status_code == 401
    assert paper.content == unknown_paper.content == wrong_password.content

    # a name no account can have gets the same answer, and leaves no trace
    for name in ("a" * 41, "x" * 64, "y" * 256):
        before = await snapshot(runtime)
        impossible = await login(client, name, WRONG)
        assert impossible.status_code == 401
        assert impossible.content == wrong_password.content
        assert await snapshot(runtime) == before


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limit_login": "100/minute", "throttle_hard_cap": HARD_CAP}]
)
async def test_unknown_usernames_are_throttled_and_locked_like_real_ones(client, alice, clock):
    real = await failure_sequence(client, clock, alice.username)
    clock.advance(3600)
    unknown = await failure_sequence(client, clock, "mallory")
    assert real == unknown
    statuses = [status for status, _ in real]
    assert statuses == [401] * 4 + [429, 401] * 6 + [423]
    # the paper twin of a locked name is locked too, whether or not the name exists
    paper = await login(client, alice.paper_username, WRONG, environment="paper")
    unknown_paper = await login(client, "mallorypaper", WRONG, environment="paper")
    assert paper.status_code == unknown_paper.status_code == 423
    assert paper.content == unknown_paper.content
