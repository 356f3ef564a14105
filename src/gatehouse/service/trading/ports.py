"""Ports of the brokerage core: accounts and their books, orders and executions, transfers.

Kept beside ``ports.py`` (whose ``UnitOfWork`` carries these repositories as ``brokerage``,
``orders`` and ``transfers``) so the trading storage contract reads in one place.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from gatehouse.domain.trading.accounts import BrokerageAccount
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.funding import Transfer
from gatehouse.domain.trading.ledger import CashEntry, Lot, RealizedLot
from gatehouse.domain.trading.orders import Order
from gatehouse.domain.trading.performance import NavSnapshot
from gatehouse.domain.trading.quotes import Bar, BookLevel, Quote
from gatehouse.domain.trading.replies import PendingReply
from gatehouse.domain.trading.statements import ActivityStatement, GainTotals, RealizedGain


@dataclass
class TrackedOrder:
    """A working order and the quote tick it was last matched against (``None``: never).

    Matching once per tick makes the engine idempotent: two nodes that both reach an
    account in the same tick cannot take the same displayed size twice.
    """

    order: Order
    matched_at: datetime | None = None


class BrokerageRepository(Protocol):
    """Accounts, their open and realized lots, and their cash journal."""

    async def account(self, account_id: str) -> BrokerageAccount | None: ...
    async def lock(self, account_id: str, *, skip_locked: bool = False) -> BrokerageAccount | None:
        """The account, locked until the transaction ends; ``None`` if it does not exist,
        or (``skip_locked``) if another transaction holds it."""
        ...

    async def for_user(self, user_id: int) -> Sequence[BrokerageAccount]: ...
    async def open(self, account: BrokerageAccount) -> bool:
        """Insert the account unless it exists; True when this call created it."""
        ...

    async def save(self, account: BrokerageAccount) -> None: ...
    async def lots(self, account_id: str) -> dict[int, list[Lot]]:
        """Open lots by conid, oldest first."""
        ...

    async def replace_lots(self, account_id: str, conid: int, lots: Sequence[Lot]) -> None: ...
    async def add_realized(self, account_id: str, lots: Sequence[RealizedLot]) -> None: ...
    async def realized(
        self, account_id: str, *, conids: Collection[int] | None = None
    ) -> list[RealizedLot]: ...
    async def add_entries(self, account_id: str, entries: Sequence[CashEntry]) -> None: ...
    async def entries(self, account_id: str, *, limit: int = 500) -> list[CashEntry]:
        """The newest ``limit`` cash entries, oldest first."""
        ...

    async def with_work(self, now: datetime) -> list[str]:
        """Accounts with working orders or transfers due to settle."""
        ...

    async def wipe(self, account_id: str) -> None:
        """Forget the account's orders, executions, lots, journal, transfers and replies."""
        ...


class OrderRepository(Protocol):
    """Orders, executions, and the confirmation loop's pending replies and suppressions."""

    async def add(self, order: Order, *, matched_at: datetime | None = None) -> None: ...
    async def save(self, order: Order, *, matched_at: datetime | None = None) -> None:
        """Write the order's progress (and ``matched_at`` when given)."""
        ...

    async def working(self, account_id: str) -> list[TrackedOrder]: ...
    async def get(self, order_id: str, *, account_ids: Collection[str]) -> Order | None: ...
    async def recent(self, account_ids: Collection[str], *, since: datetime) -> list[Order]:
        """Working orders, and the others updated at or after ``since``; newest first."""
        ...

    async def client_id_taken(self, account_id: str, client_order_id: str) -> bool: ...
    async def add_execution(self, execution: Execution) -> None: ...
    async def executions(self, account_ids: Collection[str], *, since: datetime) -> list[Execution]:
        """Executions at or after ``since``, newest first."""
        ...

    async def add_reply(self, reply: PendingReply) -> None: ...
    async def take_reply(self, reply_id: str, *, user_id: int) -> PendingReply | None:
        """The user's pending reply, deleted as it is read: each is answered at most once."""
        ...

    async def prune_replies(self, *, before: datetime) -> int: ...
    async def suppressed(self, user_id: int) -> set[str]: ...
    async def suppress(self, user_id: int, message_ids: Collection[str]) -> None: ...
    async def unsuppress_all(self, user_id: int) -> None: ...


class TransferRepository(Protocol):
    async def add(self, transfer: Transfer) -> None: ...
    async def save(self, transfer: Transfer) -> None: ...
    async def due(self, account_id: str, now: datetime) -> list[Transfer]: ...
    async def for_account(self, account_id: str, *, limit: int = 200) -> list[Transfer]:
        """Newest first."""
        ...


class MarketData(Protocol):
    """Quotes and bars for instruments (the built-in simulator, or a venue's feed)."""

    def quote(self, conid: int, at: datetime) -> Quote: ...
    def quotes(self, at: datetime, conids: Iterable[int] | None = None) -> dict[int, Quote]: ...
    def prices(self, at: datetime) -> dict[int, Decimal]: ...
    def history(self, conid: int, *, end: datetime, bar_seconds: int, count: int) -> list[Bar]: ...
    def next_tick(self, at: datetime) -> datetime: ...
    def book(self, conid: int, at: datetime, *, levels: int = 5) -> list[BookLevel]: ...
    def currencies(self) -> list[str]: ...
    def fx_rate(self, source: str, target: str, at: datetime) -> Decimal: ...


class StatementRecords(Protocol):
    """An account's booked history, as the trading core stores it (read-only)."""

    async def realized_lots(self, account_id: str) -> Sequence[RealizedLot]: ...
    async def cash_entries(self, account_id: str) -> Sequence[CashEntry]: ...
    async def executions(
        self, account_id: str, *, start: datetime, end: datetime
    ) -> Sequence[Execution]:
        """Executions from ``start`` (inclusive) to ``end`` (exclusive)."""
        ...


class StatementDocuments(Protocol):
    """Renders statements as printable documents (PDF bytes)."""

    def realized_pdf(
        self,
        gains: Sequence[RealizedGain],
        totals: GainTotals,
        *,
        account_id: str,
        year: int,
        generated_at: datetime,
    ) -> bytes: ...

    def activity_pdf(
        self,
        statement: ActivityStatement,
        *,
        account_id: str,
        generated_at: datetime,
    ) -> bytes: ...


class NavHistoryRepository(Protocol):
    """The daily NAV snapshots of accounts (portfolio analyst)."""

    async def record(self, snapshot: NavSnapshot, *, at: datetime) -> None:
        """Insert or replace the account's snapshot of that day."""
        ...

    async def history(self, account_id: str, *, since: date) -> list[NavSnapshot]:
        """Snapshots from ``since`` (inclusive), oldest first."""
        ...

    async def before(self, account_id: str, day: date) -> NavSnapshot | None:
        """The latest snapshot strictly before ``day``."""
        ...

    async def account_ids(self) -> list[str]:
        """Every brokerage account (the close job snapshots them all)."""
        ...
