"""Everything a use case needs, wired once by ``gatehouse.bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass, field

from gatehouse.domain.clock import Clock
from gatehouse.domain.identity.passwords import PasswordPolicy
from gatehouse.domain.identity.sessions import SessionLimits
from gatehouse.domain.identity.throttle import ThrottlePolicy
from gatehouse.domain.identity.users import Platform
from gatehouse.domain.randomness import TokenSource
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.service.identity.login_signals import LoginSignals
from gatehouse.service.identity.ports import (
    DeviceChannels,
    Mailer,
    PasswordHasher,
    PushDelivery,
    Sealer,
    SmsSender,
)
from gatehouse.service.identity.principal_cache import PrincipalCache
from gatehouse.service.ports import RateLimiter, UnitOfWorkFactory
from gatehouse.service.trading.book_cache import AccountBooks
from gatehouse.service.trading.config import TradingConfig
from gatehouse.service.trading.ports import MarketData, StatementDocuments


@dataclass(frozen=True)
class SignInConfig:
    login_ttl_seconds: int = 300
    max_code_attempts: int = 5
    sms_ttl_seconds: int = 300
    sms_max_sends: int = 3
    card_challenge_seconds: int = 300
    session_touch_seconds: int = 15
    rate_limit_login: str = "30/minute"
    rate_limit_verify: str = "60/minute"
    issuer: str = "Gatehouse"
    known_device_days: int = 180
    sms_outbox_days: int = 7  # the embedded SMS outbox keeps messages this long
    session_retention_days: int = 30  # ended sessions, unfinished sign-ins: docs/retention.md


@dataclass(frozen=True)
class KeyConfig:
    """The Key authenticator: activation codes and push approval (docs/key.md)."""

    activation_ttl_seconds: int = 600
    reenrollment_ttl_seconds: int = 86400
    push_ttl_seconds: int = 120
    request_skew_seconds: int = 60
    socket_recheck_seconds: float = 5.0
    rate_limit_enroll: str = "10/minute"


@dataclass(frozen=True)
class GatewayConfig:
    """Gateway devices: the full second factor every ``reauth_days`` (docs/gateway.md)."""

    reauth_days: int = 7
    challenge_ttl_seconds: int = 60
    rate_limit_signin: str = "30/minute"


@dataclass(frozen=True)
class RecoveryConfig:
    """Account recovery (docs/recovery.md)."""

    public_base_url: str = "http://127.0.0.1:8000"
    token_ttl_seconds: int = 1800
    questions_ttl_seconds: int = 600
    emails_per_hour: int = 3
    rate_limit: str = "10/minute"


@dataclass
class ServiceContext:
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    sealer: Sealer
    code_key: bytes
    csrf_key: bytes
    clock: Clock
    tokens: TokenSource
    sms: SmsSender
    limiter: RateLimiter
    password_policy: PasswordPolicy
    account_throttle: ThrottlePolicy
    address_throttle: ThrottlePolicy
    session_limits: dict[Platform, SessionLimits]
    device_throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    signin: SignInConfig = field(default_factory=SignInConfig)
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    market: MarketData | None = None
    calendar: TradingCalendar = field(default_factory=TradingCalendar)

    @property
    def quotes(self) -> MarketData:
        assert self.market is not None, "bootstrap wires a market data source"
        return self.market

    key: KeyConfig = field(default_factory=KeyConfig)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)
    recovery: RecoveryConfig = field(default_factory=RecoveryConfig)
    mailer: Mailer | None = None
    push: PushDelivery | None = None
    devices: DeviceChannels | None = None
    login_signals: LoginSignals = field(default_factory=LoginSignals)
    statement_documents: StatementDocuments | None = None  # PDF rendering
    trading: TradingConfig = field(default_factory=TradingConfig)
    books: AccountBooks = field(default_factory=AccountBooks)  # per-node account book cache

    def new_public_id(self) -> str:
        return self.tokens.token_bytes(12).hex()
