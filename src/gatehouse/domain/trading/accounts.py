"""Brokerage accounts: one live (``U…``) and one paper (``DU…``) account per user.

The account record carries what is not derived from the cash journal and the lots: its type,
the cash balance and realized total (kept so reads need no sums), and the previous-day ELV
taken at the last 16:00 ET close (IBKR's ``PreviousDayEquityWithLoanValue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.ledger import Book
from gatehouse.domain.trading.margin import AccountType, snapshot

BASE_CURRENCY = "USD"
_ZERO = Decimal(0)


@dataclass(kw_only=True)
class BrokerageAccount:
    account_id: str
    user_id: int
    environment: Environment
    account_type: AccountType
    created_at: datetime
    cash: Decimal = _ZERO
    realized_pnl: Decimal = _ZERO
    previous_day_elv: Decimal | None = None
    previous_day_at: datetime | None = None  # the close ``previous_day_elv`` was taken at
    currency: str = BASE_CURRENCY

    @property
    def is_paper(self) -> bool:
        return self.environment is Environment.PAPER


def environment_of(account_id: str) -> Environment:
    """Paper account ids start with ``D`` (``DU1234567``); live ones with ``U``."""
    return Environment.PAPER if account_id.startswith("D") else Environment.LIVE


def previous_day_elv(
    account: BrokerageAccount,
    book: Book,
    *,
    close: datetime,
    close_prices: Mapping[int, Decimal],
) -> Decimal | None:
    """ELV at ``close`` (the latest 16:00 ET close), for an account whose record is older.

    Every change to an account first rolls this value forward, so the book passed here is
    the book as it stood at ``close``. An account opened after ``close`` has no previous
    day (``None``: buying power then uses today's ELV).
    """
    if account.previous_day_at is not None and account.previous_day_at >= close:
        return account.previous_day_elv
    if account.created_at >= close:
        return None
    figures = snapshot(book, close_prices, account_type=account.account_type, previous_day_elv=None)
    return figures.equity_with_loan
