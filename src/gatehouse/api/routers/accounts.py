"""Brokerage accounts: IBKR's ``iserver/accounts`` and account switch, ``portfolio/accounts``
and ``portfolio/subaccounts``; and Gatehouse's own funding JSON — deposits, withdrawals,
transactions, recent activity and paper resets (also ``/funding/transfers`` for the pages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import Field, StrictFloat, StrictInt, StrictStr

from gatehouse.api import portal_shapes as shapes
from gatehouse.api.auth import Ctx, CurrentPrincipal, TradingPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.transactions import EXCHANGE_TIMEZONE
from gatehouse.service.trading import accounts, funding, history
from gatehouse.service.trading.views import transaction_view, transfer_view

router = APIRouter(route_class=LeanRoute, tags=["accounts"])
Amount = StrictStr | StrictInt | StrictFloat


class SwitchBody(Body):
    acctId: StrictStr = Field(max_length=16)


class AmountBody(Body):
    amount: Amount
    currency: StrictStr = Field(default="USD", max_length=3)


class TransferBody(AmountBody):
    direction: StrictStr = Field(max_length=12)  # deposit | withdraw
    accountId: StrictStr | None = Field(default=None, max_length=16)


class ResetBody(Body):
    cash: Amount | None = None
    account_type: StrictStr | None = Field(default=None, max_length=8)


def _usd(currency: str) -> None:
    if currency.upper() != "USD":
        raise InvalidInput("Gatehouse accounts hold USD only.", field="currency")


@router.get("/iserver/accounts")
async def iserver_accounts(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    await accounts.for_session(ctx, principal)
    return shapes.iserver_accounts(principal)


@router.post("/iserver/account")
async def switch(body: SwitchBody, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return {"set": True, "acctId": await accounts.select(ctx, principal, body.acctId)}


@router.get("/portfolio/accounts")
@router.get("/portfolio/subaccounts")
async def portfolio_accounts(principal: CurrentPrincipal, ctx: Ctx) -> list[dict[str, Any]]:
    found = await accounts.for_session(ctx, principal)
    return [shapes.portfolio_account(principal, a) for a in found]


@router.get("/portfolio/subaccounts2")
async def subaccounts_paged(
    principal: CurrentPrincipal, ctx: Ctx, page: int = Query(default=0, ge=0, le=1000)
) -> dict[str, Any]:
    """The large-account form of ``portfolio/subaccounts``: 100 a page, with ``metadata``."""
    found = [
        shapes.portfolio_account(principal, a) for a in await accounts.for_session(ctx, principal)
    ]
    rows = found[page * 100 : (page + 1) * 100]
    return {"metadata": {"total": len(found), "pageSize": 100, "pageNume": page},
            "subaccounts": rows}  # fmt: skip


@router.post("/accounts/{account_id}/deposits", status_code=201)
async def deposit(
    account_id: str, body: AmountBody, principal: TradingPrincipal, ctx: Ctx
) -> dict[str, object]:
    _usd(body.currency)
    return transfer_view(await funding.deposit(ctx, principal, account_id, body.amount))


@router.post("/accounts/{account_id}/withdrawals", status_code=201)
async def withdrawal(
    account_id: str, body: AmountBody, principal: TradingPrincipal, ctx: Ctx
) -> dict[str, object]:
    _usd(body.currency)
    return transfer_view(await funding.withdraw(ctx, principal, account_id, body.amount))


@router.get("/accounts/{account_id}/transactions")
async def transactions(account_id: str, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    found = await funding.transactions(ctx, principal, account_id)
    return {
        "account_id": found.account.account_id,
        "cash": str(found.account.cash),
        "entries": [
            {
                "kind": e.kind.value,
                "amount": str(e.amount),
                "at": e.at.isoformat(),
                "description": e.description,
                "conid": e.conid,
            }
            for e in found.entries
        ],
        "transfers": [transfer_view(t) for t in found.transfers],
    }


@router.get("/accounts/{account_id}/activity")
async def activity(
    account_id: str,
    principal: CurrentPrincipal,
    ctx: Ctx,
    days: str = Query(default="7", max_length=3),
) -> dict[str, Any]:
    """Recent transactions: trades (net of commission) and transfers, newest first."""
    if not days.isdigit() or not 1 <= int(days) <= history.MAX_DAYS:
        raise InvalidInput(f"'days' must be a whole number from 1 to {history.MAX_DAYS}.")
    found = await history.recent(ctx, principal, account_id, days=int(days))
    return {
        "account_id": accounts.owned(principal, account_id),
        "timezone": EXCHANGE_TIMEZONE,
        "transactions": [transaction_view(t) for t in found],
    }


@router.post("/accounts/{account_id}/reset")
async def reset(
    account_id: str, principal: TradingPrincipal, ctx: Ctx, body: ResetBody | None = None
) -> dict[str, Any]:
    chosen = body or ResetBody()
    account = await funding.reset(
        ctx, principal, account_id, cash=chosen.cash, account_type=chosen.account_type
    )
    return {
        "account_id": account.account_id,
        "account_type": account.account_type.value,
        "cash": str(account.cash),
    }


@router.get("/funding/transfers")
async def list_transfers(
    principal: CurrentPrincipal,
    ctx: Ctx,
    account_id: str | None = Query(default=None, alias="accountId", max_length=16),
) -> dict[str, Any]:
    found = await funding.transactions(ctx, principal, account_id)
    return {"transfers": [transfer_view(t) for t in found.transfers]}


@router.post("/funding/transfers", status_code=201)
async def create_transfer(
    body: TransferBody, principal: TradingPrincipal, ctx: Ctx
) -> dict[str, object]:
    _usd(body.currency)
    account_id = accounts.owned(principal, body.accountId)
    direction = body.direction.strip().lower()
    if direction == "deposit":
        done = await funding.deposit(ctx, principal, account_id, body.amount)
    elif direction in ("withdraw", "withdrawal"):
        done = await funding.withdraw(ctx, principal, account_id, body.amount)
    else:
        raise InvalidInput("'direction' must be deposit or withdraw.", field="direction")
    return transfer_view(done)
