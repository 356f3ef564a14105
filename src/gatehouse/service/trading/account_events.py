"""The one way the brokerage core records a change that sync broadcasts.

Every change to an account is written with an event in the same transaction (DESIGN.md §6).
Types and their ``data`` (IBKR field names where an IBKR topic carries them):

- ``account.opened`` / ``account.reset``: ``{account_type, environment, cash}``
- ``order.submitted`` / ``order.updated`` / ``order.filled`` / ``order.cancelled`` /
  ``order.expired`` / ``order.rejected``: the IBKR live-order object (``views.order_view``)
- ``execution.created``: the IBKR trade object (``views.trade_view``)
- ``position.changed``: the IBKR position object (``views.position_view``)
- ``balance.changed``: the summary figures as exact decimal strings (``views.balance_view``)
- ``transfer.created`` / ``transfer.settled``: ``views.transfer_view``
- ``questions.suppressed`` / ``questions.reset``: ``{message_ids}``
"""

from __future__ import annotations

from datetime import datetime

from gatehouse.domain.sync.events import AccountEvent
from gatehouse.service.ports import UnitOfWork

ACCOUNT_OPENED = "account.opened"
ACCOUNT_RESET = "account.reset"
ORDER_SUBMITTED = "order.submitted"
ORDER_UPDATED = "order.updated"
ORDER_FILLED = "order.filled"
ORDER_CANCELLED = "order.cancelled"
ORDER_EXPIRED = "order.expired"
ORDER_REJECTED = "order.rejected"
EXECUTION_CREATED = "execution.created"
POSITION_CHANGED = "position.changed"
BALANCE_CHANGED = "balance.changed"
TRANSFER_CREATED = "transfer.created"
TRANSFER_SETTLED = "transfer.settled"
QUESTIONS_SUPPRESSED = "questions.suppressed"
QUESTIONS_RESET = "questions.reset"


async def record(
    uow: UnitOfWork,
    *,
    user_id: int,
    type: str,
    account: str,
    data: dict[str, object],
    at: datetime,
) -> AccountEvent:
    """Append one account event to the user's log inside ``uow``'s transaction."""
    return await uow.events.append(user_id=user_id, type=type, account=account, data=data, at=at)
