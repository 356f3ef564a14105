"""Argon2id password hashing (argon2-cffi); runs off the event loop, since it takes ~20 ms.

At most one hash runs per core at a time: more would not finish sooner (each is ~20 ms of
pure CPU over 19 MiB), they would only evict each other's memory from the caches, take turns
on the cores with the event loop, and hold a thread each. Waiting sign-ins queue instead.
"""

from __future__ import annotations

import asyncio
import os

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2Hasher:
    """Hashes and verifies secrets; ``needs_rehash`` tells when the parameters changed."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self._ph = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        # verified against when the user does not exist, so both paths cost the same
        self._dummy = self._ph.hash("gatehouse-dummy-password")
        self._slots = max(1, len(os.sched_getaffinity(0)))
        self._limiters: dict[int, anyio.CapacityLimiter] = {}

    def _limit(self) -> anyio.CapacityLimiter:
        """The limiter of the running event loop (a CLI may run several loops in turn)."""
        loop = id(asyncio.get_running_loop())
        limiter = self._limiters.get(loop)
        if limiter is None:
            self._limiters = {loop: (limiter := anyio.CapacityLimiter(self._slots))}
        return limiter

    def hash_sync(self, secret: str) -> str:
        return self._ph.hash(secret)

    def verify_sync(self, hashed: str | None, secret: str) -> bool:
        try:
            return self._ph.verify(hashed or self._dummy, secret) and hashed is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        return self._ph.check_needs_rehash(hashed)

    async def hash(self, secret: str) -> str:
        return await anyio.to_thread.run_sync(self.hash_sync, secret, limiter=self._limit())

    async def verify(self, hashed: str | None, secret: str) -> bool:
        """Verify ``secret``; with ``hashed=None`` spend the same time and return False."""
        return await anyio.to_thread.run_sync(
            self.verify_sync, hashed, secret, limiter=self._limit()
        )
