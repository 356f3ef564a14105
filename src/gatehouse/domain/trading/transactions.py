"""What a customer sees as a transaction: a trade, a deposit or a withdrawal, one definition.

``net_amount`` is the signed cash effect, commission included (a buy is negative, a sale's
proceeds less commission positive, a deposit positive, a withdrawal negative). The trade
date is the date in New York (the exchange's time zone) of the moment it happened; pages,
the assistant and statements all show this date and name the time zone of the time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.ledger import CashEntry, CashEntryKind

EXCHANGE_TIMEZONE = "America/New_York"
TIMEZONE_LABEL = "ET"
_ZONE = ZoneInfo(EXCHANGE_TIMEZONE)
_ZERO = Decimal(0)


class TransactionKind(StrEnum):
    TRADE = "trade"
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"


def trade_date(at: datetime) -> date:
    """The one trade-date rule: the calendar date in New York."""
    return at.astimezone(_ZONE).date()


def local_time(at: datetime) -> datetime:
    """``at`` in the exchange's time zone (shown with :data:`TIMEZONE_LABEL`)."""
    return at.astimezone(_ZONE)


@dataclass(frozen=True, slots=True)
class Transaction:
    kind: TransactionKind
    reference: str  # the execution id, or a journal reference for a transfer
    at: datetime
    description: str
    net_amount: Decimal
    commission: Decimal = _ZERO
    conid: int | None = None
    symbol: str | None = None
    side: str | None = None  # "BUY" / "SELL" for a trade
    quantity: Decimal | None = None
    price: Decimal | None = None

    @property
    def trade_date(self) -> date:
        return trade_date(self.at)


def _symbol(conid: int) -> str:
    instrument = find_conid(conid)
    return instrument.symbol if instrument else str(conid)


def of_execution(execution: Execution) -> Transaction:
    symbol = _symbol(execution.conid)
    verb = "Bought" if execution.side.sign > 0 else "Sold"
    return Transaction(
        kind=TransactionKind.TRADE,
        reference=execution.execution_id,
        at=execution.at,
        description=f"{verb} {execution.quantity:f} {symbol} @ {execution.price:f}",
        net_amount=execution.net_amount,
        commission=execution.commission,
        conid=execution.conid,
        symbol=symbol,
        side=str(execution.side),
        quantity=execution.quantity,
        price=execution.price,
    )


def of_entry(entry: CashEntry) -> Transaction | None:
    """A deposit or withdrawal of the cash journal (other entries belong to trades)."""
    if entry.kind is CashEntryKind.DEPOSIT:
        kind = TransactionKind.DEPOSIT
    elif entry.kind is CashEntryKind.WITHDRAWAL:
        kind = TransactionKind.WITHDRAWAL
    else:
        return None
    return Transaction(
        kind=kind,
        reference=f"{kind.value}-{int(entry.at.timestamp() * 1_000_000)}",
        at=entry.at,
        description=entry.description,
        net_amount=entry.amount,
    )


def transactions(
    executions: Iterable[Execution], entries: Iterable[CashEntry]
) -> list[Transaction]:
    """Trades and transfers together, newest first."""
    found = [of_execution(e) for e in executions]
    found.extend(t for e in entries if (t := of_entry(e)) is not None)
    found.sort(key=lambda t: (t.at, t.reference), reverse=True)
    return found
