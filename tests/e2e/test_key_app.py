"""The Key app driven by Textual's Pilot against a running server: choose a PIN, enroll with an
activation code, show the code with its countdown, and approve a push end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from tests.support.access import activation_code, push_number, session_token
from tests.support.signin import started_login
from textual.pilot import Pilot
from textual.widgets import Button, Input, ProgressBar, Static

from gatehouse.clients.key.app import CodesScreen, EnrollScreen, KeyApp, PushScreen
from gatehouse.domain.identity.factors import totp

PIN = "246810"


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Like the other e2e tests, on SQLite: the API tests cover PostgreSQL."""
    return str(request.param)


async def until(pilot: Pilot[None], done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Let the app run until ``done()`` (the app reacts to the server in the background)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "the app did not get there"
        await pilot.pause(0.05)


async def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector, Input).value = text
    await pilot.pause()


async def test_enroll_show_codes_and_approve_a_push(client, alice, clock, base_url, tmp_path):
    app = KeyApp(path=tmp_path / "device.json", now=clock.now, poll_seconds=0.2)
    async with app.run_test(size=(100, 40)) as pilot:
        # first start: choose a PIN
        await type_into(pilot, "#pin", PIN)
        await pilot.click("#unlock")
        await until(pilot, lambda: isinstance(app.screen, CodesScreen))
        assert (tmp_path / "device.json").exists()

        # enroll with an activation code the signed-in user asked for
        code = (await activation_code(client, await session_token(client, alice, clock)))["code"]
        await pilot.click("#enroll")
        await until(pilot, lambda: isinstance(app.screen, EnrollScreen))
        await type_into(pilot, "#server", base_url)
        await type_into(pilot, "#code", code)
        await type_into(pilot, "#device-name", "Pilot phone")
        await pilot.click("#do-enroll")
        await until(
            pilot, lambda: isinstance(app.screen, CodesScreen) and bool(app.screen.query("#code-0"))
        )

        # the current code, and the seconds left as a bar
        screen = app.screen
        expected = totp.code_at(alice.totp_secret, at=clock.now())
        await until(pilot, lambda: str(screen.query_one("#code-0", Static).render()) != "")
        assert str(screen.query_one("#code-0", Static).render()).replace(" ", "") == expected
        left = screen.query_one("#left-0", ProgressBar)
        assert left.total == 30 and 0 < (left.progress or 0) <= 30

        # a sign-in asks for push: the app shows it; PIN + the right number approve
        login_id = await started_login(client, alice, platform="web")
        number = await push_number(client, login_id)
        waiting = asyncio.create_task(client.get(f"/v1/api/auth/login/{login_id}?wait=25"))
        await until(pilot, lambda: isinstance(app.screen, PushScreen))
        choices = [b.id for b in app.screen.query(Button) if b.id and b.id.startswith("pick-")]
        assert f"pick-{number}" in choices and len(choices) == 3
        assert "web" in str(app.screen.query_one("#push-context").render())
        await type_into(pilot, "#push-pin", "000000")  # the wrong PIN answers nothing
        await pilot.click(f"#pick-{number}")
        error = app.screen.query_one("#push-error", Static)
        await until(pilot, lambda: str(error.render()) != "")  # the PIN is checked in a thread
        assert "not right" in str(error.render())
        await type_into(pilot, "#push-pin", PIN)
        button = app.screen.query_one(f"#pick-{number}", Button)
        await until(pilot, lambda: not button.has_class("-active"))  # a button ignores bounces
        await pilot.click(f"#pick-{number}")
        session = await asyncio.wait_for(waiting, timeout=10)
        assert session.status_code == 200, session.text
        assert session.json()["platform"] == "web"
        await until(pilot, lambda: isinstance(app.screen, CodesScreen))
        assert "Approved" in str(app.screen.query_one("#status", Static).render())
