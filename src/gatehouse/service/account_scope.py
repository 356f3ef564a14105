"""Which brokerage accounts a session may see: its own environment's accounts, nothing else."""

from __future__ import annotations

from gatehouse.domain.errors import Forbidden
from gatehouse.service.sessions import Principal


def require_account(principal: Principal, account_id: str) -> str:
    """``account_id`` if this session owns it; ``Forbidden`` for anyone else's (or unknown)."""
    if account_id not in principal.account_ids:
        raise Forbidden("This session has no access to that account.")
    return account_id
