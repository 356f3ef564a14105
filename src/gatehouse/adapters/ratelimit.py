"""Request rate limits (the ``limits`` library): in memory on one node, in Redis across nodes."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


class LimitsRateLimiter:
    def __init__(self, redis_url: str | None = None) -> None:
        storage: Storage = MemoryStorage()
        if redis_url:
            # redis-py (a dependency already), not limits' default coredis client.
            found = storage_from_string("async+" + redis_url, implementation="redispy")
            assert isinstance(found, Storage)
            storage = found
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, limit: str, *keys: str) -> int:
        item = parse(limit)
        if await self._limiter.hit(item, *keys):
            return 0
        stats = await self._limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))
