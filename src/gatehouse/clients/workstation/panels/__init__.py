"""The Workstation's panels, one module per family; ``build`` makes one from its kind."""

from __future__ import annotations

from typing import Any

from gatehouse.clients.workstation.desk import Desk, Panel
from gatehouse.clients.workstation.layout import TITLES
from gatehouse.clients.workstation.panels.account import AccountPanel
from gatehouse.clients.workstation.panels.preview import HeatmapPanel, LadderPanel
from gatehouse.clients.workstation.panels.quote import QuotePanel
from gatehouse.clients.workstation.panels.tables import (
    ActivityPanel,
    AlertsPanel,
    MessagesPanel,
    OrdersPanel,
    PositionsPanel,
    TradesPanel,
)
from gatehouse.clients.workstation.panels.ticket import TicketPanel
from gatehouse.clients.workstation.panels.watchlist import WatchlistPanel

KINDS: dict[str, type[Panel]] = {
    panel.kind: panel
    for panel in (
        WatchlistPanel,
        QuotePanel,
        TicketPanel,
        OrdersPanel,
        PositionsPanel,
        AccountPanel,
        TradesPanel,
        AlertsPanel,
        MessagesPanel,
        ActivityPanel,
        LadderPanel,
        HeatmapPanel,
    )
}


def build(kind: str, desk: Desk, options: dict[str, Any] | None = None) -> Panel:
    return KINDS[kind](desk, TITLES[kind], options)
