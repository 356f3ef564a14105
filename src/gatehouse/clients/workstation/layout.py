"""Workspace layouts: which panels, in how many columns, as the JSON document the server's
layouts API stores (docs/market-data.md). Templates, validation, channel filtering."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

VERSION = 1
STATE_NAME = "workstation.state"  # the small document remembering the last used layout
RESERVED_PREFIX = "workstation."
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")

# kind -> title; the order is the order of the "add panel" menu
RELEASED = {
    "watchlist": "Watchlist",
    "quote": "Quote",
    "ticket": "Order ticket",
    "orders": "Live orders",
    "positions": "Positions",
    "account": "Account",
    "trades": "Trades",
    "alerts": "Alerts",
    "messages": "Messages",
    "activity": "Recent activity",
}
PREVIEW = {
    "ladder": "Depth ladder (preview)",
    "heatmap": "Movers heatmap (preview)",
}
TITLES = {**RELEASED, **PREVIEW}


class LayoutError(ValueError):
    """A layout document or name the Workstation cannot use."""


def valid_name(name: str) -> bool:
    return bool(NAME.match(name)) and not name.startswith(RESERVED_PREFIX)


@dataclass(frozen=True)
class PanelSpec:
    kind: str
    span: int = 1
    options: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": self.kind}
        if self.span != 1:
            found["span"] = self.span
        if self.options:
            found["options"] = dict(self.options)
        return found


@dataclass(frozen=True)
class Layout:
    name: str
    columns: int
    panels: tuple[PanelSpec, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "columns": self.columns,
            "panels": [panel.to_json() for panel in self.panels],
        }

    @classmethod
    def from_json(cls, name: str, document: Any) -> Layout:
        if not isinstance(document, dict) or not isinstance(document.get("panels"), list):
            raise LayoutError(f"The layout {name!r} is not a Workstation layout.")
        columns = document.get("columns", 3)
        if not isinstance(columns, int) or not 1 <= columns <= 4:
            raise LayoutError(f"The layout {name!r} has a bad column count.")
        panels = []
        seen = set()
        for item in document["panels"][:24]:
            if not isinstance(item, dict) or item.get("kind") not in TITLES:
                continue  # a panel from a newer Workstation: skip it, keep the rest
            if item["kind"] in seen:
                continue  # one panel of a kind
            seen.add(item["kind"])
            span = item.get("span", 1)
            options = item.get("options", {})
            panels.append(
                PanelSpec(
                    kind=str(item["kind"]),
                    span=span if isinstance(span, int) and 1 <= span <= columns else 1,
                    options=dict(options) if isinstance(options, dict) else {},
                )
            )
        return cls(name=name, columns=columns, panels=tuple(panels))

    def for_channel(self, channel: str) -> Layout:
        """On the stable channel the preview panels are left out."""
        if channel == "latest":
            return self
        kept = tuple(p for p in self.panels if p.kind in RELEASED)
        return Layout(self.name, self.columns, kept)

    def renamed(self, name: str) -> Layout:
        return Layout(name, self.columns, self.panels)

    def with_panels(self, panels: Iterable[PanelSpec]) -> Layout:
        return Layout(self.name, self.columns, tuple(panels))


def _panels(*kinds: str | tuple[str, int]) -> tuple[PanelSpec, ...]:
    return tuple(
        PanelSpec(kind) if isinstance(kind, str) else PanelSpec(kind[0], kind[1]) for kind in kinds
    )


TEMPLATES: dict[str, Layout] = {
    "Trading": Layout(
        "Trading",
        3,
        _panels("watchlist", "quote", "ticket", "orders", "positions", "account", "ladder"),
    ),
    "Monitor": Layout(
        "Monitor",
        3,
        _panels("account", "positions", "orders", "trades", "alerts", "activity", "heatmap"),
    ),
    "Research": Layout(
        "Research", 3, _panels("watchlist", ("quote", 2), "alerts", "messages", "activity")
    ),
}
DEFAULT = "Trading"


def template(name: str) -> Layout:
    """A fresh copy of a template (``Trading`` when ``name`` is not one)."""
    found = TEMPLATES.get(name, TEMPLATES[DEFAULT])
    return Layout(name if name in TEMPLATES else found.name, found.columns, found.panels)
