"""The forms that ask for a new password say the rules the server checks: the operator's."""

from __future__ import annotations

import pytest
from tests.support.signin import full_signin


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"password_min_length": 14, "password_require_symbol": False}


RULES = (
    "At least 14 characters, with an upper-case and a lower-case letter and a digit; "
    "not your username or e-mail or an easily guessed password."
)


async def test_every_new_password_form_says_the_operators_rules(client, alice, clock):
    forgot = await client.get("/forgot/questions")
    assert RULES in forgot.text
    await full_signin(client, alice, clock, platform="web")
    settings = await client.get("/portal/settings")
    assert f"{RULES} Your other sessions end." in settings.text
    assert settings.text.count('minlength="14"') == 2  # the new password, and again
    assert "12 characters" not in settings.text
