"""Account figures moving with the market: net liquidation, buying power, excess
liquidity, margin cushion and the day's P&L (IBKR's summary and partitioned P&L)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Static

from gatehouse.clients.workstation import formatting as fmt
from gatehouse.clients.workstation.desk import Panel

FIGURES = (
    ("netliquidation", "Net liquidation"),
    ("buyingpower", "Buying power"),
    ("excessliquidity", "Excess liquidity"),
    ("availablefunds", "Available funds"),
    ("cushion", "Margin cushion"),
    ("dpl", "Day P&L"),
    ("upl", "Unrealized P&L"),
)


def figures(summary: dict[str, Any], pnl: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) in the order shown."""
    shown = []
    for key, label in FIGURES:
        if key == "cushion":
            value = summary.get(key, {})
            amount = value.get("amount") if isinstance(value, dict) else value
            if amount is None and isinstance(value, dict):
                amount = value.get("value")
            shown.append((label, fmt.percent(amount, ratio=True)))
        elif key in ("dpl", "upl"):
            shown.append((label, fmt.money(pnl.get(key), signed=True)))
        else:
            shown.append((label, fmt.money(summary.get(key))))
    return shown


class AccountPanel(Panel):
    kind = "account"
    EVENTS = ("order.filled", "trade.", "position.", "balance.", "cash.", "transfer.")

    def compose(self) -> ComposeResult:
        yield Static("", id="account-figures")

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(5.0, self.run_reload)

    async def reload(self) -> None:
        account = self.desk.account
        summary = await self.desk.call("GET", f"portfolio/{account}/summary")
        partitioned = await self.desk.call("GET", "iserver/account/pnl/partitioned")
        pnl = partitioned.get("upnl", {}).get(f"{account}.Core", {})
        width = max(len(label) for _, label in FIGURES) + 2
        lines = [f"[b]{account}[/b]"]
        for label, text in figures(summary, pnl):
            colour = ""
            if text.startswith("+") and text != "+0.00":
                colour = "green"
            elif text.startswith("-"):
                colour = "red"
            shown = f"[{colour}]{text:>16}[/{colour}]" if colour else f"{text:>16}"
            lines.append(f"{label:<{width}}{shown}")
        self.query_one("#account-figures", Static).update("\n".join(lines))
