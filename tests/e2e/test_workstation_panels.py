"""The Workstation's layout commands and the panels' own keys against a real server: save
as, rename, delete, reset, add and close panels from the palette's actions; modify a
working order; create and delete a price alert; a message thread appears."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from tests.support.trading import AAPL, trader
from tests.support.workstation import SIZE, make_app, press, sign_in, type_into, until
from textual.app import App
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input

from gatehouse.clients.workstation.dialogs import AlertDialog, AskDialog, ModifyDialog
from gatehouse.clients.workstation.panels.tables import (
    AlertsPanel,
    MessagesPanel,
    OrdersPanel,
    TablePanel,
)
from gatehouse.clients.workstation.workspace import ChooseDialog


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def column(table: DataTable[Any], index: int) -> list[str]:
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def answer(pilot, text: str) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, AskDialog))
    await type_into(pilot, "#answer", text)
    await pilot.press("enter")


async def test_layout_commands(base_url, client, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        web = await trader(client, alice, clock, environment="paper")

        async def saved() -> list[str]:
            body = (await web.get("layouts")).json()
            return [item["name"] for item in body["layouts"]]

        screen.action_save_layout_as()
        await answer(pilot, "My desk")
        await until(pilot, lambda: screen.current_layout.name == "My desk")
        assert "My desk" in await saved()

        screen.query_one(OrdersPanel).table.focus()
        await pilot.press("ctrl+w")
        await until(pilot, lambda: "orders" not in [p.kind for p in screen.panels()])
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ChooseDialog))
        options = app.screen.query_one("#choices")
        ids = [o.id for o in options.options]  # type: ignore[attr-defined]
        assert "orders" in ids and "ladder" not in ids  # preview panels only on latest
        options.highlighted = ids.index("trades")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: "trades" in [p.kind for p in screen.panels()])

        screen.action_rename_layout()
        await until(pilot, lambda: isinstance(app.screen, AskDialog))
        assert app.screen.query_one("#answer", Input).value == "My desk"
        await type_into(pilot, "#answer", "Desk two")
        await pilot.press("enter")
        await until(pilot, lambda: screen.current_layout.name == "Desk two")
        names = await saved()
        assert "Desk two" in names and "My desk" not in names
        document = (await web.get("layouts/Desk two")).json()["document"]
        assert [p["kind"] for p in document["panels"]][-1] == "trades"

        await screen.action_reset_layout()
        assert "orders" in [p.kind for p in screen.panels()]  # the template's panels again

        screen.action_delete_layout()
        await until(pilot, lambda: screen.current_layout.name == "Trading")
        assert "Desk two" not in await saved()


async def test_modify_an_order_and_alerts_and_messages(base_url, client, alice, clock, tmp_path):
    app = make_app(base_url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sign_in(pilot, alice, clock, environment="paper")
        web = await trader(client, alice, clock, environment="paper")
        placed = await web.order(conid=AAPL, side="BUY", quantity=5, orderType="LMT", price=100)

        orders = screen.query_one(OrdersPanel)
        await until(pilot, lambda: placed["order_id"] in column(orders.table, 0))
        orders.table.focus()
        orders.table.move_cursor(row=column(orders.table, 0).index(placed["order_id"]))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ModifyDialog))
        await type_into(pilot, "#modify-quantity", "7")
        await type_into(pilot, "#modify-price", "101")
        await press(pilot, "#modify")
        for _ in range(200):  # the 3% question is asked again
            if app.screen is screen:
                break
            if app.screen.query("#yes"):
                await pilot.press("y")
            await pilot.pause(0.05)
        await until(pilot, lambda: "0/7" in column(orders.table, 3))
        status = (await web.get(f"iserver/account/order/status/{placed['order_id']}")).json()
        assert float(status["total_size"]) == 7 and float(status["limit_price"]) == 101

        await screen.switch_to("Research")
        alerts = screen.query_one(AlertsPanel)
        alerts.table.focus()
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, AlertDialog))
        await type_into(pilot, "#alert-price", "500")
        await press(pilot, "#create")
        await until(pilot, lambda: column(alerts.table, 1) == [">= 500.00"])
        assert (await web.get("alerts")).json()["alerts"][0]["price"] in ("500", "500.0", 500)
        alerts.table.focus()
        await pilot.press("d")
        await until(pilot, lambda: alerts.table.row_count == 0)

        messages = screen.query_one(MessagesPanel)
        wrote = await web.post("messages/threads", {"subject": "Statement question", "body": "Hi"})
        assert wrote.status_code == 201, wrote.text
        await until(pilot, lambda: column(messages.table, 0) == ["Statement question"])


class Hosting(App[None]):
    """An app of one panel, with no server behind it."""

    def __init__(self, panel: TablePanel) -> None:
        super().__init__()
        self.panel = panel

    def compose(self):
        yield self.panel


class Rows(TablePanel):
    """A table panel whose rows are set by the test (no server)."""

    kind = "rows"
    COLUMNS = ("When", "What")
    rows: list[tuple[str, list[str]]] = []

    async def fetch(self) -> list[tuple[str, list[str]]]:
        return list(self.rows)


async def test_a_table_is_sized_for_its_rows_and_redrawn_only_when_they_change():
    app = Hosting(Rows(cast(Any, None), "Rows"))
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(Rows)
        table = panel.table
        panel.rows = [("0", ["2026-01-05 15:00", "login: succeeded"]), ("1", ["x", "y"])]
        await panel.reload()  # the columns are as wide as the rows at once, not at idle
        assert [c.content_width for c in table.ordered_columns] == [16, 16]
        table.move_cursor(row=1)
        await pilot.pause()
        cleared: list[bool] = []
        clear = table.clear
        table.clear = lambda columns=False: cleared.append(True) or clear(columns)  # type: ignore[method-assign]
        await panel.reload()  # the same rows: nothing redrawn, the cursor stays
        assert not cleared and table.cursor_row == 1 and panel.border_subtitle == "2"
        panel.rows = panel.rows[:1]
        await panel.reload()  # a row went: removed, nothing else redrawn
        assert not cleared and table.row_count == 1 and table.cursor_row == 0


def shown(table: Any) -> list[tuple[str, list[str]]]:
    """The table's rows, top to bottom, as (key, cells)."""
    keys = [table.coordinate_to_cell_key(Coordinate(i, 0)).row_key for i in range(table.row_count)]
    return [(str(key.value), [str(c) for c in table.get_row(key)]) for key in keys]


