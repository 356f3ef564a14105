"""Request rate limits: in memory on one node, in Redis (the ``limits`` library) across nodes.

Both count a moving window: a request is allowed while fewer than the limit's amount were
allowed in the window's length before it; a refused one is not counted.
"""

from __future__ import annotations

import math
import time
from collections import deque
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


@lru_cache(maxsize=64)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


class MemoryWindows:
    """One node's moving windows, each a queue of the times of the requests it allowed.

    ``limits``' own in-memory store sends a ``bisect`` to a worker thread on every hit (to
    expire old entries), a thread hop per request; this does the same counting on the event
    loop: expired times leave a window's front as it is hit, and windows nobody hit for a
    window's length are dropped in a sweep at most once a minute.
    """

    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        self._windows: dict[tuple[str, ...], tuple[deque[float], float]] = {}
        self._next_sweep = 0.0

    def hit(self, amount: int, seconds: float, key: tuple[str, ...], now: float) -> float:
        """Count one request at ``now``; 0 when allowed, else the seconds until it would be."""
        if now >= self._next_sweep:
            self._sweep(now)
        found = self._windows.get(key)
        if found is None:
            found = self._windows[key] = (deque(), seconds)
        times = found[0]
        cutoff = now - seconds
        while times and times[0] <= cutoff:
            times.popleft()
        if len(times) < amount:
            times.append(now)
            return 0
        # full: a place frees when the oldest time still in the window leaves it
        return times[-amount] + seconds - now if amount > 0 else seconds

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self.SWEEP_SECONDS
        idle = [
            k
            for k, (times, length) in self._windows.items()
            if not times or times[-1] <= now - length
        ]
        for key in idle:
            del self._windows[key]

    def __len__(self) -> int:
        return len(self._windows)


class LimitsRateLimiter:
    def __init__(self, redis_url: str | None = None) -> None:
        self._memory: MemoryWindows | None = None
        self._limiter: MovingWindowRateLimiter | None = None
        if redis_url:
            # redis-py (a dependency already), not limits' default coredis client.
            found = storage_from_string("async+" + redis_url, implementation="redispy")
            assert isinstance(found, Storage)
            self._limiter = MovingWindowRateLimiter(found)
        else:
            self._memory = MemoryWindows()

    async def hit(self, limit: str, *keys: str) -> int:
        item = _parsed(limit)
        if self._memory is not None:
            wait = self._memory.hit(
                item.amount, item.get_expiry(), (limit, *keys), time.monotonic()
            )
            return max(1, math.ceil(wait)) if wait else 0
        assert self._limiter is not None
        if await self._limiter.hit(item, *keys):
            return 0
        stats = await self._limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))
