"""The ports the use cases depend on; adapters implement them, bootstrap wires them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol

from gatehouse.domain.audit import AuditEntry
from gatehouse.domain.events import AccountEvent
from gatehouse.domain.factors.passkey import Passkey, PasskeyChallenge
from gatehouse.domain.identity import User
from gatehouse.domain.login_flow import LoginAttempt
from gatehouse.domain.sessions import Session
from gatehouse.domain.throttle import Throttle
from gatehouse.domain.trading.quotes import Bar, Quote
from gatehouse.service.ports_access import (
    DirectoryRepository,
    KeyRepository,
    MessageRepository,
    RecoveryRepository,
)
from gatehouse.service.ports_market import (
    AlertRepository,
    LayoutRepository,
    StatementRecords,
    WatchlistRepository,
)
from gatehouse.service.ports_trading import (
    BrokerageRepository,
    OrderRepository,
    TransferRepository,
)


class UserRepository(Protocol):
    async def add(self, user: User) -> None: ...
    async def get(self, user_id: int) -> User | None: ...
    async def by_login_name(self, username: str) -> User | None:
        """The user whose live or paper username this is."""
        ...

    async def by_username(self, username: str) -> User | None: ...
    async def by_email(self, email: str) -> User | None: ...
    async def list(self, *, limit: int = 1000) -> Sequence[User]: ...
    async def count(self) -> int: ...
    async def account_id_taken(self, account_id: str) -> bool: ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...
    async def by_token_hash(self, token_hash: str) -> Session | None: ...
    async def by_public_id(self, public_id: str) -> Session | None: ...
    async def with_user(self, token_hash: str) -> tuple[Session, User] | None: ...
    async def touch(self, public_id: str, now: datetime) -> bool:
        """Mark a live session seen at ``now``; False when it has ended."""
        ...

    async def active_for_user(self, user_id: int, now: datetime) -> Sequence[Session]: ...


class LoginRepository(Protocol):
    async def add(self, attempt: LoginAttempt) -> None: ...
    async def by_public_id(self, public_id: str) -> LoginAttempt | None: ...
    async def with_user(self, public_id: str) -> tuple[LoginAttempt, User] | None:
        """The sign-in and its user, both locked until the transaction ends, so that
        concurrent second-factor steps of one user take turns (a code is used once)."""
        ...


class ThrottleRepository(Protocol):
    async def get_or_new(self, key: str) -> Throttle: ...
    async def peek(self, key: str) -> Throttle | None: ...
    async def peek_many(self, keys: Sequence[str]) -> dict[str, Throttle]: ...


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...
    async def for_user(self, user_id: int, *, limit: int = 50) -> Sequence[AuditEntry]: ...


class CardRepository(Protocol):
    async def add_card(
        self, *, card_id: str, user_id: int, issued_at: datetime, cell_hashes: dict[str, str]
    ) -> None: ...
    async def deactivate_all(self, user_id: int) -> None: ...
    async def active_card(self, user_id: int) -> str | None: ...
    async def unused_labels(self, card_id: str) -> list[str]: ...
    async def mark_asked(self, card_id: str, labels: Sequence[str], at: datetime) -> None: ...
    async def hashes(self, card_id: str, labels: Sequence[str]) -> dict[str, str]: ...


class SmsOutboxRepository(Protocol):
    async def add(self, *, to: str, text: str, at: datetime) -> None: ...
    async def latest(
        self, *, limit: int = 20, to: str | None = None
    ) -> list[dict[str, object]]: ...


class EventRepository(Protocol):
    async def append(
        self, *, user_id: int, type: str, account: str, data: dict[str, object], at: datetime
    ) -> AccountEvent: ...
    async def since(
        self, user_id: int, seq: int, *, limit: int = 1000
    ) -> Sequence[AccountEvent]: ...
    async def oldest_seq(self, user_id: int) -> int | None: ...
    async def head(self, user_id: int) -> tuple[int, datetime] | None:
        """The user's last seq handed out, and when the user (so the log) was created."""
        ...

    async def prune(self, *, before: datetime) -> int:
        """Delete events recorded before ``before``; returns how many went."""
        ...


class PasskeyRepository(Protocol):
    async def add(self, passkey: Passkey) -> None: ...
    async def by_credential_id(self, credential_id: str) -> Passkey | None: ...
    async def for_user(self, user_id: int) -> Sequence[Passkey]: ...
    async def record_use(self, public_id: str, *, sign_count: int, at: datetime) -> None: ...
    async def remove(self, user_id: int, public_id: str) -> bool: ...
    async def add_challenge(self, challenge: PasskeyChallenge, *, now: datetime) -> None: ...
    async def take_challenge(self, public_id: str, *, purpose: str) -> PasskeyChallenge | None:
        """The challenge, deleted as it is read: each one is used at most once."""
        ...

    async def full_signin_at(self, user_id: int, device_id: str) -> datetime | None: ...
    async def record_full_signin(self, user_id: int, device_id: str, at: datetime) -> None: ...
    async def opened_by_full_signin(self, session_public_id: str) -> bool:
        """Whether this session was opened by a password + second-factor sign-in."""
        ...


class UnitOfWork(Protocol):
    users: UserRepository
    sessions: SessionRepository
    logins: LoginRepository
    throttles: ThrottleRepository
    audit: AuditRepository
    cards: CardRepository
    sms_outbox: SmsOutboxRepository
    events: EventRepository
    passkeys: PasskeyRepository
    key: KeyRepository
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


class PasswordHasher(Protocol):
    async def hash(self, secret: str) -> str: ...
    async def verify(self, hashed: str | None, secret: str) -> bool: ...
    def needs_rehash(self, hashed: str) -> bool: ...


class Sealer(Protocol):
    def seal(self, plaintext: str, *, context: str) -> str: ...
    def open(self, token: str, *, context: str) -> str: ...


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[AccountEvent]) -> None:
        """Announce committed events to every node (in-process, or Redis between nodes)."""
        ...


EventListener = Callable[[Sequence[AccountEvent]], Awaitable[None]]
WakeListener = Callable[[int, int | None], None]


class EventBus(EventPublisher, Protocol):
    """Carries committed events to every node; a node hears only the users it ``watch``es.

    Delivery is a hint, the database log is the truth: a wake-up ``(user_id, seq)`` (seq
    None: "anything may have been missed") tells the hub to read the log itself.
    """

    def subscribe(self, listener: EventListener) -> None: ...
    def on_wake(self, listener: WakeListener) -> None: ...
    async def watch(self, user_id: int) -> None:
        """Hear this user's events from other nodes; returns once that is in effect."""
        ...

    def unwatch(self, user_id: int) -> None: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...


class MarketData(Protocol):
    """Quotes and bars for instruments (the built-in simulator, or a venue's feed)."""

    def quote(self, conid: int, at: datetime) -> Quote: ...
    def quotes(self, at: datetime, conids: Iterable[int] | None = None) -> dict[int, Quote]: ...
    def prices(self, at: datetime) -> dict[int, Decimal]: ...
    def history(self, conid: int, *, end: datetime, bar_seconds: int, count: int) -> list[Bar]: ...
    def next_tick(self, at: datetime) -> datetime: ...


class RateLimiter(Protocol):
    async def hit(self, limit: str, *keys: str) -> int:
        """Count one request; 0 when allowed, else the seconds until it would be."""
        ...
