"""The in-memory moving window of the rate limiter (one node, no Redis)."""

from __future__ import annotations

import asyncio

from gatehouse.adapters.ratelimit import LimitsRateLimiter, MemoryWindows


def test_allows_the_amount_per_window_then_tells_the_wait() -> None:
    windows = MemoryWindows()
    key = ("3/minute", "login", "10.0.0.1")
    assert [windows.hit(3, 60, key, now) for now in (100.0, 110.0, 120.0)] == [0, 0, 0]
    # the fourth waits until the first leaves the window (100 + 60)
    assert windows.hit(3, 60, key, 130.0) == 30.0
    assert windows.hit(3, 60, key, 159.5) == 0.5
    # a refused request is not counted: at 160 the first has left, and one place is free
    assert windows.hit(3, 60, key, 160.0) == 0
    assert windows.hit(3, 60, key, 161.0) == 9.0  # now the one from 110 must leave


def test_keys_count_apart() -> None:
    windows = MemoryWindows()
    assert windows.hit(1, 60, ("1/minute", "login", "a"), 0.0) == 0
    assert windows.hit(1, 60, ("1/minute", "login", "b"), 0.0) == 0
    assert windows.hit(1, 60, ("1/minute", "verify", "a"), 0.0) == 0
    assert windows.hit(1, 60, ("1/minute", "login", "a"), 1.0) == 59.0


def test_idle_windows_are_swept() -> None:
    windows = MemoryWindows()
    for i in range(100):
        windows.hit(5, 10, ("5/10 seconds", "login", str(i)), 0.0)
    assert len(windows) == 100
    windows.hit(5, 10, ("5/10 seconds", "login", "late"), 5.0)  # swept at most once a minute
    assert len(windows) == 101
    windows.hit(5, 10, ("5/10 seconds", "login", "later"), 61.0)
    assert len(windows) == 1  # only the window hit now is left


def test_limiter_answers_whole_seconds() -> None:
    async def run() -> list[int]:
        limiter = LimitsRateLimiter()
        return [await limiter.hit("2/minute", "login", "10.0.0.9") for _ in range(3)]

    first, second, third = asyncio.run(run())
    assert (first, second) == (0, 0)
    assert 59 <= third <= 60
