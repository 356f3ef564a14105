"""Panels that are one table: live orders (modify, cancel), positions, trades, price
alerts, messages and recent activity."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from gatehouse.clients.workstation import formatting as fmt
from gatehouse.clients.workstation.desk import Panel, Selected
from gatehouse.clients.workstation.link import ApiError

WORKING = {"PendingSubmit", "PreSubmitted", "Submitted"}


class TablePanel(Panel):
    COLUMNS: ClassVar[tuple[str, ...]] = ()
    EMPTY = "Nothing yet."
    _shown: list[tuple[str, list[str]]] | None = None  # the rows on screen, as fetched

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.COLUMNS)
        yield table

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    async def fetch(self) -> list[tuple[str, list[str]]]:
        """(row key, cells) for every row."""
        return []

    async def reload(self) -> None:
        rows = await self.fetch()
        if rows != self._shown:  # an event that changed nothing here: no redraw, cursor kept
            before, self._shown = self._shown, rows
            self._show(rows, before)
        self.border_subtitle = f"{len(rows)}" if rows else self.EMPTY

    def _show(
        self, rows: list[tuple[str, list[str]]], before: list[tuple[str, list[str]]] | None
    ) -> None:
        table = self.table
        selected, keep = self.selected_key(), table.cursor_row
        fresh = _patch(table, rows, before)
        if fresh is None:
            table.clear()
            for key, cells in rows:
                table.add_row(*map(Text, cells), key=key)
            fresh = rows
        if rows:  # the cursor stays on the row it was on, wherever that row is now
            keys = [key for key, _ in rows]
            row = keys.index(selected) if selected in keys else keep
            table.move_cursor(row=min(row, len(rows) - 1))
        # A DataTable measures its columns for new rows only when it next idles, and nothing
        # may post to it after rows arrive from the server: the columns then stayed as narrow
        # as their headers (seen in .ci/run's snapshots). Widen them here, as its measure
        # would (plain text: a cell is as wide as its characters), then let it idle anyway.
        # Only the rows added or changed can widen a column: the others were measured before.
        widened = False
        for index, column in enumerate(table.ordered_columns):
            widest = max((cell_len(c[index]) for _, c in fresh if index < len(c)), default=0)
            if widest > column.content_width:
                column.content_width, widened = widest, True
        if widened:  # a new layout only when a column grew (it costs a render of the screen)
            table.refresh(layout=True)
        table.check_idle()

    def selected_key(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None


def _patch(
    table: DataTable[Text],
    rows: list[tuple[str, list[str]]],
    before: list[tuple[str, list[str]]] | None,
) -> list[tuple[str, list[str]]] | None:
    """Change only what changed since ``before`` (the rows on screen): remove the rows that went,
    add the new ones, update the cells that differ, then put the rows in ``rows``' order.

    Rebuilding the whole table on each event made the DataTable measure every row again (15 %
    of the Workstation's CPU with 300 orders), and the time until a new order showed grew with
    the day's orders. Returns the rows added or changed; None, changing nothing, when a rebuild
    is needed: no rows before, or keys or rows that are not unique (the order is restored by the
    rows' cells).
    """
    if not before or table.row_count != len(before):
        return None
    old, new = dict(before), dict(rows)
    if len(new) != len(rows) or len({tuple(cells) for _, cells in rows}) != len(rows):
        return None
    for key in old.keys() - new.keys():
        table.remove_row(key)
    columns = [column.key for column in table.ordered_columns]
    fresh = [(key, cells) for key, cells in rows if old.get(key) != cells]
    for key, cells in fresh:
        if key not in old:
            table.add_row(*map(Text, cells), key=key)
        else:
            for column, was, now in zip(columns, old[key], cells, strict=False):
                if was != now:
                    table.update_cell(key, column, Text(now))
    shown = [
        str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value) for i in range(len(rows))
    ]
    if shown != [key for key, _ in rows]:
        place = {tuple(cells): i for i, (_, cells) in enumerate(rows)}
        table.sort(key=lambda values: place[tuple(map(str, values))])
    return fresh


def _order_row(order: dict[str, Any]) -> tuple[str, list[str]]:
    """One order of ``iserver/account/orders`` (or of an ``order.*`` event) as a row."""
    return (
        str(order["orderId"]),
        [
            str(order["orderId"]),
            str(order.get("ticker", "")),
            str(order.get("side", "")),
            str(order.get("sizeAndFills", "")),
            str(order.get("orderType", "")),
            fmt.price(order.get("price") or order.get("avgPrice")),
            str(order.get("status", "")),
        ],
    )


class OrdersPanel(TablePanel):
    kind = "orders"
    EVENTS = ("order.",)
    COLUMNS = ("Id", "Symbol", "Side", "Filled", "Type", "Price", "Status")
    EMPTY = "No orders today."
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("c", "cancel_order", "Cancel order"),
        Binding("m", "modify_order", "Modify order"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orders: dict[str, dict[str, Any]] = {}

    async def fetch(self) -> list[tuple[str, list[str]]]:
        body = await self.desk.call("GET", "iserver/account/orders")
        orders = body.get("orders", []) if isinstance(body, dict) else []
        self.orders = {str(o["orderId"]): o for o in orders}
        return [_order_row(o) for o in orders]

    def handle_event(self, frame: dict[str, Any]) -> None:
        """An order event carries the order as the list shows it: its row is put on screen at
        once (a new one on top), then the list is read again, as for any event, to confirm it."""
        order = frame.get("data")
        if (
            self.wants(str(frame.get("type", "")))
            and isinstance(order, dict)
            and "orderId" in order
            and order.get("acct", self.desk.account) == self.desk.account
        ):
            self._upsert(order)
        super().handle_event(frame)

    def _upsert(self, order: dict[str, Any]) -> None:
        before = self._shown
        if before is None:  # the first reload has not shown the list yet: it will
            return
        row = _order_row(order)
        key = row[0]
        self.orders[key] = order
        at = next((i for i, (shown, _) in enumerate(before) if shown == key), None)
        rows = [row, *before] if at is None else [*before[:at], row, *before[at + 1 :]]
        if rows != before:
            self._shown = rows
            self._show(rows, before)
            self.border_subtitle = f"{len(rows)}"

    async def action_cancel_order(self) -> None:
        key = self.selected_key()
        order = self.orders.get(key or "")
        if order is None or order.get("status") not in WORKING:
            self.notify("Pick a working order to cancel.", severity="warning")
            return
        try:
            await self.desk.call("DELETE", f"iserver/account/{self.desk.account}/order/{key}")
        except ApiError as error:
            self.notify(error.message, severity="error")
            return
        self.notify(f"Cancel sent for order {key}.")
        self.run_reload()

    def action_modify_order(self) -> None:
        from gatehouse.clients.workstation.dialogs import ModifyDialog

        key = self.selected_key()
        order = self.orders.get(key or "")
        if order is None or order.get("status") not in WORKING:
            self.notify("Pick a working order to modify.", severity="warning")
            return
        self.app.push_screen(ModifyDialog(self.desk, order), lambda _: self.run_reload())


class PositionsPanel(TablePanel):
    kind = "positions"
    EVENTS = ("position.", "trade.", "order.filled")
    COLUMNS = ("Symbol", "Qty", "Avg", "Last", "Value", "P&L")
    EMPTY = "No positions."

    async def fetch(self) -> list[tuple[str, list[str]]]:
        body = await self.desk.call("GET", f"portfolio/{self.desk.account}/positions/0")
        self.positions = {str(p["conid"]): p for p in body if isinstance(p, dict)}
        return [
            (
                str(p["conid"]),
                [
                    str(p.get("ticker", "")),
                    fmt.quantity(p.get("position")),
                    fmt.price(p.get("avgPrice")),
                    fmt.price(p.get("mktPrice")),
                    fmt.money(p.get("mktValue")),
                    fmt.money(p.get("unrealizedPnl"), signed=True),
                ],
            )
            for p in self.positions.values()
        ]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        found = self.positions.get(str(event.row_key.value))
        if found is not None:
            self.post_message(Selected(int(found["conid"]), str(found.get("ticker", ""))))


class TradesPanel(TablePanel):
    kind = "trades"
    EVENTS = ("trade.", "execution.", "order.filled")
    COLUMNS = ("Time", "Symbol", "Side", "Size", "Price", "Commission")
    EMPTY = "No trades today."

    async def fetch(self) -> list[tuple[str, list[str]]]:
        body = await self.desk.call("GET", "iserver/account/trades")
        return [
            (
                str(t["execution_id"]),
                [
                    str(t.get("trade_time", ""))[-8:],
                    str(t.get("symbol", "")),
                    "BUY" if t.get("side") == "B" else "SELL",
                    fmt.quantity(t.get("size")),
                    fmt.price(t.get("price")),
                    fmt.money(t.get("commission")),
                ],
            )
            for t in body
            if isinstance(t, dict)
        ]


class AlertsPanel(TablePanel):
    kind = "alerts"
    EVENTS = ("alert.",)
    COLUMNS = ("Symbol", "Condition", "Status", "Triggered at")
    EMPTY = "No price alerts."
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("n", "new_alert", "New alert"),
        Binding("delete,d", "delete_alert", "Delete alert"),
    ]

    async def fetch(self) -> list[tuple[str, list[str]]]:
        body = await self.desk.call("GET", "alerts")
        return [
            (
                str(a["id"]),
                [
                    str(a.get("symbol", "")),
                    f"{a.get('operator', '')} {fmt.price(a.get('price'))}",
                    str(a.get("status", "")),
                    fmt.price(a.get("triggered_price")) if a.get("triggered_price") else "",
                ],
            )
            for a in body.get("alerts", [])
        ]

    def action_new_alert(self) -> None:
        from gatehouse.clients.workstation.dialogs import AlertDialog

        self.app.push_screen(AlertDialog(self.desk), lambda _: self.run_reload())

    async def action_delete_alert(self) -> None:
        key = self.selected_key()
        if key is None:
            return
        try:
            await self.desk.call("DELETE", f"alerts/{key}")
        except ApiError as error:
            self.notify(error.message, severity="error")
        self.run_reload()


class MessagesPanel(TablePanel):
    kind = "messages"
    EVENTS = ("message.",)
    COLUMNS = ("Subject", "Last message", "Unread")
    EMPTY = "No messages."

    async def fetch(self) -> list[tuple[str, list[str]]]:
        body = await self.desk.call("GET", "messages/threads")
        threads = body.get("threads", []) if isinstance(body, dict) else []
        return [
            (
                str(t.get("id", t.get("thread_id", index))),
                [
                    str(t.get("subject", "")),
                    str(t.get("updated_at", t.get("last_at", "")))[:16].replace("T", " "),
                    "●" if t.get("unread") else "",
                ],
            )
            for index, t in enumerate(threads)
        ]


class ActivityPanel(TablePanel):
    kind = "activity"
    EVENTS = ("session.", "security.", "user.")
    COLUMNS = ("When", "What", "From")
    EMPTY = "No recent activity."

    async def fetch(self) -> list[tuple[str, list[str]]]:
        body = await self.desk.call("GET", "me/activity", params={"limit": 20})
        return [
            (
                str(index),
                [
                    str(a.get("at", ""))[:16].replace("T", " "),
                    str(a.get("event", "")).replace("_", " ").replace(".", ": "),
                    " ".join(x for x in (a.get("platform"), a.get("environment")) if x),
                ],
            )
            for index, a in enumerate(body.get("activity", []))
        ]
