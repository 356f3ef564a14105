"""Which throttle rows pruning may delete: only those that behave exactly as a missing row
(a fresh one) would, now and at every later moment — so deleting them changes no verdict."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.retention import (
    EXPIRY_GRACE,
    SESSION_RETENTION_DAYS,
    TOLD_GRACE,
    cutoffs,
    prefix_range,
    throttle_retention,
)
from gatehouse.domain.identity.throttle import Throttle, ThrottlePolicy
from gatehouse.settings import Settings

DEFAULTS = Settings()
NOW = FakeClock().now()
KEYS = ("account:1", "name:bob", "gateway:d1", "recovery:1", "address:10.0.0.1", "device:ab")
FAILURES = (0, 1, 3, 4, 9, 10, 49, 50, 99, 100)
AGES = (None, 0, 60, 900, 43199, 43200, 86400, 86401, 30 * 86400)  # seconds since last failure
LOCKS = (None, -60, 60)  # locked_until relative to now


def policies(
    account: ThrottlePolicy, device: ThrottlePolicy, address: ThrottlePolicy
) -> dict[str, ThrottlePolicy]:
    return {"address:": address, "device:": device, "": account}


# the defaults, and one where every policy forgets, locks out and caps
POLICY_SETS = {
    "defaults": policies(
        DEFAULTS.throttle_policy(),
        DEFAULTS.device_throttle_policy(),
        DEFAULTS.address_throttle_policy(),
    ),
    "strict": policies(
        ThrottlePolicy(lockout_failures=4, lockout_seconds=86400, reset_seconds=3600, hard_cap=10),
        ThrottlePolicy(lockout_failures=3, lockout_seconds=600, reset_seconds=7200, hard_cap=9),
        ThrottlePolicy(lockout_failures=50, lockout_seconds=90000, reset_seconds=43200),
    ),
}


def policy_for(table: dict[str, ThrottlePolicy], key: str) -> ThrottlePolicy:
    return next(p for prefix, p in table.items() if key.startswith(prefix))


def rows() -> list[Throttle]:
    found = []
    for key, failures, age, lock in itertools.product(KEYS, FAILURES, AGES, LOCKS):
        last = None if age is None else NOW - timedelta(seconds=age)
        if (last is None) != (failures == 0):
            continue  # the domain never writes a count without its time
        until = None if lock is None else NOW + timedelta(seconds=lock)
        found.append(Throttle(key, failures, last, until))
    # a success gives the reserved attempt back: no failure counted, yet a time kept
    for key, age in itertools.product(KEYS, AGES[1:]):
        found.append(Throttle(key, 0, NOW - timedelta(seconds=age or 0), None))
    return found


def same(a: Throttle, b: Throttle) -> bool:
    return (a.failures, a.last_failure_at, a.locked_until) == (
        b.failures,
        b.last_failure_at,
        b.locked_until,
    )


@pytest.mark.parametrize("name", sorted(POLICY_SETS))
def test_a_forgettable_row_behaves_as_a_missing_one_from_now_on(name):
    table = POLICY_SETS[name]
    rule = throttle_retention(
        NOW, account=table[""], device=table["device:"], address=table["address:"]
    )
    forgotten = 0
    for row in rows():
        if not rule.forgettable(row):
            continue
        forgotten += 1
        policy = policy_for(table, row.key)
        for later in (0, 1, 3600, 86400, 100 * 86400):
            at = NOW + timedelta(seconds=later)
            fresh, kept = Throttle(row.key), replace(row)
            assert kept.verdict(at, policy) == fresh.verdict(at, policy), (row, later)
            assert kept.record_failure(at, policy) == fresh.record_failure(at, policy), row
            assert same(kept, fresh), (row, later)
    assert forgotten > 50  # the rule does forget (not a test that cannot fail)


def test_what_stays():
    table = POLICY_SETS["defaults"]
    rule = throttle_retention(
        NOW, account=table[""], device=table["device:"], address=table["address:"]
    )
    ago = {"s": lambda n: NOW - timedelta(seconds=n), "d": lambda n: NOW - timedelta(days=n)}
    # strangers' failures are never forgotten with time (the account policy), nor an unknown
    # name's, a gateway device's or a recovery's: only a success or an unlock clears them
    for key in ("account:1", "name:bob", "gateway:d1", "recovery:1"):
        assert not rule.forgettable(Throttle(key, 1, ago["d"](365)))
    # an address locked out right now (50 failures) stays; 12 hours after its last failure
    # the address policy has forgotten it
    locked = Throttle("address:10.0.0.1", 50, ago["s"](60), NOW + timedelta(seconds=840))
    assert not rule.forgettable(locked)
    assert rule.forgettable(Throttle("address:10.0.0.1", 50, ago["s"](43200), ago["s"](42300)))
    # a known device's count below its cap goes when forgotten; at its cap (the device is
    # then no longer known) only once the device's row is gone
    assert not rule.forgettable(Throttle("device:ab", 3, ago["s"](43199)))
    assert rule.forgettable(Throttle("device:ab", 3, ago["s"](43200)))
    assert not rule.forgettable(Throttle("device:ab", 10, ago["d"](30)))
    assert rule.forgettable(Throttle("device:ab", 10, ago["d"](30)), device_known=False)
    # no failure counted: a day after the last touch (a cleared row, none at all)
    assert not rule.forgettable(Throttle("account:1", 0, ago["s"](3600)))
    assert rule.forgettable(Throttle("account:1", 0, ago["s"](86400)))
    assert rule.forgettable(Throttle("account:1", 0, None))
    # whatever else holds, a lockout still in force stays (locked_until is only informative
    # to the verdict, but pruning never goes against it)
    assert not rule.forgettable(Throttle("account:1", 0, None, NOW + timedelta(seconds=1)))


def test_prefix_ranges_hold_exactly_the_prefixed_keys():
    low, high = prefix_range("device:")
    assert (low, high) == ("device:", "device;")
    inside = ["device:", "device:0", "device:ffff", "device:~"]
    outside = ["device", "device;", "devicf", "account:1", "address:1"]
    assert all(low <= k < high for k in inside)
    assert not any(low <= k < high for k in outside)


def test_expiring_rows_are_kept_past_their_expiry():
    found = cutoffs(NOW, sms_outbox_days=7, session_days=30)
    assert found.push_challenges == NOW - TOLD_GRACE == NOW - timedelta(days=1)
    assert found.recovery_tokens == NOW - TOLD_GRACE
    # a token a day past its expiry was created more than the email cap's hour ago
    assert timedelta(hours=1) < TOLD_GRACE
    for kept in (found.key_activations, found.recovery_attempts, found.gateway_nonces):
        assert kept == NOW - EXPIRY_GRACE
    assert found.sms_outbox == NOW - timedelta(days=7)
    assert isinstance(found.sms_outbox, datetime)
    assert found.sessions == found.unfinished_logins == NOW - timedelta(days=30)


def test_sign_ins_are_kept_at_least_as_long_as_a_late_poll_is_told_they_expired():
    """An attempt's readers tell ``expired`` / ``push_denied`` from ``login_not_found`` for
    ``TOLD_GRACE`` past its expiry: the shortest retention the setting allows keeps that."""
    assert DEFAULTS.session_retention_days == SESSION_RETENTION_DAYS == 30
    shortest = cutoffs(NOW, sms_outbox_days=7, session_days=1)
    assert shortest.unfinished_logins <= NOW - TOLD_GRACE
    assert cutoffs(NOW, sms_outbox_days=7, session_days=0).sessions == NOW - TOLD_GRACE
    with pytest.raises(ValueError, match="session_retention_days"):
        Settings(session_retention_days=0)
