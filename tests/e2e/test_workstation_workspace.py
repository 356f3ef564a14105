"""The Workstation's workspace against a real server: an order placed in the ticket fills,
an order placed on the web appears, watchlists sync both ways, layouts restore on another
workstation and follow changes saved elsewhere, a revoked session returns to sign-in, and
the idle lock asks for the password and a second factor again, as the known device."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.support.signin import login
from tests.support.trading import AAPL, F, trader
from tests.support.workstation import (
    SIZE,
    choose,
    make_app,
    sign_in,
    totp_step,
    type_into,
    until,
)
from textual.widgets import DataTable, Input, Static

from gatehouse.adapters.db.identity import tables
from gatehouse.bootstrap import Runtime
from gatehouse.clients.workstation.config import PreferenceStore
from gatehouse.clients.workstation.dialogs import QuestionDialog
from gatehouse.clients.workstation.factor import SecondFactorScreen
from gatehouse.clients.workstation.lock import LockScreen
from gatehouse.clients.workstation.panels.tables import OrdersPanel, PositionsPanel
from gatehouse.clients.workstation.panels.watchlist import WatchlistPanel
from gatehouse.clients.workstation.signin import SignInScreen
from gatehouse.clients.workstation.workspace import ChooseDialog, WorkspaceScreen
from gatehouse.domain.identity.known_devices import hash_device_token


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def cells(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def column(table: DataTable[Any], index: int) -> list[str]:
    return [row[index] for row in cells(table)]


async def test_place_an_order_and_see_it_fill(base_url, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        await until(pilot, lambda: AAPL in screen.desk.quotes)
        await choose(pilot, "#order-type", "MKT")
        await type_into(pilot, "#quantity", "10")
        await pilot.click("#preview")
        result = screen.query_one("#ticket-result", Static)
        await until(pilot, lambda: "Commission" in str(result.render()))
        assert "1.00 USD" in str(result.render())  # IBKR's minimum for 10 shares
        assert "Init margin 0.00 →" in str(result.render())
        await pilot.click("#place")
        await until(
            pilot, lambda: "Order" in str(result.render()) or isinstance(app.screen, QuestionDialog)
        )
        while isinstance(app.screen, QuestionDialog):
            await pilot.press("y")
            await pilot.pause()
        await until(pilot, lambda: "Filled" in str(result.render()))
        orders = screen.query_one(OrdersPanel).table
        await until(pilot, lambda: "Filled" in column(orders, 6))
        positions = screen.query_one(PositionsPanel).table
        await until(
            pilot, lambda: cells(positions)[0][:2] == ["AAPL", "10"] if cells(positions) else False
        )


async def test_an_order_placed_on_the_web_appears_and_can_be_cancelled(
    base_url, client, alice, clock, tmp_path
):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        web = await trader(client, alice, clock, environment="paper")
        placed = await web.order(conid=AAPL, side="BUY", quantity=5, orderType="LMT", price=100)
        orders = screen.query_one(OrdersPanel)
        await until(pilot, lambda: placed["order_id"] in column(orders.table, 0))
        orders.table.focus()
        orders.table.move_cursor(row=column(orders.table, 0).index(placed["order_id"]))
        await pilot.press("c")
        await until(pilot, lambda: "Cancelled" in column(orders.table, 6))
        status = await web.get(f"iserver/account/order/status/{placed['order_id']}")
        assert status.json()["order_status"] == "Cancelled"


async def test_watchlists_sync_both_ways(base_url, client, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        panel = screen.query_one(WatchlistPanel)
        await until(pilot, lambda: panel.table.row_count == 5)
        assert column(panel.table, 0)[:3] == ["AAPL", "MSFT", "SPY"]

        # edited on the web: appears here
        web = await trader(client, alice, clock, environment="paper")
        changed = await web.client.put(
            "/v1/api/iserver/watchlist",
            headers=web.headers,
            json={"id": panel.list_id, "name": "Watchlist", "rows": [{"C": F}, {"C": AAPL}]},
        )
        assert changed.status_code == 200, changed.text
        await until(pilot, lambda: column(panel.table, 0) == ["F", "AAPL"])

        # edited here: reaches the server (so mobile sees it)
        panel.table.focus()
        await pilot.press("a")
        await type_into(pilot, "#answer", "MSFT")
        await pilot.press("enter")
        await until(pilot, lambda: column(panel.table, 0) == ["F", "AAPL", "MSFT"])
        panel.table.move_cursor(row=2)
        await pilot.press("K")  # move MSFT up
        await until(pilot, lambda: column(panel.table, 0) == ["F", "MSFT", "AAPL"])
        panel.table.move_cursor(row=0)
        await pilot.press("d")
        await until(pilot, lambda: column(panel.table, 0) == ["MSFT", "AAPL"])
        stored = await web.get("iserver/watchlist", id=panel.list_id)
        assert [row["C"] for row in stored.json()["rows"]] == [272093, AAPL]


async def test_layouts_restore_on_another_workstation_and_follow_changes(
    base_url, client, alice, clock, tmp_path
):
    first = make_app(base_url, tmp_path / "one")
    async with first.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(first.screen, ChooseDialog))
        options = first.screen.query_one("#choices")
        options.highlighted = [o.id for o in options.options].index("Monitor")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: screen.current_layout.name == "Monitor")
        kinds = [p.kind for p in screen.panels()]
        assert kinds == ["account", "positions", "orders", "trades", "alerts", "activity"]
        await pilot.press("ctrl+s")
        await until(
            pilot, lambda: "saved" in " ".join(str(n.message) for n in first._notifications)
        )

    second = make_app(base_url, tmp_path / "two")  # another machine: the same workspace
    async with second.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        assert screen.current_layout.name == "Monitor"
        assert [p.kind for p in screen.panels()] == kinds

        # saved elsewhere while open: the open workstation follows at once
        web = await trader(client, alice, clock, environment="paper")
        saved = await web.client.put(
            "/v1/api/layouts/Monitor",
            headers=web.headers,
            json={"version": 1, "columns": 2, "panels": [{"kind": "orders"}, {"kind": "trades"}]},
        )
        assert saved.status_code == 200, saved.text
        await until(pilot, lambda: [p.kind for p in screen.panels()] == ["orders", "trades"])


async def test_a_revoked_session_returns_to_signin_with_the_reason(
    base_url, client, alice, clock, tmp_path
):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, alice, clock, environment="paper")
        assert app.link is not None
        session_id = app.link.session.session_id
        web = await trader(client, alice, clock, environment="paper")
        ended = await web.delete(f"sessions/{session_id}")
        assert ended.status_code == 200, ended.text
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        reason = str(app.screen.query_one("#signin-error", Static).render())
        assert reason.startswith("Signed out:")


async def test_idle_lock_asks_to_sign_in_again(base_url, alice, clock, tmp_path):
    ticks = [0.0]
    app = make_app(base_url, tmp_path, idle_seconds=600, monotonic=lambda: ticks[0])
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        assert app.link is not None
        old = app.link.session.session_id
        ticks[0] += 599
        app.call_later(app.check_idle_lock)
        await pilot.pause()
        assert isinstance(app.screen, WorkspaceScreen)
        ticks[0] += 1
        app.call_later(app.check_idle_lock)
        await pilot.pause()
        await until(pilot, lambda: isinstance(app.screen, LockScreen))
        await type_into(pilot, "#lock-password", "wrong-Password-1")
        await pilot.press("enter")
        await until(
            pilot, lambda: "do not match" in str(app.screen.query_one("#lock-error").render())
        )
        await type_into(pilot, "#lock-password", alice.paper_password)
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, LockScreen))
        await totp_step(pilot, alice, clock)
        await until(pilot, lambda: app.screen is screen)
        assert app.link.session.session_id != old
        await until(pilot, lambda: screen.stream == "live")


async def test_the_lock_screen_signs_in_as_the_known_device(
    base_url, client, runtime, alice, clock, tmp_path
):
    """Re-authentication sends the device's token: strangers who made the account wait do not
    keep the owner's locked Workstation out, and no second device is added for it."""
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="live")
        token = PreferenceStore(tmp_path / "workstation.json").device_token(
            alice.username, base_url
        )
        assert token and await known_devices(runtime) == [hash_device_token(token)]

        for _ in range(6):  # a stranger guesses until the account makes strangers wait
            refused = await login(client, alice.username, "Wrong-password-123")
            if refused.status_code == 429:
                break
        assert refused.status_code == 429, refused.text
        assert (await login(client, alice.username, alice.password)).status_code == 429

        app.lock()
        await until(
            pilot, lambda: isinstance(app.screen, LockScreen) and bool(app.screen.query(Input))
        )
        await type_into(pilot, "#lock-password", alice.password)
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, SecondFactorScreen)
                or bool(str(app.screen.query_one("#lock-error").render()))
            ),
        )
        assert isinstance(app.screen, SecondFactorScreen), str(
            app.screen.query_one("#lock-error").render()  # 429 without the device's token
        )
        await totp_step(pilot, alice, clock)
        await until(pilot, lambda: app.screen is screen)
        # the server knew the device: it issued no new token, so nothing new was stored
        assert await known_devices(runtime) == [hash_device_token(token)]
        stored = PreferenceStore(tmp_path / "workstation.json")
        assert stored.device_token(alice.username, base_url) == token


async def known_devices(runtime: Runtime) -> list[str]:
    async with runtime.engine.connect() as conn:
        found = await conn.execute(select(tables.known_devices.c.token_hash))
        return [str(row[0]) for row in found.all()]
