"""Everything a use case needs, wired once by ``gatehouse.bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass, field

from gatehouse.domain.clock import Clock
from gatehouse.domain.identity import Platform
from gatehouse.domain.passwords import PasswordPolicy
from gatehouse.domain.randomness import TokenSource
from gatehouse.domain.sessions import SessionLimits
from gatehouse.domain.throttle import ThrottlePolicy
from gatehouse.service.ports import (
    PasswordHasher,
    RateLimiter,
    Sealer,
    SmsSender,
    UnitOfWorkFactory,
)
from gatehouse.service.principal_cache import PrincipalCache


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
    signin: SignInConfig = field(default_factory=SignInConfig)
    principals: PrincipalCache = field(default_factory=PrincipalCache)

    def new_public_id(self) -> str:
        return self.tokens.token_bytes(12).hex()
