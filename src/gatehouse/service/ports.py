"""The unit of work that spans every context's repositories, and the rate limiter.

Each context declares its own ports in ``service/<context>/ports.py``; adapters implement
them and bootstrap wires them.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

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
from gatehouse.service.support.ports import MessageRepository
from gatehouse.service.sync.ports import EventRepository
from gatehouse.service.trading.ports import (
    BrokerageRepository,
    NavHistoryRepository,
    OrderRepository,
    StatementRecords,
    TransferRepository,
)


class UnitOfWork(Protocol):
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

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class RateLimiter(Protocol):
    async def hit(self, limit: str, *keys: str) -> int:
        """Count one request; 0 when allowed, else the seconds until it would be."""
        ...
