"""Deposits and withdrawals: transfers that are pending until they settle, and what may leave.

A withdrawal takes the cash at once (it is held while pending); a deposit adds cash only
when it settles. Cash an account may withdraw: a cash account, its cash less what its
working buy orders reserve; a margin account, no more than its cash nor its available funds
(a withdrawal never borrows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.ledger import Book
from gatehouse.domain.trading.margin import AccountType, MarginSnapshot
from gatehouse.domain.trading.orders import Order
from gatehouse.domain.trading.pretrade import reserved_cash

MAX_TRANSFER = Decimal(10_000_000)
_ZERO = Decimal(0)


class TransferKind(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"


class TransferStatus(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"


@dataclass(kw_only=True)
class Transfer:
    transfer_id: str
    account_id: str
    kind: TransferKind
    amount: Decimal
    status: TransferStatus
    created_at: datetime
    settles_at: datetime
    settled_at: datetime | None = None

    def is_due(self, now: datetime) -> bool:
        return self.status is TransferStatus.PENDING and now >= self.settles_at


def parse_amount(value: object) -> Decimal:
    """A transfer amount from JSON (a string or a number): positive, cents, at most 10M."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput('The amount must be a number like 2500 or "2500.50".', field="amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(
            'The amount must be a number like 2500 or "2500.50".', field="amount"
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("The amount must be greater than 0.", field="amount")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidInput("The amount may have at most 2 decimal places (cents).", field="amount")
    if amount > MAX_TRANSFER:
        raise InvalidInput(f"At most {MAX_TRANSFER:,} USD per transfer.", field="amount")
    return amount


def withdrawable(
    book: Book,
    *,
    account_type: AccountType,
    figures: MarginSnapshot,
    open_orders: Sequence[Order],
    prices: Mapping[int, Decimal],
) -> Decimal:
    """The most that may be withdrawn now (never negative)."""
    cash = book.cash - reserved_cash(open_orders, prices=prices)
    if account_type is AccountType.MARGIN:
        cash = min(book.cash, figures.available_funds)
    return max(cash, _ZERO)