async def test_a_changed_table_is_patched_in_place_and_the_cursor_stays_on_its_row():
    app = Hosting(Rows(cast(Any, None), "Rows"))
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(Rows)
        table = panel.table
        panel.rows = [("11", ["11", "Submitted"]), ("10", ["10", "Filled"])]
        await panel.reload()
        table.move_cursor(row=1)  # on order 10
        added: list[str] = []
        add_row, clear = table.add_row, table.clear
        table.add_row = lambda *cells, **kw: added.append(kw["key"]) or add_row(*cells, **kw)  # type: ignore[method-assign]
        table.clear = lambda columns=False: added.append("cleared") or clear(columns)  # type: ignore[method-assign]
        # newest first, as the orders list is: a new order on top, one filled, one gone
        panel.rows = [("12", ["12", "Submitted"]), ("11", ["11", "Filled"])]
        await panel.reload()
        assert shown(table) == panel.rows and added == ["12"]
        assert table.cursor_row == 1  # order 10 went: the cursor keeps its place
        table.move_cursor(row=1)  # on order 11
        panel.rows = [("13", ["13", "Submitted"]), *panel.rows]
        await panel.reload()
        assert shown(table) == panel.rows and added == ["12", "13"]
        assert table.cursor_row == 2 and panel.selected_key() == "11"  # it moved down with it
        # a changed row is measured as it changes: its column widens at once
        panel.rows = [("13", ["13", "Submitted, then replaced"]), *panel.rows[1:]]
        await panel.reload()
        assert table.ordered_columns[1].content_width == len("Submitted, then replaced")
        await pilot.pause()
        # rows that are not unique cannot be put back in order by their cells: rebuilt
        panel.rows = [("14", ["x", "y"]), ("15", ["x", "y"])]
        await panel.reload()
        assert shown(table) == panel.rows and added[-3:] == ["cleared", "14", "15"]


