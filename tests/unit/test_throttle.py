"""Failed sign-in throttling: free failures, growing delays, lockout and its end, reset,
the hard cap, and the keys (an unknown name and its paper twin share one)."""

from __future__ import annotations

from datetime import UTC, timedelta

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.throttle import (
    Throttle,
    ThrottlePolicy,
    Verdict,
    account_key,
    address_key,
    delay_after,
    device_key,
    unknown_name_key,
)

POLICY = ThrottlePolicy(
    free_failures=3,
    base_delay_seconds=1,
    max_delay_seconds=60,
    lockout_failures=10,
    lockout_seconds=900,
    reset_seconds=43200,
)


def fail(throttle: Throttle, clock: FakeClock, times: int) -> None:
    """Fail ``times`` times, each as soon as the throttle allows it."""
    for _ in range(times):
        clock.advance(throttle.verdict(clock.now(), POLICY).wait)
        throttle.record_failure(clock.now(), POLICY)


def test_a_fresh_key_may_try_at_once():
    verdict = Throttle("account:1").verdict(FakeClock().now(), POLICY)
    assert verdict.allowed
    assert verdict.wait == 0
    assert not verdict.locked


def test_the_first_failures_are_free():
    clock, throttle = FakeClock(), Throttle("account:1")
    for _ in range(POLICY.free_failures):
        verdict = throttle.record_failure(clock.now(), POLICY)
        assert verdict.allowed
    assert throttle.failures == 3


def test_delays_grow_by_doubling_up_to_the_cap():
    assert [delay_after(n, POLICY) for n in range(1, 12)] == [
        0,
        0,
        0,
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]


def test_each_failure_past_the_free_ones_makes_the_next_attempt_wait_longer():
    clock, throttle = FakeClock(), Throttle("account:1")
    fail(throttle, clock, 3)
    waits = []
    for _ in range(6):
        verdict = throttle.record_failure(clock.now(), POLICY)
        waits.append(verdict.wait)
        clock.advance(verdict.wait)
    assert waits == [1, 2, 4, 8, 16, 32]


def test_the_wait_counts_down_with_the_clock():
    clock, throttle = FakeClock(), Throttle("account:1")
    fail(throttle, clock, 6)  # now 4 seconds to wait
    assert throttle.verdict(clock.now(), POLICY).wait == 4
    clock.advance(1.5)
    assert throttle.verdict(clock.now(), POLICY).wait == 3  # rounded up, never down
    clock.advance(2.5)
    assert throttle.verdict(clock.now(), POLICY).allowed


def test_the_lockout_comes_at_the_limit_and_lasts_its_time():
    clock, throttle = FakeClock(), Throttle("account:1")
    fail(throttle, clock, 9)
    assert not throttle.verdict(clock.now() + timedelta(seconds=32), POLICY).locked
    fail(throttle, clock, 1)
    verdict = throttle.verdict(clock.now(), POLICY)
    assert verdict.locked
    assert verdict.wait == 900
    clock.advance(899)
    assert throttle.verdict(clock.now(), POLICY) == Verdict(1, True)
    clock.advance(1)
    assert throttle.verdict(clock.now(), POLICY).allowed


def test_after_a_lockout_the_count_starts_again():
    clock, throttle = FakeClock(), Throttle("account:1")
    fail(throttle, clock, 10)
    clock.advance(900)
    verdict = throttle.record_failure(clock.now(), POLICY)
    assert throttle.failures == 1
    assert throttle.locked_until is None
    assert verdict.allowed


def test_a_released_reservation_below_the_limit_ends_the_lockout():
    per_address = ThrottlePolicy(free_failures=10, base_delay_seconds=0, lockout_failures=10)
    clock, throttle = FakeClock(), Throttle("address:10.0.0.1")
    for _ in range(10):  # the tenth was a reservation that turned out right
        throttle.record_failure(clock.now(), per_address)
    assert throttle.verdict(clock.now(), per_address).locked
    throttle.failures -= 1  # what the release does, in SQL
    assert throttle.verdict(clock.now(), per_address).allowed


