"""Deposits, withdrawals, the transaction history, and resetting a paper account.

A deposit is pending until it settles (after ``settlement_seconds``; with 0, at the
matching engine's next step) and only then adds cash. A withdrawal takes the cash at once
— never more than the account may withdraw — and settles the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from gatehouse.domain.errors import InsufficientFunds, InvalidInput, PaperOnly
from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.accounts import BrokerageAccount, environment_of
from gatehouse.domain.trading.funding import (
    Transfer,
    TransferKind,
    TransferStatus,
    parse_amount,
    withdrawable,
)
from gatehouse.domain.trading.ledger import Book, CashEntry, CashEntryKind
from gatehouse.domain.trading.ledger import withdraw as take_cash
from gatehouse.domain.trading.margin import AccountType, snapshot
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading import account_events as ev
from gatehouse.service.trading import views
from gatehouse.service.trading.accounts import owned
from gatehouse.service.trading.workspace import Workspace, open_account


@dataclass(frozen=True)
class Transactions:
    account: BrokerageAccount
    entries: list[CashEntry]
    transfers: list[Transfer]


def _new_transfer(ws: Workspace, kind: TransferKind, amount: Decimal) -> Transfer:
    delay = timedelta(seconds=ws.ctx.trading.settlement_seconds)
    return Transfer(
        transfer_id="T" + ws.ctx.tokens.token_bytes(8).hex(),
        account_id=ws.account_id,
        kind=kind,
        amount=amount,
        status=TransferStatus.PENDING,
        created_at=ws.now,
        settles_at=ws.now + delay,
    )


async def _transfer(
    ctx: ServiceContext, principal: Principal, account_id: str, kind: TransferKind, raw: object
) -> Transfer:
    account_id = owned(principal, account_id)
    amount = parse_amount(raw)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        ws = await open_account(ctx, uow, account_id, now=now, user=principal.user)
        assert ws is not None
        transfer = _new_transfer(ws, kind, amount)
        if kind is TransferKind.WITHDRAWAL:
            prices = ws.prices()
            limit = withdrawable(
                ws.book,
                account_type=ws.account.account_type,
                figures=ws.figures(prices),
                open_orders=ws.working_orders(),
                prices=prices,
            )
            if amount > limit:
                raise InsufficientFunds(
                    f"You can withdraw at most {limit:,.2f} USD from {account_id} now.",
                    requested=str(amount),
                    available=str(limit),
                )
            take_cash(ws.book, amount, at=now, description=f"Withdrawal {transfer.transfer_id}")
        await uow.transfers.add(transfer)
        ws.event(ev.TRANSFER_CREATED, views.transfer_view(transfer))
        await ws.save()
        await uow.commit()
    return transfer


async def deposit(
    ctx: ServiceContext, principal: Principal, account_id: str, amount: object
) -> Transfer:
    return await _transfer(ctx, principal, account_id, TransferKind.DEPOSIT, amount)


async def withdraw(
    ctx: ServiceContext, principal: Principal, account_id: str, amount: object
) -> Transfer:
    return await _transfer(ctx, principal, account_id, TransferKind.WITHDRAWAL, amount)


async def transactions(
    ctx: ServiceContext, principal: Principal, account_id: str | None, *, limit: int = 500
) -> Transactions:
    """The cash journal (oldest first) and the transfers (newest first)."""
    account_id = owned(principal, account_id)
    async with ctx.uow() as uow:
        ws = await open_account(
            ctx, uow, account_id, now=ctx.clock.now(), user=principal.user, lock=False
        )
        assert ws is not None
        await uow.commit()
        entries = await uow.brokerage.entries(account_id, limit=limit)
        transfers = await uow.transfers.for_account(account_id, limit=limit)
    return Transactions(ws.account, entries, transfers)


def _reset_cash(raw: object, default: Decimal) -> Decimal:
    return default if raw is None else parse_amount(raw)


async def reset(
    ctx: ServiceContext,
    principal: Principal,
    account_id: str,
    *,
    cash: object = None,
    account_type: str | None = None,
) -> BrokerageAccount:
    """Start a paper account afresh: no orders, trades, positions or history; ``cash``
    (default ``paper_starting_cash``) as a deposit; optionally another account type."""
    account_id = owned(principal, account_id)
    if environment_of(account_id) is not Environment.PAPER:
        raise PaperOnly(f"Only paper accounts can be reset; {account_id} is a live account.")
    start = _reset_cash(cash, ctx.trading.paper_starting_cash)
    kind: AccountType | None = None
    if account_type is not None:
        if account_type not in AccountType.__members__.values():
            raise InvalidInput("'account_type' must be cash or margin.", field="account_type")
        kind = AccountType(account_type)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        ws = await open_account(ctx, uow, account_id, now=now, user=principal.user)
        assert ws is not None
        account = ws.account
        await uow.brokerage.wipe(account_id)
        account.cash = start
        account.realized_pnl = Decimal(0)
        account.account_type = kind or account.account_type
        account.previous_day_elv = None
        account.previous_day_at = ctx.calendar.previous_close(now)
        await uow.brokerage.save(account)
        entry = CashEntry(CashEntryKind.DEPOSIT, start, now, "Paper account reset")
        await uow.brokerage.add_entries(account_id, [entry])
        figures = snapshot(
            Book(cash=start), {}, account_type=account.account_type, previous_day_elv=None
        )
        opened: dict[str, object] = {
            "account_type": account.account_type.value,
            "environment": account.environment.value,
            "cash": str(start),
        }
        changes: list[tuple[str, dict[str, object]]] = [
            (ev.ACCOUNT_RESET, opened),
            (ev.BALANCE_CHANGED, views.balance_view(account_id, figures)),
        ]
        for type, data in changes:
            await ev.record(
                uow, user_id=account.user_id, type=type, account=account_id, data=data, at=now
            )
        await uow.commit()
    return account
