"""Account events: every synchronized change, numbered per user with no gaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(eq=False)
class AccountEvent:
    user_id: int
    seq: int
    type: str
    account: str
    at: datetime
    data: dict[str, object] = field(default_factory=dict)
    id: int | None = None

    def public(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "type": self.type,
            "account": self.account,
            "data": self.data,
            "at": self.at.isoformat(),
        }
