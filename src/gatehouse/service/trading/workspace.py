"""One account opened for a change: loaded and locked, changed by the domain rules, saved.

``open_account`` locks the account row (the order of locks is always account, then the
user's event counter), loads its book and working orders, rolls the previous-day ELV
forward and settles transfers that are due. Use cases then change ``book`` and the orders
with the domain functions; ``save`` writes back only what changed and records one event
for each change — order transitions, executions, positions, balances — through
``account_events.record``, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from gatehouse.domain.errors import NotFound
from gatehouse.domain.identity.users import Environment, User
from gatehouse.domain.trading.accounts import BrokerageAccount, previous_day_elv
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.funding import TransferKind, TransferStatus
from gatehouse.domain.trading.ledger import Book, CashEntry, CashEntryKind, Lot, deposit
from gatehouse.domain.trading.margin import MarginSnapshot, snapshot
from gatehouse.domain.trading.orders import Order, OrderStatus
from gatehouse.domain.trading.pretrade import AccountState
from gatehouse.service.context import ServiceContext
from gatehouse.service.ports import UnitOfWork
from gatehouse.service.trading import account_events as ev
from gatehouse.service.trading import views
from gatehouse.service.trading.ports import TrackedOrder

_ZERO = Decimal(0)
_TERMINAL_EVENTS = {
    OrderStatus.FILLED: ev.ORDER_FILLED,
    OrderStatus.CANCELLED: ev.ORDER_CANCELLED,
    OrderStatus.INACTIVE: ev.ORDER_REJECTED,
}


def _mark(order: Order) -> tuple[object, ...]:
    return (
        order.status,
        order.filled_quantity,
        order.quantity,
        order.limit_price,
        order.stop_price,
        order.tif,
        order.stop_triggered,
    )


def marks(ctx: ServiceContext, conids: Iterable[int], at: datetime) -> dict[int, Decimal]:
    """The prices positions are valued at (each quote's mark) for ``conids`` at ``at``."""
    return {conid: ctx.quotes.quote(conid, at).mark for conid in conids}


@dataclass
class Workspace:
    ctx: ServiceContext
    uow: UnitOfWork
    account: BrokerageAccount
    book: Book
    tracked: dict[str, TrackedOrder]
    now: datetime
    executions: list[Execution] = field(default_factory=list)
    expired: set[str] = field(default_factory=set)
    touched: dict[str, datetime] = field(default_factory=dict)  # order id -> quote tick matched
    _new: dict[str, dict[str, object]] = field(default_factory=dict)
    _events: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    _lots: dict[int, list[Lot]] = field(default_factory=dict)
    _orders: dict[str, tuple[object, ...]] = field(default_factory=dict)
    _account_row: tuple[object, ...] = ()
    _realized_total: Decimal = _ZERO

    def __post_init__(self) -> None:
        self._lots = {conid: list(lots) for conid, lots in self.book.lots.items()}
        self._orders = {oid: _mark(t.order) for oid, t in self.tracked.items()}
        self._account_row = self._row()
        self._realized_total = self.account.realized_pnl

    @property
    def account_id(self) -> str:
        return self.account.account_id

    def _row(self) -> tuple[object, ...]:
        a = self.account
        return (a.account_type, a.cash, a.realized_pnl, a.previous_day_elv, a.previous_day_at)

    # --- reading ---------------------------------------------------------------------------
    def working(self) -> list[TrackedOrder]:
        return [t for t in self.tracked.values() if t.order.is_active]

    def working_orders(self) -> list[Order]:
        return [t.order for t in self.working()]

    def prices(self) -> dict[int, Decimal]:
        return marks(self.ctx, self.book.positions(), self.now)

    def state(self, session_environment: Environment) -> AccountState:
        """What the pre-trade checks need (``session_environment`` is checked against it)."""
        return AccountState(
            account_id=self.account_id,
            account_type=self.account.account_type,
            environment=self.account.environment,
            book=self.book,
            prices=self.prices(),
            open_orders=self.working_orders(),
            previous_day_elv=self.account.previous_day_elv,
        )

    def figures(self, prices: Mapping[int, Decimal] | None = None) -> MarginSnapshot:
        found = snapshot(
            self.book,
            self.prices() if prices is None else prices,
            account_type=self.account.account_type,
            previous_day_elv=self.account.previous_day_elv,
        )
        return replace(found, realized_pnl=self._realized_total + self.book.realized_gain())

    # --- changing ---------------------------------------------------------------------------
    def add(self, order: Order, *, matched_at: datetime | None = None) -> TrackedOrder:
        tracked = TrackedOrder(order, matched_at)
        self.tracked[order.order_id] = tracked
        self._new[order.order_id] = views.order_view(order)  # as submitted, before any fill
        self._orders[order.order_id] = _mark(order)
        return tracked

    def event(self, type: str, data: dict[str, object]) -> None:
        """An event written by :meth:`save` before those it derives from the changes."""
        self._events.append((type, data))

    def roll_previous_day(self) -> None:
        close = self.ctx.calendar.previous_close(self.now)
        if self.account.previous_day_at is not None and self.account.previous_day_at >= close:
            return
        prices = marks(self.ctx, self.book.positions(), close)
        self.account.previous_day_elv = previous_day_elv(
            self.account, self.book, close=close, close_prices=prices
        )
        self.account.previous_day_at = close

    async def settle_transfers(self) -> None:
        for transfer in await self.uow.transfers.due(self.account_id, self.now):
            if transfer.kind is TransferKind.DEPOSIT:
                deposit(
                    self.book,
                    transfer.amount,
                    at=self.now,
                    description=f"Deposit {transfer.transfer_id}",
                )
            transfer.status = TransferStatus.SETTLED
            transfer.settled_at = self.now
            await self.uow.transfers.save(transfer)
            self.event(ev.TRANSFER_SETTLED, views.transfer_view(transfer))

    # --- saving -----------------------------------------------------------------------------
    async def save(self) -> None:
        """Write what changed and record its events (same transaction; the caller commits)."""
        uow, account_id = self.uow, self.account_id
        derived: list[tuple[str, dict[str, object]]] = []
        for order_id, tracked in self.tracked.items():
            order = tracked.order
            touched = self.touched.get(order_id)
            moved = _mark(order) != self._orders.get(order_id)
            if order_id in self._new:
                await uow.orders.add(order, matched_at=touched)
                derived.append((ev.ORDER_SUBMITTED, self._new[order_id]))
            elif moved or touched is not None:
                await uow.orders.save(order, matched_at=touched)
            if moved:
                derived.append((self._order_event(order), views.order_view(order)))
        for execution in self.executions:
            await uow.orders.add_execution(execution)
            derived.append((ev.EXECUTION_CREATED, views.trade_view(execution)))

        changed = sorted(
            conid
            for conid in set(self._lots) | set(self.book.lots)
            if self._lots.get(conid, []) != self.book.lots.get(conid, [])
        )
        prices = self.prices()
        for conid in changed:
            await uow.brokerage.replace_lots(account_id, conid, self.book.lots.get(conid, []))
            mark = prices.get(conid) or self.ctx.quotes.quote(conid, self.now).mark
            derived.append(
                (ev.POSITION_CHANGED, views.position_view(account_id, conid, self.book, mark))
            )
        realized = self.book.realized
        entries: list[CashEntry] = self.book.entries
        await uow.brokerage.add_realized(account_id, realized)
        await uow.brokerage.add_entries(account_id, entries)
        money_moved = bool(changed or realized or entries)
        if money_moved:
            derived.append(
                (ev.BALANCE_CHANGED, views.balance_view(account_id, self.figures(prices)))
            )
        self.account.cash = self.book.cash
        self.account.realized_pnl = self._realized_total + self.book.realized_gain()
        if self._row() != self._account_row:
            await uow.brokerage.save(self.account)
        for type, data in [*self._events, *derived]:
            await ev.record(
                uow,
                user_id=self.account.user_id,
                type=type,
                account=account_id,
                data=data,
                at=self.now,
            )
        self._reset_baseline()

    def _order_event(self, order: Order) -> str:
        if not order.status.is_terminal:
            return ev.ORDER_UPDATED
        if order.order_id in self.expired:
            return ev.ORDER_EXPIRED
        return _TERMINAL_EVENTS[order.status]

    def _reset_baseline(self) -> None:
        self._realized_total = self.account.realized_pnl
        self.book.realized.clear()
        self.book.entries.clear()
        self._new.clear()
        self._events.clear()
        self.executions.clear()
        self.touched.clear()
        self.__post_init__()


async def open_account(
    ctx: ServiceContext,
    uow: UnitOfWork,
    account_id: str,
    *,
    now: datetime,
    user: User | None = None,
    lock: bool = True,
    skip_locked: bool = False,
) -> Workspace | None:
    """The account, ready to change (``lock``) or to read; ``None`` if another transaction
    holds it (``skip_locked``). With ``user``, missing accounts are opened first."""
    account = await _load(uow, account_id, lock=lock, skip_locked=skip_locked)
    if account is None and user is not None:
        await open_accounts(ctx, uow, user, now=now)
        account = await _load(uow, account_id, lock=lock, skip_locked=skip_locked)
        if account is None:
            raise NotFound(f"No account {account_id!r} belongs to this user.")
    if account is None:
        return None
    book = Book(cash=account.cash, lots=await uow.brokerage.lots(account_id))
    tracked = {t.order.order_id: t for t in await uow.orders.working(account_id)}
    workspace = Workspace(ctx, uow, account, book, tracked, now)
    workspace.roll_previous_day()
    if lock:
        await workspace.settle_transfers()
    return workspace


async def _load(
    uow: UnitOfWork, account_id: str, *, lock: bool, skip_locked: bool
) -> BrokerageAccount | None:
    if lock:
        return await uow.brokerage.lock(account_id, skip_locked=skip_locked)
    return await uow.brokerage.account(account_id)


async def open_accounts(ctx: ServiceContext, uow: UnitOfWork, user: User, *, now: datetime) -> None:
    """Open the user's live and paper accounts if they do not exist yet (idempotent).

    Paper starts with ``paper_starting_cash`` booked as a deposit; live starts empty.
    """
    assert user.id is not None
    config = ctx.trading
    for environment, account_id in (
        (Environment.LIVE, user.live_account_id),
        (Environment.PAPER, user.paper_account_id),
    ):
        paper = environment is Environment.PAPER
        start = config.paper_starting_cash if paper else _ZERO
        account = BrokerageAccount(
            account_id=account_id,
            user_id=user.id,
            environment=environment,
            account_type=config.paper_account_type if paper else config.live_account_type,
            created_at=now,
            cash=start,
            previous_day_at=ctx.calendar.previous_close(now),
        )
        if not await uow.brokerage.open(account):
            continue
        if start > 0:
            entry = CashEntry(CashEntryKind.DEPOSIT, start, now, "Paper account starting cash")
            await uow.brokerage.add_entries(account_id, [entry])
        await ev.record(
            uow,
            user_id=user.id,
            type=ev.ACCOUNT_OPENED,
            account=account_id,
            data={
                "account_type": account.account_type.value,
                "environment": environment.value,
                "cash": str(start),
            },
            at=now,
        )


def reply_deadline(ctx: ServiceContext, now: datetime) -> datetime:
    return now + timedelta(seconds=ctx.trading.reply_ttl_seconds)
