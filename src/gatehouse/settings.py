"""Operator settings, read from ``GATEHOUSE_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gatehouse.domain.identity.passwords import PasswordPolicy
from gatehouse.domain.identity.sessions import SessionLimits
from gatehouse.domain.identity.throttle import ThrottlePolicy
from gatehouse.domain.identity.users import Platform

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000  # the Gateway takes 5000 (like IBKR's); the TWS API 4001/4002
# listening on one of these, a person on this machine opens http://localhost:PORT
LOOPBACK = {"127.0.0.1", "localhost", "0.0.0.0", "::1", "::"}  # noqa: S104 - names, not binds


SERVED_FILE = "served.json"  # written by `gatehouse serve`: the address it gave


def browser_url(host: str, port: int) -> str:
    """The address to open: ``localhost`` for loopback (passkeys refuse IP addresses)."""
    return f"http://{'localhost' if host in LOOPBACK else host}:{port}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEHOUSE_", extra="ignore")

    home: Path = Path(".gatehouse")
    database_url: str | None = None
    event_tail_seconds: float = 0.2  # how often each node reads events others committed (0: off)
    redis_url: str | None = None
    secret_key: str | None = Field(
        default=None, description="hex server key; shared by every node; generated when unset"
    )
    host: str = DEFAULT_HOST
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    public_https: bool = False
    # proxies whose X-Forwarded-For/-Proto are believed: comma-separated IPs or networks
    # (uvicorn's forwarded_allow_ips); empty: none, the peer address is the client's
    trusted_proxies: str = ""
    demo: bool = True

    # Argon2id (OWASP: 19 MiB, 2 passes, 1 lane)
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1

    # password policy
    password_min_length: int = 10
    password_require_upper: bool = True
    password_require_lower: bool = True
    password_require_digit: bool = True
    password_require_symbol: bool = True
    password_min_strength: int = 2

    # sign-in
    login_ttl_seconds: int = 300
    login_max_code_attempts: int = 5
    sms_ttl_seconds: int = 300
    sms_max_sends: int = 3
    sms_webhook_url: str | None = None
    sms_outbox_days: int = Field(
        default=7, ge=1, description="the embedded SMS outbox keeps messages this long"
    )
    session_retention_days: int = Field(
        default=30,
        ge=1,
        description="ended sessions and unfinished sign-in attempts are kept this long",
    )
    throttle_free_failures: int = 3
    throttle_base_delay_seconds: float = 1.0
    # strangers (devices the account does not know): growing delays, then the hard cap
    throttle_max_delay_seconds: float = 900.0
    throttle_lockout_failures: int = 0  # an extra temporary lockout (0: none)
    throttle_lockout_seconds: int = 900
    throttle_hard_cap: int = Field(default=100, ge=1, le=100)  # NIST SP 800-63B 5.2.2
    throttle_reset_seconds: int = 43200  # addresses and known devices forget failures
    # a known device: its own budget; past it the device is a stranger again
    throttle_device_failures: int = 10
    known_device_days: int = 180
    throttle_address_failures: int = 50
    throttle_address_lockout_seconds: int = 900
    rate_limit_login: str = "30/minute"
    rate_limit_verify: str = "60/minute"
    max_body_bytes: int = 65536

    # sessions: idle timeout and absolute lifetime per platform, in minutes
    web_idle_minutes: int = 30
    web_lifetime_minutes: int = 720
    workstation_idle_minutes: int = 120
    workstation_lifetime_minutes: int = 1440
    # the oldest Workstation each channel accepts (GET /v1/api/workstation/version)
    workstation_minimum_stable: str = "0.1.0"
    workstation_minimum_latest: str = "0.1.0"
    mobile_idle_minutes: int = 15
    mobile_idle_min_minutes: int = 5
    mobile_idle_max_minutes: int = 240
    mobile_lifetime_minutes: int = 43200
    gateway_idle_minutes: int = 6
    gateway_lifetime_minutes: int = 1440
    session_touch_seconds: int = 15

    # market and brokerage
    market_seed: int = 7
    market_tick_seconds: float = 1.0
    market_always_open: bool = True
    paper_starting_cash: str = "1000000"
    live_account_type: str = Field(default="margin", pattern="^(cash|margin)$")
    paper_account_type: str = Field(default="margin", pattern="^(cash|margin)$")
    funding_settlement_seconds: float = Field(
        default=0.0, ge=0, description="0: transfers settle at the matching engine's next step"
    )
    order_reply_ttl_seconds: int = Field(default=300, ge=10, le=3600)
    account_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    matching_engine: bool = True

    # web and mobile pages (docs/web.md)
    passkey_reauth_days: int = Field(default=7, ge=1, le=90)
    public_origin: str | None = Field(
        default=None, description="e.g. https://broker.example.com; passkeys belong to its host"
    )

    # real-time sync (docs/sync.md)
    event_retention_days: int = Field(default=7, ge=1)
    event_prune_interval_seconds: float = Field(default=3600.0, gt=0)
    sync_heartbeat_seconds: float = Field(default=15.0, gt=0)
    ibkr_ws_heartbeat_seconds: float = Field(default=10.0, gt=0)
    sync_send_buffer_bytes: int = Field(
        default=262_144, ge=1024, description="unsent bytes past which a socket is dropped"
    )
    sync_log_readers: int = Field(
        default=8, ge=1, le=256, description="event-log reads at once (resumes, catch-ups)"
    )

    # Key authenticator and push approval (docs/key.md)
    key_activation_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    key_reenrollment_ttl_seconds: int = Field(default=86400, ge=3600, le=7 * 86400)
    push_ttl_seconds: int = Field(default=120, ge=30, le=300)
    push_webhook_url: str | None = None
    rate_limit_key_enroll: str = "10/minute"

    # Gateway devices (docs/gateway.md): a full second factor every N days
    gateway_reauth_days: int = Field(default=7, ge=1, le=90)
    rate_limit_gateway_signin: str = "30/minute"

    # recovery and mail (docs/recovery.md)
    public_base_url: str | None = Field(
        default=None,
        description="where links in emails point; default http://HOST:PORT, with localhost "
        "for a loopback or every-interface HOST (the address the banner gives)",
    )
    recovery_token_ttl_seconds: int = Field(default=1800, ge=300, le=86400)
    recovery_emails_per_hour: int = Field(default=3, ge=1)
    rate_limit_recovery: str = "10/minute"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "Gatehouse <gatehouse@localhost>"
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    @property
    def sqlite_path(self) -> Path:
        return self.home / "gatehouse.db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.sqlite_path}"

    @property
    def effective_public_base_url(self) -> str:
        """Where links point: ``GATEHOUSE_PUBLIC_BASE_URL``; else, for a command run beside a
        server without its ``GATEHOUSE_HOST``/``PORT`` (``GATEHOUSE_PORT=8080 ./scripts/serve``,
        then ``gatehouse support reenroll-code``), the address that server gave; else this
        process's own host and port."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        if not {"host", "port"} & self.model_fields_set and (served := self.served_url()):
            return served
        return browser_url(self.host, self.port)

    def served_url(self) -> str | None:
        """The address the last ``gatehouse serve`` on this home gave (``served.json``)."""
        try:
            url = json.loads((self.home / SERVED_FILE).read_text())["url"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            return url.rstrip("/")
        return None

    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy(
            min_length=self.password_min_length,
            require_upper=self.password_require_upper,
            require_lower=self.password_require_lower,
            require_digit=self.password_require_digit,
            require_symbol=self.password_require_symbol,
            min_strength=self.password_min_strength,
        )

    def throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            free_failures=self.throttle_free_failures,
            base_delay_seconds=self.throttle_base_delay_seconds,
            max_delay_seconds=self.throttle_max_delay_seconds,
            lockout_failures=self.throttle_lockout_failures,
            lockout_seconds=self.throttle_lockout_seconds,
            reset_seconds=0,  # consecutive failures: only success or an unlock clears them
            hard_cap=self.throttle_hard_cap,
        )

    def device_throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            free_failures=self.throttle_free_failures,
            base_delay_seconds=self.throttle_base_delay_seconds,
            max_delay_seconds=60.0,
            reset_seconds=self.throttle_reset_seconds,
            hard_cap=self.throttle_device_failures,
        )

    def address_throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            free_failures=self.throttle_address_failures,
            base_delay_seconds=0,
            max_delay_seconds=0,
            lockout_failures=self.throttle_address_failures,
            lockout_seconds=self.throttle_address_lockout_seconds,
            reset_seconds=self.throttle_reset_seconds,
        )

    def session_limits(self) -> dict[Platform, SessionLimits]:
        return {
            Platform.WEB: SessionLimits(self.web_idle_minutes * 60, self.web_lifetime_minutes * 60),
            Platform.WORKSTATION: SessionLimits(
                self.workstation_idle_minutes * 60, self.workstation_lifetime_minutes * 60
            ),
            Platform.MOBILE: SessionLimits(
                self.mobile_idle_minutes * 60,
                self.mobile_lifetime_minutes * 60,
                min_idle_seconds=self.mobile_idle_min_minutes * 60,
                max_idle_seconds=self.mobile_idle_max_minutes * 60,
            ),
            Platform.GATEWAY: SessionLimits(
                self.gateway_idle_minutes * 60, self.gateway_lifetime_minutes * 60
            ),
        }
