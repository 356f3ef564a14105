"""Driving the Workstation with Textual's Pilot against a real server: start it, type,
wait until the app gets somewhere, sign in with a TOTP code computed by oathtool."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select

from gatehouse.clients.workstation.app import WorkstationApp
from gatehouse.clients.workstation.config import PreferenceStore
from gatehouse.clients.workstation.connect import SdkSignIn
from gatehouse.clients.workstation.factor import SecondFactorScreen
from gatehouse.clients.workstation.workspace import WorkspaceScreen
from gatehouse.domain.clock import FakeClock
from tests.support.signin import credentials

SIZE = (160, 48)


def make_app(base_url: str, folder: Path, **options: Any) -> WorkstationApp:
    options.setdefault("quote_seconds", 0.5)
    return WorkstationApp(
        SdkSignIn(base_url),
        store=PreferenceStore(folder / "workstation.json"),
        handoff_folder=folder,
        **options,
    )


async def until(pilot: Pilot[Any], done: Callable[[], bool], seconds: float = 30.0) -> None:
    """Let the app run until ``done()`` (it reacts to the server in the background)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "the app did not get there"
        await pilot.pause(0.05)


RunTest = Callable[..., AbstractAsyncContextManager[Pilot[Any]]]


def settled(run_test: RunTest) -> RunTest:
    """``App.run_test`` that lets the app settle before it closes (``settle``)."""

    @asynccontextmanager
    async def run(app: App[Any], *args: Any, **kwargs: Any) -> AsyncIterator[Pilot[Any]]:
        async with run_test(app, *args, **kwargs) as pilot:
            yield pilot
            await settle(pilot)

    return run


async def settle(pilot: Pilot[Any], seconds: float = 10.0) -> None:
    """Wait until every ``Select`` on the screens has mounted its children.

    A test that ends just as a screen with a ``Select`` comes up closes the app while the
    Select's own Mount is still queued; Textual (8.2) then runs that handler after the
    Select's children are gone and fails with ``NoMatches`` ('#label', ``SelectOverlay``) in
    the test's teardown. Seen in CI-like runs, with and without other load.
    """
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        await pilot.pause()
        selects = [w for screen in pilot.app.screen_stack for w in screen.query(Select)]
        if all(w.is_mounted and w.query("#label") and w.query("SelectOverlay") for w in selects):
            return
        await asyncio.sleep(0.02)


async def press(pilot: Pilot[Any], selector: str) -> None:
    """Click a button once it takes clicks again (a button ignores a click while it still
    shows the previous one as active)."""
    button = pilot.app.screen.query_one(selector, Button)
    await until(pilot, lambda: not button.has_class("-active"))
    await pilot.click(selector)


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector, Input).value = text
    await pilot.pause()


async def choose(pilot: Pilot[Any], selector: str, value: str) -> None:
    pilot.app.screen.query_one(selector, Select).value = value
    await pilot.pause()


def oathtool_code(secret: str, at: datetime) -> str:
    """What an authenticator shows at ``at``: computed by the real oathtool."""
    found = shutil.which("oathtool")
    if found is None:
        pytest.skip("oathtool is not installed (Debian package oathtool)")
    answer = subprocess.run(
        [
            found,
            "--totp",
            "--base32",
            "--now=" + at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            secret,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return answer.stdout.strip()


async def password_step(
    pilot: Pilot[Any], user: Any, environment: str = "paper", channel: str = "stable"
) -> None:
    username, password = credentials(user, environment)
    await type_into(pilot, "#username", username)
    await type_into(pilot, "#password", password)
    await choose(pilot, "#environment", environment)
    await choose(pilot, "#channel", channel)
    await pilot.click("#signin")
    await until(pilot, lambda: isinstance(pilot.app.screen, SecondFactorScreen))


async def totp_step(pilot: Pilot[Any], user: Any, clock: FakeClock) -> None:
    clock.advance(30)  # a fresh step: a code is never accepted twice
    await pilot.click("#use-totp")
    await type_into(pilot, "#code", oathtool_code(user.totp_secret, clock.now()))
    await pilot.click("#verify")


async def sign_in(
    pilot: Pilot[Any],
    user: Any,
    clock: FakeClock,
    environment: str = "paper",
    channel: str = "stable",
) -> WorkspaceScreen:
    await password_step(pilot, user, environment, channel)
    await totp_step(pilot, user, clock)
    await until(pilot, lambda: isinstance(pilot.app.screen, WorkspaceScreen))
    screen = pilot.app.screen
    assert isinstance(screen, WorkspaceScreen)
    await until(pilot, lambda: screen.stream == "live")
    return screen
