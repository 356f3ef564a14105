"""An order waiting for its confirmation questions to be answered (IBKR's reply loop).

``requests`` are the order tickets (several for a list of orders); ``questions`` are the
questions still to be answered, the first being the one this reply id asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.order_requests import OrderRequest
from gatehouse.domain.trading.questions import Question


@dataclass(kw_only=True)
class PendingReply:
    reply_id: str
    user_id: int
    account_id: str
    environment: Environment  # the session's, checked again when the order is placed
    requests: list[OrderRequest]
    questions: list[Question]
    created_at: datetime
    expires_at: datetime
    order_id: str | None = None  # the order being modified; None for new orders

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at
