"""The order ticket: side, quantity, type, price, time in force; a what-if preview
(commission, margin before and after) and placing through the confirmation questions."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Select, Static

from gatehouse.clients.workstation.desk import Panel
from gatehouse.clients.workstation.dialogs import QuestionDialog, answer_questions
from gatehouse.clients.workstation.link import ApiError


def preview_lines(whatif: dict[str, Any]) -> list[str]:
    amount = whatif.get("amount", {})
    initial = whatif.get("initial", {})
    maintenance = whatif.get("maintenance", {})
    equity = whatif.get("equity", {})
    lines = [
        f"Amount      {amount.get('amount', '—')}",
        f"Commission  {amount.get('commission', '—')}",
        f"Init margin {initial.get('current', '—')} → {initial.get('after', '—')}",
        f"Maint marg. {maintenance.get('current', '—')} → {maintenance.get('after', '—')}",
        f"Equity      {equity.get('current', '—')} → {equity.get('after', '—')}",
    ]
    for key in ("warn", "error"):
        if whatif.get(key):
            lines.append(f"{key.title()}: {whatif[key]}")
    return lines


class TicketPanel(Panel):
    kind = "ticket"

    def compose(self) -> ComposeResult:
        yield Label("", id="ticket-symbol")
        with Horizontal(classes="ticket-row"):
            yield Select(
                [("Buy", "BUY"), ("Sell", "SELL")], value="BUY", allow_blank=False, id="side"
            )
            yield Input("100", placeholder="Quantity", id="quantity")
        with Horizontal(classes="ticket-row"):
            yield Select(
                [("Market", "MKT"), ("Limit", "LMT"), ("Stop", "STP")],
                value="LMT",
                allow_blank=False,
                id="order-type",
            )
            yield Input("", placeholder="Price", id="price")
        with Horizontal(classes="ticket-row"):
            yield Select(
                [("Day", "DAY"), ("GTC", "GTC"), ("IOC", "IOC")],
                value="DAY",
                allow_blank=False,
                id="tif",
            )
            yield Button("Preview", id="preview")
            yield Button("Place", id="place", variant="success")
        yield Static("", id="ticket-result")

    def on_mount(self) -> None:
        self.selection_changed()

    def selection_changed(self) -> None:
        self.query_one("#ticket-symbol", Label).update(f"[b]{self.desk.symbol}[/b]")
        last = self.desk.quotes.get(self.desk.conid, {}).get("31")
        if last:
            self.query_one("#price", Input).value = str(last)

    def quotes_changed(self) -> None:
        box = self.query_one("#price", Input)
        last = self.desk.quotes.get(self.desk.conid, {}).get("31")
        if last and not box.value:
            box.value = str(last)

    def order(self) -> dict[str, Any] | None:
        try:
            quantity = int(self.query_one("#quantity", Input).value)
        except ValueError:
            self.say("The quantity must be a whole number of shares.")
            return None
        order: dict[str, Any] = {
            "conid": self.desk.conid,
            "side": str(self.query_one("#side", Select).value),
            "quantity": quantity,
            "orderType": str(self.query_one("#order-type", Select).value),
            "tif": str(self.query_one("#tif", Select).value),
        }
        if order["orderType"] != "MKT":
            try:
                order["price"] = float(self.query_one("#price", Input).value)
            except ValueError:
                self.say("Give a price for a limit or stop order.")
                return None
        return order

    def say(self, text: str) -> None:
        self.query_one("#ticket-result", Static).update(text)

    @on(Button.Pressed, "#preview")
    async def preview(self) -> None:
        order = self.order()
        if order is None:
            return
        try:
            whatif = await self.desk.call(
                "POST",
                f"iserver/account/{self.desk.account}/orders/whatif",
                json={"orders": [order]},
            )
        except ApiError as error:
            self.say(f"[red]{error.message}[/red]")
            return
        self.say("\n".join(preview_lines(whatif)))

    @on(Button.Pressed, "#place")
    def place(self) -> None:
        order = self.order()
        if order is not None:
            self._place(order)

    @work(exclusive=True, group="place", exit_on_error=False)
    async def _place(self, order: dict[str, Any]) -> None:
        path = f"iserver/account/{self.desk.account}/orders"
        try:
            body = await self.desk.call("POST", path, json={"orders": [order]})
            placed = await answer_questions(self.desk, body, self._ask)
        except ApiError as error:
            self.say(f"[red]{error.message}[/red]")
            return
        if placed is None:
            self.say("Not placed: you said no.")
            return
        first = placed[0] if placed else {}
        self.say(f"Order {first.get('order_id', '?')}: {first.get('order_status', '?')}")

    async def _ask(self, text: str) -> bool:
        answer = await self.app.push_screen_wait(QuestionDialog(text))  # type: ignore[arg-type]
        return bool(answer)
