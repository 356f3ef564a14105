"""Failed sign-in throttling per key: growing delays, optional lockouts and a hard cap.

A key is an account's strangers (every platform and environment), one known device of an
account, a client address, or an unknown username (keyed like an account, so answers for an
existing and a missing account look the same). An attempt is *reserved* (counted as a
failure) before its password is checked and released when it turns out right, so
concurrent guesses cannot all slip through one check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from gatehouse.domain.clock import as_utc

PAPER_SUFFIX = "paper"


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 60.0
    lockout_failures: int = 0  # a temporary lockout from this many failures on (0: none)
    lockout_seconds: int = 900
    reset_seconds: int = 43200  # failures forgotten after this long without one (0: never)
    hard_cap: int = 0  # from this many consecutive failures on, only an unlock helps (0: none)


@dataclass(frozen=True)
class Verdict:
    """``wait`` seconds remain before another attempt; ``locked`` says it is a lockout;
    ``permanent`` that it lasts until recovery or support lifts it (``wait`` is then 0)."""

    wait: int
    locked: bool
    permanent: bool = False

    @property
    def allowed(self) -> bool:
        return self.wait <= 0 and not self.permanent


@dataclass(eq=False)
class Throttle:
    key: str
    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None  # informative: when the current lockout ends

    def verdict(self, now: datetime, policy: ThrottlePolicy) -> Verdict:
        if policy.hard_cap and self.failures >= policy.hard_cap:
            return Verdict(0, True, permanent=True)
        if self.last_failure_at is None or self._stale(now, policy):
            return Verdict(0, False)
        # A concurrent attempt may have locked the row, and recorded its failure, after this
        # one read the clock: that failure counts as happening now, not in the future (else
        # a zero delay would still make this attempt wait a second).
        last = min(as_utc(self.last_failure_at), now)
        if policy.lockout_failures and self.failures >= policy.lockout_failures:
            until = last + timedelta(seconds=policy.lockout_seconds)
            return Verdict(max(0, math.ceil((until - now).total_seconds())), now < until)
        ready = last + timedelta(seconds=delay_after(self.failures, policy))
        return Verdict(max(0, math.ceil((ready - now).total_seconds())), False)

    def record_failure(self, now: datetime, policy: ThrottlePolicy) -> Verdict:
        """Count a failure; returns the verdict for the next attempt."""
        if self._stale(now, policy) or self._lockout_over(now, policy):
            self.failures = 0
        self.failures += 1
        self.last_failure_at = now
        self.locked_until = None
        if policy.lockout_failures and self.failures >= policy.lockout_failures:
            self.locked_until = now + timedelta(seconds=policy.lockout_seconds)
        return self.verdict(now, policy)

    def clear(self) -> None:
        self.failures = 0
        self.last_failure_at = None
        self.locked_until = None

    def _lockout_over(self, now: datetime, policy: ThrottlePolicy) -> bool:
        return (
            bool(policy.lockout_failures)
            and self.failures >= policy.lockout_failures
            and self.last_failure_at is not None
            and now >= as_utc(self.last_failure_at) + timedelta(seconds=policy.lockout_seconds)
        )

    def _stale(self, now: datetime, policy: ThrottlePolicy) -> bool:
        return (
            policy.reset_seconds > 0
            and self.last_failure_at is not None
            and (now - as_utc(self.last_failure_at)).total_seconds() >= policy.reset_seconds
        )


def delay_after(failures: int, policy: ThrottlePolicy) -> float:
    """Seconds to wait after ``failures`` failures: none at first, then doubling to a cap."""
    extra = failures - policy.free_failures
    if extra <= 0 or policy.base_delay_seconds <= 0:
        return 0.0
    return float(min(policy.max_delay_seconds, policy.base_delay_seconds * 2 ** min(extra - 1, 60)))


def account_key(user_id: int) -> str:
    """Failures of strangers: sign-ins of the account from devices it does not know."""
    return f"account:{user_id}"


def device_key(token_hash: str) -> str:
    """Failures from one known device of an account (the hash of its device token)."""
    return f"device:{token_hash[:64]}"


def is_device_key(key: str) -> bool:
    return key.startswith("device:")


def unknown_name_key(username: str) -> str:
    """An unknown name and its ``…paper`` twin share a key, as a real user's two names do."""
    base = username.removesuffix(PAPER_SUFFIX)
    return f"name:{base or username}"


def address_key(address: str) -> str:
    return f"address:{address}"
