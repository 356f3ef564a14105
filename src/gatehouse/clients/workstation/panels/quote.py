"""Quote detail for the selected instrument: the touch, the day's range and an intraday
chart drawn with braille dots from the history API."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Static

from gatehouse.clients.workstation import chart
from gatehouse.clients.workstation import formatting as fmt
from gatehouse.clients.workstation.desk import Panel


def quote_lines(symbol: str, quote: dict[str, Any]) -> list[str]:
    change = fmt.number(quote.get("82"))
    colour = "green" if (change or 0) >= 0 else "red"
    return [
        f"[b]{symbol}[/b]  {quote.get('7051', '')}",
        f"[b]{fmt.price(quote.get('31'))}[/b]  [{colour}]{fmt.money(quote.get('82'), signed=True)}"
        f" ({fmt.percent(quote.get('83'))})[/{colour}]",
        f"Bid {fmt.price(quote.get('84'))} × {quote.get('88', '—')}   "
        f"Ask {fmt.price(quote.get('86'))} × {quote.get('85', '—')}",
        f"Open {fmt.price(quote.get('7295'))}  High {fmt.price(quote.get('70'))}  "
        f"Low {fmt.price(quote.get('71'))}  Prev {fmt.price(quote.get('7741'))}  "
        f"Vol {quote.get('87', '—')}",
    ]


class QuotePanel(Panel):
    kind = "quote"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closes: list[float] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="quote-head")
        yield Static("", id="quote-chart")

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(60.0, self.run_reload)

    def on_resize(self) -> None:
        self.draw_chart()

    def conids(self) -> set[int]:
        return {self.desk.conid}

    async def reload(self) -> None:
        body = await self.desk.call(
            "GET",
            "iserver/marketdata/history",
            params={"conid": self.desk.conid, "bar": "5min", "period": "1d"},
        )
        self.closes = [float(bar["c"]) for bar in body.get("data", [])]
        self.draw_chart()

    def selection_changed(self) -> None:
        self.closes = []
        self.quotes_changed()
        self.run_reload()

    def quotes_changed(self) -> None:
        quote = self.desk.quotes.get(self.desk.conid, {})
        self.query_one("#quote-head", Static).update(
            "\n".join(quote_lines(self.desk.symbol, quote))
        )

    def draw_chart(self) -> None:
        box = self.query_one("#quote-chart", Static)
        width = max(10, self.content_size.width)
        height = max(3, self.content_size.height - 5)
        rows = chart.labelled(self.closes, width, height)
        box.update("\n".join(rows))
