"""The Workstation's sign-in against a real server: TOTP from oathtool on the paper server,
the remembered username (0600, never the password), errors in plain words, SMS and card."""

from __future__ import annotations

import json
import re
import stat
import time

import pytest
from tests.support.signin import latest_sms_code, login
from tests.support.workstation import (
    SIZE,
    make_app,
    password_step,
    press,
    sign_in,
    type_into,
    until,
)
from textual.widgets import Input, Static

from gatehouse.clients.workstation.factor import SecondFactorScreen
from gatehouse.clients.workstation.signin import SignInScreen
from gatehouse.clients.workstation.workspace import WorkspaceScreen
from gatehouse.service.identity import users


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Like the other e2e tests, on SQLite: the API tests cover PostgreSQL."""
    return str(request.param)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_paper_signin_with_totp_remembers_the_username(base_url, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#remember")
        screen = await sign_in(pilot, alice, clock, environment="paper")
        status = str(screen.query_one("#status-bar", Static).render())
        assert alice.paper_account in status and "PAPER" in status and "stable" in status
        assert "Trading" in status  # the default layout when nothing was saved
    saved = tmp_path / "workstation.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    document = json.loads(saved.read_text())
    assert document["username"] == alice.paper_username
    assert document["environment"] == "paper" and document["remember_username"] is True
    assert alice.paper_password not in saved.read_text()

    again = make_app(base_url, tmp_path)  # the next start fills in the username and server
    async with again.run_test(size=SIZE) as pilot:
        assert isinstance(again.screen, SignInScreen)
        assert again.screen.query_one("#username", Input).value == alice.paper_username
        assert str(again.screen.query_one("#environment").value) == "paper"


async def test_a_refused_sign_in_writes_no_username(base_url, alice, clock, tmp_path):
    """The username is kept once the server accepted the password: a password typed into the
    username field by mistake never reaches the disk (the choices on screen are saved)."""
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#remember")
        app.screen.query_one("#environment").value = "paper"
        await type_into(pilot, "#username", alice.password)
        await type_into(pilot, "#password", "something")
        await press(pilot, "#signin")
        await until(pilot, lambda: "do not match" in text_of(app, "#signin-error"))
    saved = (tmp_path / "workstation.json").read_text()
    assert alice.password not in saved
    document = json.loads(saved)
    assert document["username"] == "" and document["remember_username"] is True
    assert document["environment"] == "paper"


async def test_errors_in_plain_words(base_url, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        # live credentials on the paper server
        await type_into(pilot, "#username", alice.username)
        await type_into(pilot, "#password", alice.password)
        app.screen.query_one("#environment").value = "paper"
        await pilot.click("#signin")
        await until(pilot, lambda: "other trading environment" in text_of(app, "#signin-error"))
        # a wrong password
        await type_into(pilot, "#password", "not-the-password")
        await press(pilot, "#signin")
        await until(pilot, lambda: "do not match" in text_of(app, "#signin-error"))
        # a wrong code
        await password_step(pilot, alice, environment="live")
        await pilot.click("#use-totp")
        await type_into(pilot, "#code", "000000")
        await pilot.click("#verify")
        await until(pilot, lambda: "not right" in text_of(app, "#factor-error"))


async def test_lockout_counts_down(base_url, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#username", alice.username)
        for _ in range(6):  # three free failures and one more, then the account must wait
            await type_into(pilot, "#password", "wrong-password-1")
            await press(pilot, "#signin")
            await until(pilot, lambda: "Signing in" not in text_of(app, "#signin-error"))
            if "Wait" in text_of(app, "#signin-error"):
                break
        assert re.search(r"Wait \d+:\d\d before trying again", text_of(app, "#signin-error"))
        assert app.screen.query_one("#signin").disabled
        screen = app.screen
        screen._locked_until = time.monotonic() + 65  # the countdown, as it runs
        screen._tick()
        assert "Wait 1:05 before trying again" in text_of(app, "#signin-error")
        screen._lock_code = "locked"
        screen._tick()
        assert "the account is locked. Try again in 1:05" in text_of(app, "#signin-error")
        screen._locked_until = time.monotonic() - 1  # and once it is over
        screen._tick()
        assert "try again now" in text_of(app, "#signin-error")
        assert not app.screen.query_one("#signin").disabled


async def test_sms_with_resend_and_code_card(base_url, alice, clock, tmp_path, runtime):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await password_step(pilot, alice, environment="live")
        await pilot.click("#use-sms")
        await until(
            pilot, lambda: "sent a code" in str(app.screen.query_one("#factor-prompt").render())
        )
        assert "2 more sends" in str(app.screen.query_one("#factor-prompt").render())
        await press(pilot, "#resend")
        await until(
            pilot, lambda: "1 more sends" in str(app.screen.query_one("#factor-prompt").render())
        )
        await press(pilot, "#resend")
        await until(
            pilot, lambda: "0 more sends" in str(app.screen.query_one("#factor-prompt").render())
        )
        await press(pilot, "#resend")  # a fourth send is refused in plain words
        await until(pilot, lambda: "No more codes" in text_of(app, "#factor-error"))
        code = await latest_sms_code(runtime, alice.phone)
        await type_into(pilot, "#code", code)
        await pilot.click("#verify")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen))
        assert isinstance(app.screen, WorkspaceScreen)
        assert not isinstance(app.screen, SecondFactorScreen)


async def test_code_card_cells(base_url, alice, clock, tmp_path, runtime):
    issued = await users.issue_card(runtime.ctx, alice.username, actor="test")
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await password_step(pilot, alice, environment="live")
        await pilot.click("#use-card")
        await until(pilot, lambda: "cells" in str(app.screen.query_one("#factor-prompt").render()))
        cells = [app.screen.query_one(f"#cell-{i}", Input).placeholder for i in (1, 2)]
        assert all(cells) and cells[0] != cells[1]
        await type_into(pilot, "#cell-1", issued.cells[cells[0]])
        await type_into(pilot, "#cell-2", "ZZZ")  # a wrong cell is refused in plain words
        await pilot.click("#verify")
        await until(pilot, lambda: "not right" in text_of(app, "#factor-error"))
        await press(pilot, "#use-card")  # new cells: asked cells are never asked again
        await until(
            pilot,
            lambda: app.screen.query_one("#cell-1", Input).placeholder not in cells,
        )
        cells = [app.screen.query_one(f"#cell-{i}", Input).placeholder for i in (1, 2)]
        await type_into(pilot, "#cell-1", issued.cells[cells[0]])
        await type_into(pilot, "#cell-2", issued.cells[cells[1]])
        await press(pilot, "#verify")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen))


async def test_a_known_device_signs_in_while_strangers_must_wait(
    base_url, client, alice, clock, tmp_path
):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, alice, clock, environment="live")
    saved = json.loads((tmp_path / "workstation.json").read_text())
    assert list(saved["device_tokens"]) == [f"alice@{base_url}"]

    for _ in range(6):  # a stranger guesses until the account makes strangers wait
        refused = await login(client, alice.username, "Wrong-password-123")
        if refused.status_code == 429:
            break
    assert refused.status_code == 429, refused.text
    stranger = await login(client, alice.username, alice.password)
    assert stranger.status_code == 429  # even with the right password, a stranger waits

    again = make_app(base_url, tmp_path)  # this device signed in before: its own budget
    async with again.run_test(size=SIZE) as pilot:
        await sign_in(pilot, alice, clock, environment="live")


async def test_an_expired_signin_starts_again_with_the_reason(base_url, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await password_step(pilot, alice, environment="live")
        clock.advance(301)  # a sign-in attempt lives 5 minutes
        await pilot.click("#use-totp")
        await type_into(pilot, "#code", "123456")
        await press(pilot, "#verify")
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert "expired" in text_of(app, "#signin-error") or "ended" in text_of(
            app, "#signin-error"
        )
