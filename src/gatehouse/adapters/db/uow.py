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
        self.db = self._sessionmaker()
        self.users = SqlUsers(self.db)
        self.sessions = SqlSessions(self.db)
        self.logins = SqlLogins(self.db)
        self.throttles = SqlThrottles(self.db)
        self.known_devices = SqlKnownDevices(self.db)
        self.audit = SqlAudit(self.db)
        self.cards = SqlCards(self.db)
        self.sms_outbox = SqlSmsOutbox(self.db)
        self.passkeys = SqlPasskeys(self.db)
        self.key = SqlKeyRepository(self.db)
        self.gateways = SqlGatewayDevices(self.db)
        self.recovery = SqlRecoveryRepository(self.db)
        self.messages = SqlMessageRepository(self.db)
        self.directory = SqlDirectory(self.db)
        self.watchlists = SqlWatchlists(self.db)
        self.alerts = SqlAlerts(self.db)
        self.layouts = SqlLayouts(self.db)
        self.brokerage = SqlBrokerage(self.db)
        self.orders = SqlOrders(self.db)
        self.transfers = SqlTransfers(self.db)
        self.statements = SqlStatementRecords(self.db)
        self.nav_history = SqlNavHistory(self.db)
        self._events = SqlEvents(self.db)
        self.events = self._events
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Detach first: objects read here stay usable (rollback would expire them).
        self.db.expunge_all()
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
