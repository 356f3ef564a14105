"""Watchlists with live quotes: several lists, add, remove and reorder symbols; every
edit is saved on the server (``iserver/watchlist``) so the web and mobile see it at once."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from gatehouse.clients.workstation import formatting as fmt
from gatehouse.clients.workstation.desk import Panel, Selected
from gatehouse.clients.workstation.link import ApiError

STARTER = ("AAPL", "MSFT", "SPY", "NVDA", "AMZN")


def move(rows: list[dict[str, Any]], index: int, offset: int) -> list[dict[str, Any]]:
    """The rows with ``rows[index]`` moved by ``offset`` places (clamped)."""
    target = max(0, min(len(rows) - 1, index + offset))
    moved = list(rows)
    moved.insert(target, moved.pop(index))
    return moved


class WatchlistPanel(Panel):
    kind = "watchlist"
    EVENTS = ("watchlist.",)
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("a", "add_symbol", "Add symbol"),
        Binding("delete,d", "remove_symbol", "Remove"),
        Binding("ctrl+up,K", "move(-1)", "Move up"),
        Binding("ctrl+down,J", "move(1)", "Move down"),
        Binding("l", "next_list", "Next list"),
        Binding("N", "new_list", "New list"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lists: list[dict[str, Any]] = []  # [{id, name}]
        self.list_id: str = str(self.options.get("list", ""))
        self.name_ = ""
        self.rows: list[dict[str, Any]] = []  # [{"C": conid}] as stored
        self.symbols: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="watchlist-name")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
        self.columns = table.add_columns("Symbol", "Last", "Change", "Chg %", "Bid", "Ask")
        yield table

    @property
    def table(self) -> DataTable[str]:
        return self.query_one(DataTable)

    def conids(self) -> set[int]:
        return {int(row["C"]) for row in self.rows if "C" in row}

    async def reload(self) -> None:
        body = await self.desk.call("GET", "iserver/watchlists", params={"SC": "USER_WATCHLIST"})
        self.lists = [
            {"id": str(item["id"]), "name": str(item["name"])}
            for item in body.get("data", {}).get("user_lists", [])
        ]
        if not self.lists:
            await self._create("Watchlist", STARTER)
            return
        if self.list_id not in {item["id"] for item in self.lists}:
            self.list_id = self.lists[0]["id"]
        found = await self.desk.call("GET", "iserver/watchlist", params={"id": self.list_id})
        self.name_ = str(found.get("name", ""))
        self.rows = [row for row in found.get("rows", []) if "C" in row]
        self.symbols = {
            int(item["conid"]): str(item.get("ticker", ""))
            for item in found.get("instruments", [])
            if "conid" in item
        }
        position = [item["id"] for item in self.lists].index(self.list_id) + 1
        self.query_one("#watchlist-name", Static).update(
            f"[b]{self.name_}[/b]  ({position}/{len(self.lists)}, l: next list)"
        )
        self.draw()

    async def _create(self, name: str, symbols: tuple[str, ...]) -> None:
        body = await self.desk.call("GET", "trsrv/stocks", params={"symbols": ",".join(symbols)})
        rows = [
            {"C": int(item[0]["contracts"][0]["conid"])}
            for symbol in symbols
            if (item := body.get(symbol))
        ]
        created = await self.desk.call(
            "POST", "iserver/watchlist", json={"name": name, "rows": rows}
        )
        self.list_id = str(created["id"])
        await self.reload()

    def cells(self, conid: int) -> list[str]:
        quote = self.desk.quotes.get(conid, {})
        change = fmt.number(quote.get("82")) or 0.0
        colour = "green" if change >= 0 else "red"
        return [
            self.symbols.get(conid, str(quote.get("55", conid))),
            fmt.price(quote.get("31")),
            f"[{colour}]{fmt.money(quote.get('82'), signed=True)}[/{colour}]",
            f"[{colour}]{fmt.percent(quote.get('83'))}[/{colour}]",
            fmt.price(quote.get("84")),
            fmt.price(quote.get("86")),
        ]

    def draw(self) -> None:
        table = self.table
        shown = [str(key.value) for key in table.rows]
        wanted = [str(row["C"]) for row in self.rows]
        if shown == wanted:  # only the quotes moved: update the cells in place
            for row in self.rows:
                for column, text in zip(self.columns, self.cells(int(row["C"])), strict=True):
                    table.update_cell(str(row["C"]), column, text)
            return
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(*self.cells(int(row["C"])), key=str(row["C"]))
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))

    def quotes_changed(self) -> None:
        if self.rows:
            self.draw()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        conid = int(event.row_key.value)
        self.post_message(Selected(conid, self.symbols.get(conid, str(conid))))

    async def save(self, rows: list[dict[str, Any]]) -> None:
        try:
            await self.desk.call(
                "PUT",
                "iserver/watchlist",
                json={"id": self.list_id, "name": self.name_, "rows": rows},
            )
        except ApiError as error:
            self.notify(error.message, severity="error")
            return
        self.rows = rows
        self.draw()

    def action_add_symbol(self) -> None:
        from gatehouse.clients.workstation.dialogs import AskDialog

        self.app.push_screen(AskDialog("Add a symbol to this list", "e.g. MSFT"), self._add)

    async def _add(self, symbol: str | None) -> None:
        if not symbol:
            return
        conid = await self.desk.conid_for(symbol.strip())
        if conid is None:
            self.notify(f"No instrument is called {symbol.upper()}.", severity="warning")
            return
        if conid in self.conids():
            self.notify(f"{symbol.upper()} is already in this list.")
            return
        self.symbols[conid] = symbol.strip().upper()
        await self.save([*self.rows, {"C": conid}])

    async def action_remove_symbol(self) -> None:
        if self.rows:
            index = self.table.cursor_row
            await self.save(self.rows[:index] + self.rows[index + 1 :])

    async def action_move(self, offset: int) -> None:
        if len(self.rows) > 1:
            index = self.table.cursor_row
            await self.save(move(self.rows, index, offset))
            self.table.move_cursor(row=max(0, min(len(self.rows) - 1, index + offset)))

    def action_next_list(self) -> None:
        if len(self.lists) > 1:
            ids = [item["id"] for item in self.lists]
            self.list_id = ids[(ids.index(self.list_id) + 1) % len(ids)]
            self.run_reload()

    def action_new_list(self) -> None:
        from gatehouse.clients.workstation.dialogs import AskDialog

        self.app.push_screen(AskDialog("Name of the new list", "e.g. Tech"), self._new_list)

    async def _new_list(self, name: str | None) -> None:
        if name:
            try:
                await self._create(name.strip(), ())
            except ApiError as error:
                self.notify(error.message, severity="error")
