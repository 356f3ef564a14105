"""The SQL unit of work: one transaction, its repositories, and events published after commit."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gatehouse.adapters.db.identity.directory import SqlDirectory
from gatehouse.adapters.db.identity.gateway_devices import SqlGatewayDevices
from gatehouse.adapters.db.identity.key_devices import SqlKeyRepository
from gatehouse.adapters.db.identity.passkeys import SqlPasskeys
from gatehouse.adapters.db.identity.recovery import SqlRecoveryRepository
from gatehouse.adapters.db.identity.repositories import (
    SqlAudit,
    SqlCards,
    SqlKnownDevices,
    SqlLogins,
    SqlSessions,
    SqlSmsOutbox,
    SqlThrottles,
    SqlUsers,
)
from gatehouse.adapters.db.lists.repositories import SqlAlerts, SqlLayouts, SqlWatchlists
from gatehouse.adapters.db.support.repositories import SqlMessageRepository
from gatehouse.adapters.db.sync.repositories import SqlEvents
from gatehouse.adapters.db.trading.brokerage import SqlBrokerage, SqlStatementRecords
from gatehouse.adapters.db.trading.nav_history import SqlNavHistory
from gatehouse.adapters.db.trading.orders import SqlOrders, SqlTransfers
from gatehouse.service.identity.ports import (
    AuditRepository,
    CardRepository,
    DirectoryRepository,
    GatewayDeviceRepository,
    KeyRepository,
    KnownDeviceRepository,
    LoginRepository,
    PasskeyRepository,
    RecoveryRepository,
    SessionRepository,
    SmsOutboxRepository,
    ThrottleRepository,
    UserRepository,
)
from gatehouse.service.lists.ports import AlertRepository, LayoutRepository, WatchlistRepository
from gatehouse.service.ports import UnitOfWork
from gatehouse.service.support.ports import MessageRepository
from gatehouse.service.sync.ports import EventPublisher, EventRepository
from gatehouse.service.trading.ports import (
    BrokerageRepository,
    NavHistoryRepository,
    OrderRepository,
    StatementRecords,
    TransferRepository,
)

# Each repository is made on first use in a unit of work (``__getattr__``): a sign-in's
# transactions use five of these, and making all of them each time was ~40 µs per transaction.
_REPOSITORIES: dict[str, type[Any]] = {
    "users": SqlUsers,
    "sessions": SqlSessions,
    "logins": SqlLogins,
    "throttles": SqlThrottles,
    "known_devices": SqlKnownDevices,
    "audit": SqlAudit,
    "cards": SqlCards,
    "sms_outbox": SqlSmsOutbox,
    "passkeys": SqlPasskeys,
    "key": SqlKeyRepository,
    "gateways": SqlGatewayDevices,
    "recovery": SqlRecoveryRepository,
    "messages": SqlMessageRepository,
    "directory": SqlDirectory,
    "watchlists": SqlWatchlists,
    "alerts": SqlAlerts,
    "layouts": SqlLayouts,
    "brokerage": SqlBrokerage,
    "orders": SqlOrders,
    "transfers": SqlTransfers,
    "statements": SqlStatementRecords,
    "nav_history": SqlNavHistory,
}


class SqlUnitOfWork:
    def __init__(
        self, sessionmaker: async_sessionmaker[Any], publisher: EventPublisher | None = None
    ) -> None:
        self._sessionmaker = sessionmaker
        self._publisher = publisher
        self.db: AsyncSession

    users: UserRepository
    sessions: SessionRepository
    logins: LoginRepository
    throttles: ThrottleRepository
    known_devices: KnownDeviceRepository
    audit: AuditRepository
    cards: CardRepository
    sms_outbox: SmsOutboxRepository
    events: EventRepository
    passkeys: PasskeyRepository
    key: KeyRepository
    gateways: GatewayDeviceRepository
    recovery: RecoveryRepository
    messages: MessageRepository
    directory: DirectoryRepository
    watchlists: WatchlistRepository
    alerts: AlertRepository
    layouts: LayoutRepository
    brokerage: BrokerageRepository
    orders: OrderRepository
    transfers: TransferRepository
    statements: StatementRecords
    nav_history: NavHistoryRepository

    async def __aenter__(self) -> SqlUnitOfWork:
        for name in _REPOSITORIES:  # entered again: nothing of the last transaction stays
            self.__dict__.pop(name, None)
        self.db = self._sessionmaker()
        self._events = SqlEvents(self.db)
        self.events = self._events
        return self

    def __getattr__(self, name: str) -> Any:
        # only called for attributes not set yet: a repository's first use in this unit
        made = _REPOSITORIES.get(name)
        if made is None or "db" not in self.__dict__:
            raise AttributeError(name)
        repository = made(self.db)
        setattr(self, name, repository)
        return repository

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Detach first: objects read here stay usable (rollback would expire them).
        self.db.expunge_all()
        if not self.db.in_transaction():
            # Committed (or never used): no transaction and no connection are held, so the
            # rollback and the close would each be a trip through a greenlet to do nothing.
            self._events.discard()
            return
        try:
            await self.rollback()
        finally:
            await self.db.close()

    async def commit(self) -> None:
        await self._events.seal()
        await self.db.commit()
        published, self._events.appended = self._events.appended, []
        if published and self._publisher is not None:
            await self._publisher.publish(published)

    async def rollback(self) -> None:
        await self.db.rollback()
        self._events.discard()


class SqlUnitOfWorkFactory:
    def __init__(
        self, sessionmaker: async_sessionmaker[Any], publisher: EventPublisher | None = None
    ) -> None:
        self.sessionmaker = sessionmaker
        self.publisher = publisher

    def __call__(self) -> UnitOfWork:
        return SqlUnitOfWork(self.sessionmaker, self.publisher)
