"""Ports of the market side: watchlist, alert and layout storage, statement data and documents.

Kept beside ``ports.py`` (whose ``UnitOfWork`` carries the three repositories) so this
area's contracts read in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from gatehouse.domain.lists.alerts import PriceAlert
from gatehouse.domain.lists.layouts import Layout
from gatehouse.domain.lists.watchlists import Watchlist


class WatchlistRepository(Protocol):
    async def add(self, watchlist: Watchlist) -> bool:
        """Store a new list; False (nothing stored) when the user already has that id."""
        ...

    async def get(self, user_id: int, list_id: str) -> Watchlist | None: ...
    async def for_user(self, user_id: int) -> Sequence[Watchlist]: ...
    async def count(self, user_id: int) -> int: ...
    async def replace(self, watchlist: Watchlist) -> bool:
        """Overwrite name and rows of an existing list; False when there is none."""
        ...

    async def remove(self, user_id: int, list_id: str) -> bool: ...


class AlertRepository(Protocol):
    async def add(self, alert: PriceAlert) -> None:
        """Store a new alert and set its ``id``."""
        ...

    async def get(self, user_id: int, alert_id: int) -> PriceAlert | None: ...
    async def for_user(self, user_id: int) -> Sequence[PriceAlert]: ...
    async def count_armed(self, user_id: int) -> int: ...
    async def armed(self, *, limit: int = 10_000) -> Sequence[PriceAlert]:
        """Every user's armed alerts (the ticker checks them against each tick)."""
        ...

    async def trigger(self, alert_id: int, *, at: datetime, price: Decimal) -> bool:
        """Mark an armed alert triggered; False when it already was (once only, race-free)."""
        ...

    async def remove(self, user_id: int, alert_id: int) -> bool: ...


class LayoutRepository(Protocol):
    async def get(self, user_id: int, name: str) -> Layout | None: ...
    async def for_user(self, user_id: int) -> Sequence[Layout]: ...
    async def count(self, user_id: int) -> int: ...
    async def save(self, layout: Layout) -> bool:
        """Insert or overwrite the user's layout of that name; True when it is new."""
        ...

    async def remove(self, user_id: int, name: str) -> bool: ...
