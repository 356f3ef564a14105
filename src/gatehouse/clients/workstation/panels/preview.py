"""Preview panels of the "latest" channel: a depth-of-book price ladder and a movers
heatmap. The ladder reads the server's book (``marketdata/book``) when it serves one
and otherwise builds its levels from the top of book."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Static

from gatehouse.clients.workstation import formatting as fmt
from gatehouse.clients.workstation.desk import Panel
from gatehouse.clients.workstation.link import ApiError

TICK = 0.01


def ladder_rows(
    bids: list[tuple[float, float]], asks: list[tuple[float, float]], depth: int
) -> list[str]:
    """Asks above (highest first), bids below: ``size  price  size`` columns."""
    lines = []
    for ask_price, ask_size in sorted(asks)[:depth][::-1]:
        lines.append(f"{'':>9} {ask_price:>10.2f} [red]{ask_size:>9,.0f}[/red]")
    lines.append(f"{'─' * 9} {'─' * 10} {'─' * 9}")
    for bid_price, bid_size in sorted(bids, reverse=True)[:depth]:
        lines.append(f"[green]{bid_size:>9,.0f}[/green] {bid_price:>10.2f}")
    return lines


def top_of_book(
    quote: dict[str, Any],
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    bid, ask = fmt.number(quote.get("84")), fmt.number(quote.get("86"))
    bid_size, ask_size = fmt.number(quote.get("88")) or 0.0, fmt.number(quote.get("85")) or 0.0
    bids = [(bid, bid_size)] if bid is not None else []
    asks = [(ask, ask_size)] if ask is not None else []
    return bids, asks


def book_levels(body: Any) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """``{"bids": [{"price","size"}], "asks": […]}`` (or ``[price, size]`` pairs)."""

    def side(items: Any) -> list[tuple[float, float]]:
        found = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                price, size = fmt.number(item.get("price")), fmt.number(item.get("size"))
            elif isinstance(item, list | tuple) and len(item) == 2:
                price, size = fmt.number(item[0]), fmt.number(item[1])
            else:
                continue
            if price is not None and size is not None:
                found.append((price, size))
        return found

    if not isinstance(body, dict):
        return [], []
    return side(body.get("bids")), side(body.get("asks"))


class LadderPanel(Panel):
    kind = "ladder"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_book: bool | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="ladder")

    def conids(self) -> set[int]:
        return {self.desk.conid}

    def selection_changed(self) -> None:
        self.quotes_changed()

    def quotes_changed(self) -> None:
        self.run_reload()

    async def reload(self) -> None:
        bids, asks = top_of_book(self.desk.quotes.get(self.desk.conid, {}))
        if self.has_book is not False:
            try:
                body = await self.desk.call(
                    "GET", "marketdata/book", params={"conid": self.desk.conid}
                )
                bids, asks = book_levels(body)
                self.has_book = True
            except ApiError as error:
                if error.status == 404 and error.code == "not_found":
                    self.has_book = False  # a server without the book: top of book for good
        source = "depth of book" if self.has_book else "top of book"
        lines = [f"[b]{self.desk.symbol}[/b]  ({source})", *ladder_rows(bids, asks, 5)]
        self.query_one("#ladder", Static).update("\n".join(lines))


def heat(change_percent: float) -> str:
    """A background colour for a change: deeper green up, deeper red down."""
    steps = ((3.0, "green"), (1.0, "dark_green"), (0.0, "grey23"))
    for bound, colour in steps:
        if change_percent >= bound:
            return colour
    for bound, colour in ((-1.0, "grey23"), (-3.0, "dark_red")):
        if change_percent > bound:
            return colour
    return "red"


class HeatmapPanel(Panel):
    """Every instrument the workspace quotes, as tiles coloured by the day's change."""

    kind = "heatmap"

    def compose(self) -> ComposeResult:
        yield Static("", id="heatmap")

    def quotes_changed(self) -> None:
        tiles = []
        quotes = sorted(self.desk.quotes.values(), key=lambda q: -(fmt.number(q.get("83")) or 0.0))
        for quote in quotes:
            change = fmt.number(quote.get("83")) or 0.0
            label = f" {quote.get('55', '?'):<5}{change:+5.2f}% "
            tiles.append(f"[white on {heat(change)}]{label}[/]")
        self.query_one("#heatmap", Static).update(" ".join(tiles) or "Waiting for quotes…")