def test_failures_are_forgotten_after_the_reset_window():
    clock, throttle = FakeClock(), Throttle("account:1")
    fail(throttle, clock, 8)
    clock.advance(POLICY.reset_seconds - 1)
    assert throttle.verdict(clock.now(), POLICY).allowed  # the delay has long passed
    throttle.record_failure(clock.now(), POLICY)
    assert throttle.failures == 9  # but the failures still count
    clock.advance(POLICY.reset_seconds)
    throttle.record_failure(clock.now(), POLICY)
    assert throttle.failures == 1


def test_clear_forgets_everything_even_a_lockout():
    clock, throttle = FakeClock(), Throttle("account:1")
    fail(throttle, clock, 10)
    throttle.clear()
    assert throttle.verdict(clock.now(), POLICY).allowed
    assert throttle.failures == 0


def test_a_policy_without_delays_only_locks():
    per_address = ThrottlePolicy(
        free_failures=50, base_delay_seconds=0, lockout_failures=50, lockout_seconds=600
    )
    clock, throttle = FakeClock(), Throttle("address:10.0.0.1")
    for _ in range(49):
        assert throttle.record_failure(clock.now(), per_address).allowed
    verdict = throttle.record_failure(clock.now(), per_address)
    assert verdict.locked
    assert verdict.wait == 600


def test_naive_times_from_a_database_are_read_as_utc():
    clock = FakeClock()
    now = clock.now()
    throttle = Throttle(
        "account:1",
        failures=10,
        last_failure_at=(now - timedelta(seconds=840)).replace(tzinfo=None),
    )
    assert throttle.verdict(now, POLICY).wait == 60
    assert throttle.verdict(now.astimezone(UTC) + timedelta(seconds=60), POLICY).allowed


STRANGERS = ThrottlePolicy(max_delay_seconds=900, reset_seconds=0, hard_cap=100)


def test_strangers_wait_ever_longer_and_stop_for_good_at_the_hard_cap():
    clock, throttle = FakeClock(), Throttle("account:1")
    waits = []
    for _ in range(99):
        clock.advance(throttle.verdict(clock.now(), STRANGERS).wait)
        waits.append(throttle.record_failure(clock.now(), STRANGERS).wait)
    assert waits[:14] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    assert set(waits[13:]) == {900}  # never a reset: the waits stay at their cap
    clock.advance(900)
    last = throttle.record_failure(clock.now(), STRANGERS)
    assert last == Verdict(0, True, permanent=True)
    assert not last.allowed
    clock.advance(365 * 86400)  # time never lifts it: only recovery or support does
    assert throttle.verdict(clock.now(), STRANGERS).permanent
    throttle.clear()
    assert throttle.verdict(clock.now(), STRANGERS).allowed


def test_an_unknown_name_and_its_paper_twin_share_a_key():
    assert unknown_name_key("mallory") == unknown_name_key("mallorypaper") == "name:mallory"
    assert unknown_name_key("paper") == "name:paper"


def test_keys_of_different_kinds_never_collide():
    keys = {account_key(7), address_key("7"), unknown_name_key("7"), device_key("7")}
    assert keys == {"account:7", "address:7", "name:7", "device:7"}


def test_a_failure_recorded_just_after_this_attempt_read_the_clock_costs_no_extra_wait():
    # Concurrent sign-ins take the clock, then queue on the row lock: the row may carry a
    # failure stamped a few milliseconds after this attempt's "now".
    clock = FakeClock()
    now = clock.now()
    no_delay = ThrottlePolicy(
        free_failures=50, base_delay_seconds=0, max_delay_seconds=0, lockout_failures=50,
        lockout_seconds=900, reset_seconds=43200,
    )  # fmt: skip
    later = now + timedelta(milliseconds=30)
    busy = Throttle("address:10.0.0.1", failures=5, last_failure_at=later)
    assert busy.verdict(now, no_delay) == Verdict(0, False)
    delayed = Throttle("account:1", failures=4, last_failure_at=later)
    assert delayed.verdict(now, POLICY) == Verdict(1, False)  # the 1 s delay, not 1.03 s -> 2
