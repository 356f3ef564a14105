"""Failed sign-in throttling: growing delays, then a temporary lockout, per key.

A key is an account (across every platform and environment) or a client address.
Unknown usernames are throttled under a key of their own, so the answers for an
existing and a missing account look the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from gatehouse.domain.clock import as_utc


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 60.0
    lockout_failures: int = 10
    lockout_seconds: int = 900
    reset_seconds: int = 43200


@dataclass(frozen=True)
class Verdict:
    """``wait`` seconds remain before another attempt; ``locked`` says it is a lockout."""

    wait: int
    locked: bool

    @property
    def allowed(self) -> bool:
        return self.wait <= 0


@dataclass(eq=False)
class Throttle:
    key: str
    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def verdict(self, now: datetime, policy: ThrottlePolicy) -> Verdict:
        if self.locked_until is not None and now < as_utc(self.locked_until):
            return Verdict(math.ceil((as_utc(self.locked_until) - now).total_seconds()), True)
        if self._stale(now, policy) or self.last_failure_at is None:
            return Verdict(0, False)
        delay = delay_after(self.failures, policy)
        ready = as_utc(self.last_failure_at) + timedelta(seconds=delay)
        return Verdict(max(0, math.ceil((ready - now).total_seconds())), False)

    def record_failure(self, now: datetime, policy: ThrottlePolicy) -> Verdict:
        if self._stale(now, policy) or (
            self.locked_until is not None and now >= as_utc(self.locked_until)
        ):
            self.failures = 0
            self.locked_until = None
        self.failures += 1
        self.last_failure_at = now
        if self.failures >= policy.lockout_failures:
            self.locked_until = now + timedelta(seconds=policy.lockout_seconds)
        return self.verdict(now, policy)

    def clear(self) -> None:
        self.failures = 0
        self.last_failure_at = None
        self.locked_until = None

    def _stale(self, now: datetime, policy: ThrottlePolicy) -> bool:
        return (
            self.last_failure_at is not None
            and (now - as_utc(self.last_failure_at)).total_seconds() >= policy.reset_seconds
        )


def delay_after(failures: int, policy: ThrottlePolicy) -> float:
    """Seconds to wait after ``failures`` failures: none at first, then doubling to a cap."""
    extra = failures - policy.free_failures
    if extra <= 0 or policy.base_delay_seconds <= 0:
        return 0.0
    return float(min(policy.max_delay_seconds, policy.base_delay_seconds * 2 ** (extra - 1)))


def account_key(user_id: int) -> str:
    return f"account:{user_id}"


def unknown_name_key(username: str) -> str:
    return f"name:{username}"


def address_key(address: str) -> str:
    return f"address:{address}"
