"""An execution: one fill of one order as it is reported to the user and booked in the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gatehouse.domain.trading.orders import Side


@dataclass(frozen=True, slots=True)
class Execution:
    """A trade report (IBKR ``iserver/account/trades``): ``quantity`` is positive."""

    execution_id: str
    order_id: str
    account_id: str
    conid: int
    side: Side
    quantity: Decimal
    price: Decimal
    commission: Decimal
    at: datetime
    client_order_id: str | None = None

    @property
    def value(self) -> Decimal:
        """Shares times price, unsigned."""
        return self.quantity * self.price

    @property
    def net_amount(self) -> Decimal:
        """The cash effect: -(cost + commission) for a buy, proceeds - commission for a sell."""
        return -self.side.sign * self.value - self.commission