class Slow(TablePanel):
    """A panel whose reload waits until the test lets it finish."""

    kind = "slow"

    def __init__(self) -> None:
        super().__init__(cast(Any, None), "Slow")
        self.started = self.finished = self.cancelled = 0
        self.gate = asyncio.Event()

    async def reload(self) -> None:
        self.started += 1
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.finished += 1


async def test_events_during_a_reload_make_one_more_reload_and_cancel_none():
    app = Hosting(Slow())
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(Slow)
        await until(pilot, lambda: panel.started == 1)  # the reload on mount
        for _ in range(5):  # a stream of events while it runs
            panel.run_reload()
            await pilot.pause()
        panel.gate.set()
        await until(pilot, lambda: panel.finished == 2)
        await pilot.pause(0.05)
        assert (panel.started, panel.finished, panel.cancelled) == (2, 2, 0)


async def test_cells_show_what_was_typed_never_markup_or_emoji():
    app = Hosting(Rows(cast(Any, None), "Rows"))
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(Rows)
        panel.rows = [("1", ["[b]urgent[/b]", "2001:db8::1234:5678"])]
        await panel.reload()
        await pilot.pause()
        screen = app.export_screenshot()
        assert "[b]urgent[/b]" in screen and "2001:db8::1234:5678" in screen
        assert "🔢" not in screen


class Desk:
    """What an orders panel needs of the desk: its account, and a server whose answers the test
    holds back until it lets them go."""

    account = "DU1"

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = orders
        self.gate = asyncio.Event()
        self.gate.set()
        self.calls = 0

    async def call(self, method: str, path: str, **_: Any) -> dict[str, Any]:
        assert (method, path) == ("GET", "iserver/account/orders")
        self.calls += 1
        await self.gate.wait()
        return {"orders": list(self.orders)}


def order(order_id: int, status: str, acct: str = "DU1") -> dict[str, Any]:
    return {"orderId": order_id, "acct": acct, "ticker": "AAPL", "side": "BUY",
            "sizeAndFills": "0/1", "orderType": "Market", "status": status}  # fmt: skip


async def test_an_order_event_shows_its_row_at_once_then_the_list_confirms_it():
    desk = Desk([order(1, "Filled")])
    app = Hosting(OrdersPanel(cast(Any, desk), "Live orders"))
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(OrdersPanel)
        await until(pilot, lambda: column(panel.table, 0) == ["1"])
        desk.gate.clear()  # the server is slow to list orders now
        panel.handle_event({"type": "order.submitted", "data": order(2, "Submitted")})
        panel.handle_event({"type": "order.submitted", "data": order(9, "Submitted", "U1")})
        await pilot.pause()
        # on screen before the list came back: the new order on top; the other account's not
        assert column(panel.table, 0) == ["2", "1"] and column(panel.table, 6)[0] == "Submitted"
        panel.handle_event({"type": "order.filled", "data": order(2, "Filled")})
        await pilot.pause()
        assert (
            column(panel.table, 6) == ["Filled", "Filled"]
            and panel.orders["2"]["status"] == "Filled"
        )
        desk.orders = [order(2, "Filled"), order(1, "Filled")]
        desk.gate.set()  # the list agrees: nothing changes
        await until(pilot, lambda: desk.calls >= 2 and not panel._reloading)
        assert column(panel.table, 0) == ["2", "1"] and panel.border_subtitle == "2"
