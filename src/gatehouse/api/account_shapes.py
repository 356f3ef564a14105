"""IBKR shapes of account-level reads beyond one account's portfolio: the consolidated
allocation of several accounts, and an account's signatures and owners."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gatehouse.api.portal_shapes import allocation
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading.portfolio import Holdings


def allocations(found: Sequence[Holdings]) -> dict[str, Any]:
    """``portfolio/allocation``: the allocations of several accounts, summed."""
    total: dict[str, Any] = {}
    for each in found:
        for dimension, sides in allocation(each).items():
            into = total.setdefault(dimension, {"long": {}, "short": {}})
            for side, values in sides.items():
                for name, value in values.items():
                    into[side][name] = round(into[side].get(name, 0.0) + value, 2)
    return total or {d: {"long": {}, "short": {}} for d in ("assetClass", "sector", "group")}


def signatures(principal: Principal, account_id: str) -> dict[str, Any]:
    """``acesws/{acct}/signatures-and-owners``: the account's one owner, who signs alone."""
    user = principal.user
    name = user.paper_username if account_id == user.paper_account_id else user.username
    return {
        "accountId": account_id,
        "users": [{"roleId": "OWNER", "hasRightCodeInd": True, "userName": name,
                   "entity": {"entityType": "INDIVIDUAL", "entityName": name}}],
        "applicant": {"signatures": [name]},
    }  # fmt: skip
