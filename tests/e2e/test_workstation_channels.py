"""The Workstation's channels, push sign-in and detached panels against a real server: an
outdated Workstation says how to upgrade, "latest" adds the preview panels, a push is
approved with ``gatehouse key approve``, and a detached panel shares the session through
the hand-off file and closes when the main session ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.access import activation_code, session_token
from tests.support.workstation import SIZE, make_app, password_step, sign_in, until
from textual.widgets import Digits, Static
from typer.testing import CliRunner

from gatehouse.cli.app import app as cli_app
from gatehouse.clients.workstation import handoff
from gatehouse.clients.workstation.panels.preview import HeatmapPanel, LadderPanel
from gatehouse.clients.workstation.panels.tables import OrdersPanel
from gatehouse.clients.workstation.workspace import WorkspaceScreen


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"workstation_minimum_stable": "9.0.0"}  # the latest channel keeps 0.1.0


async def test_an_outdated_workstation_says_how_to_upgrade(base_url, client, tmp_path):
    answer = await client.get("/v1/api/workstation/version")
    assert answer.status_code == 200
    assert answer.json()["stable"]["minimum"] == "9.0.0"
    assert answer.json()["latest"]["minimum"] == "0.1.0"
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        note = app.screen.query_one("#version-note", Static)
        await until(pilot, lambda: "9.0.0" in str(note.render()))
        assert "pip install --upgrade gatehouse" in str(note.render())


async def test_latest_channel_adds_the_preview_panels(base_url, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper", channel="latest")
        assert "channel latest" in str(screen.query_one("#status-bar", Static).render())
        ladder = screen.query_one(LadderPanel)
        shown = ladder.query_one("#ladder")
        await until(pilot, lambda: "depth of book" in str(shown.render()))
        assert str(shown.render()).count(".") >= 10  # five price levels a side
        await screen.switch_to("Monitor")
        heatmap = screen.query_one(HeatmapPanel)
        await until(pilot, lambda: "%" in str(heatmap.query_one("#heatmap").render()))


async def test_push_approved_with_gatehouse_key_approve(base_url, client, alice, clock, tmp_path):
    env = {
        "GATEHOUSE_KEY_FILE": str(tmp_path / "key" / "device.json"),
        "GATEHOUSE_KEY_PIN": "246810",
    }
    clock.set(datetime.now(UTC) - timedelta(seconds=30))  # the key CLI uses the real clock
    code = (await activation_code(client, await session_token(client, alice, clock)))["code"]
    runner = CliRunner()
    enrolled = await asyncio.to_thread(
        runner.invoke, cli_app, ["key", "enroll", "--server", base_url, "--code", code], env=env
    )
    assert enrolled.exit_code == 0, enrolled.output

    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await password_step(pilot, alice, environment="live")
        await pilot.click("#use-push")
        digits = app.screen.query_one("#push-number", Digits)
        await until(pilot, lambda: digits.value != "")
        assert "Waiting for your approval" in str(app.screen.query_one("#push-wait").render())
        approved = await asyncio.to_thread(
            runner.invoke, cli_app, ["key", "approve", "--pick", digits.value], env=env
        )
        assert approved.exit_code == 0, approved.output
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen))


async def test_a_detached_panel_shares_the_session_and_closes_with_it(
    base_url, alice, clock, tmp_path
):
    main = make_app(base_url, tmp_path)
    async with main.run_test(size=SIZE) as pilot:
        await sign_in(pilot, alice, clock, environment="paper")
        assert main.link is not None
        main.detach_panel("orders")
        found = handoff.take("orders", folder=tmp_path)  # what `--panel orders` does
        assert found.session.session_id == main.link.session.session_id
        with pytest.raises(handoff.HandoffError):
            handoff.take("orders", folder=tmp_path)  # single use

        detached = make_app(base_url, tmp_path, detached=found)
        async with detached.run_test(size=(100, 30)) as other:
            screen = detached.screen
            assert isinstance(screen, WorkspaceScreen)
            assert [p.kind for p in screen.panels()] == ["orders"]
            await until(other, lambda: screen.stream == "live")
            assert isinstance(screen.query_one(OrdersPanel), OrdersPanel)
            await main.action_quit()  # the main session ends: signed out on the server
            await until(other, lambda: detached.ended_reason != "")
            assert detached.ended_reason == "logout"  # the detached panel exits with it
