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
        elif key == "dpl":
            shown.append((label, day_pnl(pnl)))
        elif key == "upl":
            shown.append((label, fmt.money(pnl.get(key), signed=True)))
        else:
            shown.append((label, fmt.money(summary.get(key))))
    return shown


def day_pnl(pnl: dict[str, Any]) -> str:
    """``+25.00 (+2.50%)``: the day's P&L in money and, when the server gives it (``dplRatio``:
    over the start-of-day NLV plus today's net deposits, docs/brokerage.md), in percent."""
    money = fmt.money(pnl.get("dpl"), signed=True)
    ratio = fmt.number(pnl.get("dplRatio"))
    if ratio is None or money == "—":
        return money
    return f"{money} ({fmt.percent(ratio * 100)})"


def colour_of(text: str) -> str:
    """Green for a gain, red for a loss, none for zero or no value."""
    figure = fmt.number(text.split(" ", 1)[0])
    if not figure:
        return ""
    return "green" if figure > 0 else "red"


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
            colour = colour_of(text) if label.endswith("P&L") else ""
            shown = f"[{colour}]{text:>20}[/{colour}]" if colour else f"{text:>20}"
            lines.append(f"{label:<{width}}{shown}")
        self.query_one("#account-figures", Static).update("\n".join(lines))
