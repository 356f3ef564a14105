"""The one place where adapters are wired to ports: build a running Gatehouse from settings."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncEngine

from gatehouse.adapters.bus.memory import MemoryBus
from gatehouse.adapters.crypto.argon2_hasher import Argon2Hasher
from gatehouse.adapters.crypto.keys import ServerKeys, load_or_create_master_key
from gatehouse.adapters.crypto.sealing import SecretSealer
from gatehouse.adapters.db import migrate
from gatehouse.adapters.db.engine import make_engine, make_sessionmaker
from gatehouse.adapters.db.uow import SqlUnitOfWorkFactory
from gatehouse.adapters.ratelimit import LimitsRateLimiter
from gatehouse.adapters.sms.outbox import OutboxSmsSender
from gatehouse.adapters.sms.webhook import WebhookSmsSender
from gatehouse.domain.clock import Clock, SystemClock
from gatehouse.domain.randomness import SecureTokens, TokenSource
from gatehouse.service.context import ServiceContext, SignInConfig
from gatehouse.service.ports import SmsSender
from gatehouse.settings import Settings


@dataclass
class Runtime:
    """A wired Gatehouse: the use-case context plus what must be closed at the end."""

    settings: Settings
    ctx: ServiceContext
    engine: AsyncEngine
    bus: MemoryBus

    async def close(self) -> None:
        await self.engine.dispose()


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    tokens: TokenSource | None = None,
    run_migrations: bool = True,
    schema: str | None = None,
    sms: SmsSender | None = None,
) -> Runtime:
    settings.home.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    if run_migrations:
        await anyio.to_thread.run_sync(migrate.upgrade, url)
    keys = ServerKeys.derive(load_or_create_master_key(settings.home, settings.secret_key))
    engine = make_engine(url, schema=schema)
    bus = MemoryBus()
    uow = SqlUnitOfWorkFactory(make_sessionmaker(engine), bus)
    clock = clock or SystemClock()
    if sms is None:
        sms = (
            WebhookSmsSender(settings.sms_webhook_url)
            if settings.sms_webhook_url
            else OutboxSmsSender(uow, clock)
        )
    ctx = ServiceContext(
        uow=uow,
        hasher=Argon2Hasher(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
        ),
        sealer=SecretSealer(keys.sealing),
        code_key=keys.codes,
        csrf_key=keys.csrf,
        clock=clock,
        tokens=tokens or SecureTokens(),
        sms=sms,
        limiter=LimitsRateLimiter(settings.redis_url),
        password_policy=settings.password_policy(),
        account_throttle=settings.throttle_policy(),
        address_throttle=settings.address_throttle_policy(),
        session_limits=settings.session_limits(),
        signin=SignInConfig(
            login_ttl_seconds=settings.login_ttl_seconds,
            max_code_attempts=settings.login_max_code_attempts,
            sms_ttl_seconds=settings.sms_ttl_seconds,
            sms_max_sends=settings.sms_max_sends,
            session_touch_seconds=settings.session_touch_seconds,
            rate_limit_login=settings.rate_limit_login,
            rate_limit_verify=settings.rate_limit_verify,
        ),
    )
    bus.subscribe(ctx.principals.on_events)
    return Runtime(settings=settings, ctx=ctx, engine=engine, bus=bus)
