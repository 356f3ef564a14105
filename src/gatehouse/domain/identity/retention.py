"""How long identity keeps its short-lived rows: until nothing that reads them needs them
(docs/retention.md). The node deletes the rest on its prune timer (``service/identity/
retention.py``), in bounded batches.

- Rows a reader ignores once they expire (Key activation codes, question-based recovery
  attempts, gateway sign-in nonces) are kept ``EXPIRY_GRACE`` past their expiry: a request
  that read one just before then still finds it, and nodes' clocks may differ a little.
- Rows whose reader tells "expired" or "already decided" from "unknown" (push requests: a Key
  device is told ``challenge_expired`` or ``push_already_decided``) are kept
  ``TOLD_GRACE`` past their expiry, so a late answer still gets the specific error. Recovery
  tokens are kept as long: the hourly cap on recovery emails counts the tokens an account was
  sent in the last hour, and a day past expiry is always more than an hour past creation.
- A throttle row goes once it holds nothing a missing row would not (:class:`ThrottleRetention`).
- A session is kept ``GATEHOUSE_SESSION_RETENTION_DAYS`` after it is over — ended (signed
  out, revoked, found idle or expired), or past its absolute expiry, whichever came first — so
  a client presenting its token is still told ``session_expired``, and the sign-in record
  (device name, user agent, which the audit log does not copy) stays for support. The sign-in
  attempts that completed into it (its sign-in, step-ups, a gateway's renewals: what
  ``last_full_signin`` reads, only ever for a live session) go with it, in the same
  transaction. An attempt that opened no session (expired, failed, abandoned) is kept as long
  past its own expiry: a late poll is told ``expired`` / ``push_denied`` for a day
  (``TOLD_GRACE``), and the days after keep its address and user agent for support alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gatehouse.domain.clock import as_utc
from gatehouse.domain.identity.throttle import Throttle, ThrottlePolicy, address_key, device_key

EXPIRY_GRACE = timedelta(hours=1)
TOLD_GRACE = timedelta(days=1)
THROTTLE_IDLE = timedelta(days=1)  # a row with no failure counted, untouched this long, goes
SESSION_RETENTION_DAYS = 30  # GATEHOUSE_SESSION_RETENTION_DAYS' default (at least 1)


@dataclass(frozen=True)
class Cutoffs:
    """Rows expiring (the SMS outbox: sent) before these instants are no longer needed."""

    push_challenges: datetime
    key_activations: datetime
    recovery_tokens: datetime
    recovery_attempts: datetime
    gateway_nonces: datetime
    sms_outbox: datetime
    # a session ended, or expired, before this; a sign-in attempt that opened no session
    # expired before this (those that did go with their session)
    sessions: datetime
    unfinished_logins: datetime


def cutoffs(now: datetime, *, sms_outbox_days: int, session_days: int) -> Cutoffs:
    sessions = now - max(timedelta(days=session_days), TOLD_GRACE)
    return Cutoffs(
        push_challenges=now - TOLD_GRACE,
        key_activations=now - EXPIRY_GRACE,
        recovery_tokens=now - TOLD_GRACE,
        recovery_attempts=now - EXPIRY_GRACE,
        gateway_nonces=now - EXPIRY_GRACE,
        sms_outbox=now - timedelta(days=sms_outbox_days),
        sessions=sessions,
        unfinished_logins=sessions,
    )


# --- throttles ----------------------------------------------------------------------------
ADDRESS_PREFIX = address_key("")
DEVICE_PREFIX = device_key("")
POLICY_PREFIXES = (ADDRESS_PREFIX, DEVICE_PREFIX)  # any other key is under the account policy


def prefix_range(prefix: str) -> tuple[str, str]:
    """The keys starting with ``prefix`` are those ``>= low`` and ``< high`` (an index range)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


@dataclass(frozen=True)
class StaleRule:
    """Keys with ``prefix`` (None: with none of ``POLICY_PREFIXES``) whose policy forgets
    failures: a row whose last failure was at or before ``before`` and whose count is below
    ``below`` (the policy's hard cap, which outlasts any time; 0: no cap) behaves as no row."""

    prefix: str | None
    before: datetime
    below: int


@dataclass(frozen=True)
class ThrottleRetention:
    """Which throttle rows hold nothing a missing row would not — a missing row is a fresh
    one (``lock_many`` inserts it), so deleting these changes no verdict, ever:

    - none whose lockout is still in force (``locked_until`` after ``now``);
    - a row with no failure counted (after a success or an unlock), untouched since
      ``idle_before`` (recent ones are left: the account signs in again soon);
    - a row whose policy has forgotten its failures (``stale``), below the hard cap;
    - a known device's row once the device is no longer known (its key is never used again).
    """

    now: datetime
    idle_before: datetime
    stale: tuple[StaleRule, ...]

    def forgettable(self, row: Throttle, *, device_known: bool = True) -> bool:
        """The rule in Python, as the repository applies it in SQL."""
        if row.locked_until is not None and as_utc(row.locked_until) > self.now:
            return False
        if row.key.startswith(DEVICE_PREFIX) and not device_known:
            return True
        last = as_utc(row.last_failure_at) if row.last_failure_at is not None else None
        if row.failures == 0 and (last is None or last <= self.idle_before):
            return True
        for rule in self.stale:
            if rule.prefix is None:
                if row.key.startswith(POLICY_PREFIXES):
                    continue
            elif not row.key.startswith(rule.prefix):
                continue
            return (
                last is not None
                and last <= rule.before
                and (rule.below == 0 or row.failures < rule.below)
            )
        return False


def throttle_retention(
    now: datetime,
    *,
    account: ThrottlePolicy,
    device: ThrottlePolicy,
    address: ThrottlePolicy,
) -> ThrottleRetention:
    """The rule for these policies: ``address:`` keys are the address policy's, ``device:``
    keys the known-device policy's, every other key (accounts, unknown names, gateway
    devices, recovery) the account policy's, which by default never forgets."""
    stale = tuple(
        StaleRule(prefix, now - timedelta(seconds=policy.reset_seconds), policy.hard_cap)
        for prefix, policy in ((ADDRESS_PREFIX, address), (DEVICE_PREFIX, device), (None, account))
        if policy.reset_seconds > 0
    )
    return ThrottleRetention(now=now, idle_before=now - THROTTLE_IDLE, stale=stale)
