"""SVG snapshots of the Workstation's main screens against a real server: the sign-in, and
the Trading, Monitor and Research layouts (and Trading on the latest channel). The market
is the deterministic simulator at a fixed clock, the terminal is 160×48, and the random
parts (account ids, Rich's per-export id) are normalised. The stored SVGs are the docs'
screenshots (``scripts/workstation_screenshots.py`` turns them into PNGs).

``GATEHOUSE_UPDATE_SNAPSHOTS=1`` rewrites the stored files instead of comparing."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest
from tests.support.workstation import SIZE, make_app, sign_in, until
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from gatehouse.clients.workstation.app import WorkstationApp
from gatehouse.clients.workstation.panels.quote import QuotePanel
from gatehouse.clients.workstation.panels.tables import ActivityPanel
from gatehouse.clients.workstation.panels.watchlist import WatchlistPanel
from gatehouse.clients.workstation.workspace import WorkspaceScreen

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def normalise(svg: str, user: Any) -> str:
    for real, shown in (
        (user.paper_account, "DU1234567"),
        (user.live_account, "U1234567"),
    ):
        svg = svg.replace(real, shown[: len(real)].ljust(len(real), "0"))
    svg = re.sub(r"terminal-\d+", "terminal-0", svg)
    return re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:8000", svg)


async def check(pilot: Pilot[Any], name: str, user: Any) -> None:
    app = pilot.app
    assert isinstance(app, WorkstationApp)
    app.screen.set_focus(None)  # no blinking cursor, no focus-dependent footer
    await pilot.pause()
    svg = await steady_screen(pilot, user)
    stored = SNAPSHOTS / f"workstation-{name}.svg"
    if os.environ.get("GATEHOUSE_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        stored.write_text(svg, encoding="utf-8")
    assert stored.exists(), (
        f"no stored snapshot {stored.name}: run with GATEHOUSE_UPDATE_SNAPSHOTS=1"
    )
    if svg != stored.read_text(encoding="utf-8"):
        (SNAPSHOTS / f"workstation-{name}.actual.svg").write_text(svg, encoding="utf-8")
        pytest.fail(f"the {name} screen differs from {stored.name} (see the .actual.svg)")


async def steady_screen(pilot: Pilot[Any], user: Any, seconds: float = 20.0) -> str:
    """The screen once two exports 0.3 s apart agree with every activity table measured: a
    table that got its rows (again: an event reloads it) lays out its columns on a later
    refresh, and the market is frozen by the fake clock."""
    app = pilot.app
    deadline = asyncio.get_running_loop().time() + seconds
    svg = normalise(app.export_screenshot(title="Gatehouse Workstation"), user)
    while asyncio.get_running_loop().time() < deadline:
        await pilot.pause(0.3)
        again = normalise(app.export_screenshot(title="Gatehouse Workstation"), user)
        tables = [panel.table for panel in app.screen.query(ActivityPanel)]
        if again == svg and all(measured(table) for table in tables):
            break
        svg = again
    return svg


async def settled(pilot: Pilot[Any], screen: WorkspaceScreen) -> None:
    """Every panel has its data: quotes, the chart, the tables."""
    for panel in screen.query(WatchlistPanel):
        await until(
            pilot,
            lambda p=panel: p.table.row_count == 5 and "—" not in str(p.table.get_row_at(4)[1]),
        )
    for quote in screen.query(QuotePanel):
        await until(pilot, lambda q=quote: bool(q.closes))
    figures = screen.query("#account-figures").results(Static)
    for box in figures:
        await until(pilot, lambda b=box: "Net liquidation" in str(b.render()))
    for activity in screen.query(ActivityPanel):  # the sign-in's own entries, at least
        await until(pilot, lambda a=activity: measured(a.table))
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()


def measured(table: DataTable[Any]) -> bool:
    """The table has rows and has measured its columns for them (a DataTable does that when
    it next idles: a snapshot taken before shows every column as narrow as its header)."""
    if table.row_count == 0:
        return False
    rows = [table.get_row_at(r) for r in range(table.row_count)]
    return all(
        column.content_width >= max(len(str(row[index])) for row in rows)
        for index, column in enumerate(table.ordered_columns)
    )


async def test_signin_screen(base_url, alice, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await check(pilot, "signin", alice)


@pytest.mark.parametrize("layout", ["Trading", "Monitor", "Research"])
async def test_layouts(base_url, alice, clock, tmp_path, layout):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        if layout != "Trading":
            await screen.switch_to(layout)
        await settled(pilot, screen)
        await check(pilot, layout.lower(), alice)


async def test_trading_on_the_latest_channel(base_url, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper", channel="latest")
        await settled(pilot, screen)
        await until(pilot, lambda: "depth of book" in str(screen.query_one("#ladder").render()))
        await check(pilot, "trading-latest", alice)
