"""The one place where adapters are wired to ports: build a running Gatehouse from settings."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncEngine

from gatehouse.adapters.bus.log_tail import LogTail
from gatehouse.adapters.bus.memory import MemoryBus
from gatehouse.adapters.crypto.argon2_hasher import Argon2Hasher
from gatehouse.adapters.crypto.keys import ServerKeys, load_or_create_master_key
from gatehouse.adapters.crypto.sealing import SecretSealer
from gatehouse.adapters.db.engine import make_engine, make_sessionmaker
from gatehouse.adapters.db.uow import SqlUnitOfWorkFactory
from gatehouse.adapters.documents.statement_pdf import PdfStatements
from gatehouse.adapters.mail.outbox import MailOutbox
from gatehouse.adapters.mail.smtp import SmtpMailer
from gatehouse.adapters.marketdata.simulator import MarketSimulator
from gatehouse.adapters.private_home import make_private
from gatehouse.adapters.push.fanout import FanoutPushDelivery
from gatehouse.adapters.push.socket_hub import DeviceSocketHub
from gatehouse.adapters.push.webhook import WebhookPushRelay
from gatehouse.adapters.ratelimit import LimitsRateLimiter
from gatehouse.adapters.sms.outbox import OutboxSmsSender
from gatehouse.adapters.sms.webhook import WebhookSmsSender
from gatehouse.domain.clock import Clock, SystemClock
from gatehouse.domain.randomness import SecureTokens, TokenSource
from gatehouse.domain.trading.calendar import TradingCalendar
from gatehouse.domain.trading.margin import AccountType
from gatehouse.service.context import (
    GatewayConfig,
    KeyConfig,
    RecoveryConfig,
    ServiceContext,
    SignInConfig,
)
from gatehouse.service.identity.ports import Mailer, PushDelivery, SmsSender
from gatehouse.service.sync.node import SyncConfig, SyncNode
from gatehouse.service.sync.ports import EventBus
from gatehouse.service.trading.book_cache import AccountBooks
from gatehouse.service.trading.config import TradingConfig
from gatehouse.service.trading.matching_engine import MatchingEngine
from gatehouse.service.trading.ticker import MarketTicker
from gatehouse.settings import Settings


@dataclass
class Runtime:
    """A wired Gatehouse: the use-case context plus what must be closed at the end."""

    settings: Settings
    ctx: ServiceContext
    engine: AsyncEngine
    bus: EventBus
    sync: SyncNode
    ticker: MarketTicker  # quotes to in-process subscribers, price alerts; the app starts it
    matching: MatchingEngine  # resting orders, DAY expiry, transfers; the app starts it

    async def start(self) -> None:
        """Start background work: the bus connection, event-log pruning."""
        await self.sync.start()

    async def stop(self) -> None:
        await self.sync.stop()
        await self.bus.close()

    async def close(self) -> None:
        await self.stop()
        await self.engine.dispose()


def event_bus(settings: Settings, master_key: bytes) -> EventBus:
    """Redis between nodes when configured, else in-process."""
    if not settings.redis_url:
        return MemoryBus()
    from gatehouse.adapters.bus.redis import RedisBus  # redis-py loads only when used

    namespace = hmac.new(master_key, b"gatehouse/bus", hashlib.sha256).hexdigest()[:16]
    return RedisBus(settings.redis_url, namespace=namespace)


def trading_config(settings: Settings) -> TradingConfig:
    return TradingConfig(
        paper_starting_cash=Decimal(settings.paper_starting_cash),
        live_account_type=AccountType(settings.live_account_type),
        paper_account_type=AccountType(settings.paper_account_type),
        settlement_seconds=settings.funding_settlement_seconds,
        reply_ttl_seconds=settings.order_reply_ttl_seconds,
        book_cache_seconds=settings.account_cache_seconds,
        engine_enabled=settings.matching_engine,
    )


def sync_config(settings: Settings) -> SyncConfig:
    return SyncConfig(
        retention_days=settings.event_retention_days,
        prune_every_seconds=settings.event_prune_interval_seconds,
        heartbeat_seconds=settings.sync_heartbeat_seconds,
        ibkr_heartbeat_seconds=settings.ibkr_ws_heartbeat_seconds,
        send_buffer_bytes=settings.sync_send_buffer_bytes,
        log_readers=settings.sync_log_readers,
    )


def access_wiring(settings: Settings) -> dict[str, Any]:
    """The Key authenticator, push delivery, recovery and mail parts of the context."""
    hub = DeviceSocketHub()
    push: PushDelivery = hub
    if settings.push_webhook_url:
        push = FanoutPushDelivery(hub, WebhookPushRelay(settings.push_webhook_url))
    mailer: Mailer = MailOutbox(settings.home / "mail", sender=settings.smtp_from)
    if settings.smtp_host:
        mailer = SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            use_tls=settings.smtp_tls,
            start_tls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
    return {
        "key": KeyConfig(
            activation_ttl_seconds=settings.key_activation_ttl_seconds,
            reenrollment_ttl_seconds=settings.key_reenrollment_ttl_seconds,
            push_ttl_seconds=settings.push_ttl_seconds,
            rate_limit_enroll=settings.rate_limit_key_enroll,
        ),
        "gateway": GatewayConfig(
            reauth_days=settings.gateway_reauth_days,
            rate_limit_signin=settings.rate_limit_gateway_signin,
        ),
        "recovery": RecoveryConfig(
            public_base_url=settings.effective_public_base_url,
            token_ttl_seconds=settings.recovery_token_ttl_seconds,
            emails_per_hour=settings.recovery_emails_per_hour,
            rate_limit=settings.rate_limit_recovery,
        ),
        "mailer": mailer,
        "push": push,
        "devices": hub,
    }


async def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    tokens: TokenSource | None = None,
    run_migrations: bool = True,
    schema: str | None = None,
    sms: SmsSender | None = None,
) -> Runtime:
    url = settings.effective_database_url
    make_private(settings.home, url)  # 0700 home, 0600 files, whatever the umask
    if run_migrations:
        from gatehouse.adapters.db import migrate  # Alembic loads only when it has work

        await anyio.to_thread.run_sync(migrate.upgrade, url)
    master_key = load_or_create_master_key(settings.home, settings.secret_key)
    keys = ServerKeys.derive(master_key)
    engine = make_engine(url, schema=schema)
    # every node also tails the log: events other processes commit (the CLI, a node without
    # Redis or while it is down) reach this node's sockets within a poll (docs/sync.md)
    bus = LogTail(event_bus(settings, master_key), engine, interval=settings.event_tail_seconds)
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
        device_throttle=settings.device_throttle_policy(),
        session_limits=settings.session_limits(),
        signin=SignInConfig(
            login_ttl_seconds=settings.login_ttl_seconds,
            max_code_attempts=settings.login_max_code_attempts,
            sms_ttl_seconds=settings.sms_ttl_seconds,
            sms_max_sends=settings.sms_max_sends,
            session_touch_seconds=settings.session_touch_seconds,
            rate_limit_login=settings.rate_limit_login,
            rate_limit_verify=settings.rate_limit_verify,
            known_device_days=settings.known_device_days,
            sms_outbox_days=settings.sms_outbox_days,
            session_retention_days=settings.session_retention_days,
        ),
        **access_wiring(settings),
    )
    ctx.calendar = TradingCalendar(always_open=settings.market_always_open)
    ctx.market = MarketSimulator(
        seed=settings.market_seed,
        tick_seconds=settings.market_tick_seconds,
        start=clock.now(),
        calendar=ctx.calendar,
    )
    ctx.statement_documents = PdfStatements()
    ctx.trading = trading_config(settings)
    ctx.books = AccountBooks(ttl_seconds=settings.account_cache_seconds)
    bus.subscribe(ctx.principals.on_events)
    bus.subscribe(ctx.books.on_events)
    return Runtime(
        settings=settings,
        ctx=ctx,
        engine=engine,
        bus=bus,
        sync=SyncNode(ctx, bus, sync_config(settings)),
        ticker=MarketTicker(ctx),
        matching=MatchingEngine(ctx, max_sleep=ctx.trading.engine_max_sleep_seconds),
    )
