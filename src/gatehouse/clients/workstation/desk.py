"""What every panel shares: the signed-in link, the account, the channel, the selected
instrument and the latest quotes; and ``Panel``, the base of every panel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import work
from textual.containers import Vertical
from textual.message import Message

from gatehouse.clients.workstation.link import ApiError, Link

QUOTE_FIELDS = "31,55,7051,82,83,84,85,86,88,70,71,7295,7741,87"


@dataclass
class Desk:
    link: Link
    account: str
    channel: str = "stable"
    conid: int = 265598  # the selected instrument (AAPL until the user picks one)
    symbol: str = "AAPL"
    quotes: dict[int, dict[str, Any]] = field(default_factory=dict)

    async def call(
        self, method: str, path: str, json: Any = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        return await self.link.request(method, path, json=json, params=params)

    async def conid_for(self, symbol: str) -> int | None:
        """The conid of a stock symbol (``trsrv/stocks``), or None."""
        body = await self.call("GET", "trsrv/stocks", params={"symbols": symbol.upper()})
        for item in body.get(symbol.upper(), []) if isinstance(body, dict) else []:
            for contract in item.get("contracts", []):
                return int(contract["conid"])
        return None


class Selected(Message):
    """The user picked an instrument (a watchlist row, a position…)."""

    def __init__(self, conid: int, symbol: str) -> None:
        super().__init__()
        self.conid = conid
        self.symbol = symbol


class Panel(Vertical):
    """One workspace panel. Subclasses set ``kind`` and ``EVENTS`` (event type prefixes
    that make it reload) and implement ``reload``."""

    kind: ClassVar[str] = ""
    EVENTS: ClassVar[tuple[str, ...]] = ()
    DEFAULT_CLASSES = "panel"

    def __init__(self, desk: Desk, title: str, options: dict[str, Any] | None = None) -> None:
        super().__init__(id=f"panel-{self.kind}")
        self.desk = desk
        self.options = dict(options or {})
        self.border_title = title

    def on_mount(self) -> None:
        self.run_reload()

    _reloading = False  # a reload is under way
    _again = False  # and something asked for another while it was

    def run_reload(self) -> None:
        """Reload now or, while a reload is under way, once more when it is done.

        A reload under way is never cancelled: with a fetch of ~10 ms and a few events per order,
        cancelling on each event kept restarting it (half the fetches were thrown away), and a
        steady stream of events faster than one fetch would have starved the panel. Requests that
        come while one runs are folded into a single reload after it, so the last one shown is
        never older than the last event.
        """
        if self._reloading:
            self._again = True
            return
        self._reloading = True
        self._safe_reload()

    @work(group="reload", exit_on_error=False)
    async def _safe_reload(self) -> None:
        try:
            again = True
            while again:
                self._again = False
                try:
                    await self.reload()
                except ApiError as error:
                    self.border_subtitle = f"⚠ {error.message}"
                again = self._again
        finally:
            self._reloading = False

    async def reload(self) -> None:
        """Fetch what the panel shows."""

    def wants(self, event_type: str) -> bool:
        return any(event_type.startswith(prefix) for prefix in self.EVENTS)

    def handle_event(self, frame: dict[str, Any]) -> None:
        if self.wants(str(frame.get("type", ""))):
            self.run_reload()

    def quotes_changed(self) -> None:
        """New quotes are in ``desk.quotes``."""

    def selection_changed(self) -> None:
        """``desk.conid`` changed."""

    def conids(self) -> set[int]:
        """Instruments this panel wants quoted every tick."""
        return set()
