"""Small modal dialogs: ask for a text, confirm an order question (IBKR's reply loop),
modify a working order, create a price alert."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from gatehouse.clients.workstation.desk import Desk
from gatehouse.clients.workstation.link import ApiError


class AskDialog(ModalScreen[str | None]):
    BINDINGS = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, prompt: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt)
            yield Input(self.value, placeholder=self.placeholder, id="answer")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted, "#answer")
    @on(Button.Pressed, "#ok")
    def ok(self) -> None:
        self.dismiss(self.query_one("#answer", Input).value.strip() or None)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


class QuestionDialog(ModalScreen[bool]):
    """One of the server's order questions (o163, o354, …): Yes places, No cancels."""

    BINDINGS = [("y", "answer(True)", "Yes"), ("n,escape", "answer(False)", "No")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Please confirm", classes="heading")
            yield Static(self.text, id="question-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes, submit (y)", id="yes", variant="primary")
                yield Button("No (n)", id="no")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed, "#yes")
    def yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def no(self) -> None:
        self.dismiss(False)


async def answer_questions(desk: Desk, body: Any, ask: Any) -> list[dict[str, Any]] | None:
    """The reply loop: ask each question with ``ask(text) -> bool``; the placed orders,
    or None when the user said no."""
    for _ in range(10):
        first = body[0] if isinstance(body, list) and body else body
        if not isinstance(first, dict) or "message" not in first or "id" not in first:
            return list(body) if isinstance(body, list) else [body]
        text = "\n".join(str(line) for line in first["message"])
        if not await ask(text):
            await desk.call("POST", f"iserver/reply/{first['id']}", json={"confirmed": False})
            return None
        body = await desk.call("POST", f"iserver/reply/{first['id']}", json={"confirmed": True})
    return None


class ModifyDialog(ModalScreen[bool]):
    BINDINGS = [("escape", "dismiss(False)", "Cancel")]

    def __init__(self, desk: Desk, order: dict[str, Any]) -> None:
        super().__init__()
        self.desk = desk
        self.order = order

    def compose(self) -> ComposeResult:
        order = self.order
        with Vertical(classes="dialog"):
            yield Label(f"Modify order {order['orderId']}: {order.get('orderDesc', '')}")
            yield Input(str(int(float(order.get("totalSize", 0)))), id="modify-quantity")
            yield Input(str(order.get("price", "")), placeholder="Limit price", id="modify-price")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Modify", id="modify", variant="primary")
                yield Button("Cancel", id="cancel")
            yield Static("", id="modify-error", classes="error")

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#modify")
    def modify(self) -> None:
        self._modify()

    @work(exclusive=True, exit_on_error=False)
    async def _modify(self) -> None:
        changes: dict[str, Any] = {}
        try:
            changes["quantity"] = int(self.query_one("#modify-quantity", Input).value)
            price = self.query_one("#modify-price", Input).value.strip()
            if price:
                changes["price"] = float(price)
        except ValueError:
            self.query_one("#modify-error", Static).update("Quantity and price must be numbers.")
            return
        path = f"iserver/account/{self.desk.account}/order/{self.order['orderId']}"
        try:
            body = await self.desk.call("POST", path, json=changes)
            await answer_questions(self.desk, body, self._ask)
        except ApiError as error:
            self.query_one("#modify-error", Static).update(error.message)
            return
        self.dismiss(True)

    async def _ask(self, text: str) -> bool:
        answer = await self.app.push_screen_wait(QuestionDialog(text))  # type: ignore[arg-type]
        return bool(answer)


class AlertDialog(ModalScreen[bool]):
    BINDINGS = [("escape", "dismiss(False)", "Cancel")]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New price alert")
            yield Input(self.desk.symbol, placeholder="Symbol", id="alert-symbol")
            yield Select(
                [("at or above", ">="), ("at or below", "<=")],
                value=">=",
                allow_blank=False,
                id="alert-operator",
            )
            yield Input(placeholder="Price", id="alert-price")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", id="create", variant="primary")
                yield Button("Cancel", id="cancel")
            yield Static("", id="alert-error", classes="error")

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#create")
    async def create(self) -> None:
        error_box = self.query_one("#alert-error", Static)
        symbol = self.query_one("#alert-symbol", Input).value.strip()
        try:
            price = float(self.query_one("#alert-price", Input).value)
        except ValueError:
            error_box.update("The price must be a number.")
            return
        try:
            conid = await self.desk.conid_for(symbol)
            if conid is None:
                error_box.update(f"No instrument is called {symbol.upper()}.")
                return
            operator = str(self.query_one("#alert-operator", Select).value)
            await self.desk.call(
                "POST", "alerts", json={"conid": conid, "operator": operator, "price": price}
            )
        except ApiError as error:
            error_box.update(error.message)
            return
        self.dismiss(True)
