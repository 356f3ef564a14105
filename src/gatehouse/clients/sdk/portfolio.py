"""Accounts, funding and the portfolio through the SDK (IBKR's shapes, docs/brokerage.md).

The answers are IBKR's wide payloads, returned as dicts; the keys are in docs/brokerage.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gatehouse.clients.sdk.transport import Transport

Amount = int | float | str | Decimal


def _amount(value: Amount) -> int | float | str:
    return str(value) if isinstance(value, Decimal) else value


class Accounts:
    """The session's accounts (one per environment), funding and paper resets."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def all(self) -> list[dict[str, Any]]:
        """``portfolio/accounts``: ``[{id, accountId, type, currency, ...}]``."""
        return list(await self._t.request("GET", "/portfolio/accounts"))

    async def ids(self) -> list[str]:
        """The account ids this session may use."""
        body = await self._t.request("GET", "/iserver/accounts")
        return [str(a) for a in body.get("accounts", [])]

    async def iserver(self) -> dict[str, Any]:
        """``iserver/accounts``: ``{accounts, acctProps, aliases, selectedAccount, ...}``."""
        body: dict[str, Any] = await self._t.request("GET", "/iserver/accounts")
        return body

    async def select(self, account: str) -> dict[str, Any]:
        """``POST iserver/account``: switch to ``account`` (the session has one)."""
        body: dict[str, Any] = await self._t.request(
            "POST", "/iserver/account", json={"acctId": account}
        )
        return body

    async def deposit(self, account: str, amount: Amount) -> dict[str, Any]:
        body: dict[str, Any] = await self._t.request(
            "POST", f"/accounts/{account}/deposits", json={"amount": _amount(amount)}
        )
        return body

    async def withdraw(self, account: str, amount: Amount) -> dict[str, Any]:
        body: dict[str, Any] = await self._t.request(
            "POST", f"/accounts/{account}/withdrawals", json={"amount": _amount(amount)}
        )
        return body

    async def transactions(self, account: str) -> dict[str, Any]:
        """``{account_id, cash, entries: [...], transfers: [...]}``."""
        body: dict[str, Any] = await self._t.request("GET", f"/accounts/{account}/transactions")
        return body

    async def reset(
        self, account: str, *, cash: Amount | None = None, account_type: str | None = None
    ) -> dict[str, Any]:
        """Reset a paper account (optionally its cash and ``cash``/``margin`` type)."""
        chosen: dict[str, Any] = {}
        if cash is not None:
            chosen["cash"] = _amount(cash)
        if account_type is not None:
            chosen["account_type"] = account_type
        body: dict[str, Any] = await self._t.request(
            "POST", f"/accounts/{account}/reset", json=chosen
        )
        return body


class Portfolio:
    """Summary, ledger, positions, allocation and P&L of an account."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def _get(self, path: str, **params: str | int | None) -> Any:
        return await self._t.request("GET", path, params=params or None)

    async def summary(self, account: str) -> dict[str, Any]:
        """``portfolio/{acct}/summary``: ``{netliquidation: {amount, ...}, ...}``."""
        body: dict[str, Any] = await self._get(f"/portfolio/{account}/summary")
        return body

    async def account_summary(self, account: str) -> dict[str, Any]:
        """``iserver/account/{acct}/summary``: ``{balance, buyingPower, availableFunds, ...}``."""
        body: dict[str, Any] = await self._get(f"/iserver/account/{account}/summary")
        return body

    async def ledger(self, account: str) -> dict[str, Any]:
        """``{"BASE": {...}, "USD": {cashbalance, netliquidationvalue, ...}}``."""
        body: dict[str, Any] = await self._get(f"/portfolio/{account}/ledger")
        return body

    async def positions(
        self, account: str, page: int = 0, *, sort: str | None = None, descending: bool = False
    ) -> list[dict[str, Any]]:
        """One page (100) of positions, by ticker unless ``sort`` names a field."""
        direction = "d" if descending else None
        found = await self._get(
            f"/portfolio/{account}/positions/{page}", sort=sort, direction=direction
        )
        return list(found)

    async def position(self, account: str, conid: int) -> dict[str, Any] | None:
        """The position in one contract, or None when not held."""
        found = await self._get(f"/portfolio/{account}/position/{conid}")
        return dict(found[0]) if found else None

    async def invalidate(self, account: str) -> None:
        """Drop the server's cached positions of the account."""
        await self._t.request("POST", f"/portfolio/{account}/positions/invalidate")

    async def allocation(self, account: str) -> dict[str, Any]:
        body: dict[str, Any] = await self._get(f"/portfolio/{account}/allocation")
        return body

    async def pnl(self) -> dict[str, Any]:
        """``{"upnl": {"<acct>.Core": {dpl, nl, upl, mv, ...}}}`` (IBKR's partitioned P&L)."""
        body: dict[str, Any] = await self._get("/iserver/account/pnl/partitioned")
        return body
