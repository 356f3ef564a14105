"""Argon2id password hashing (argon2-cffi); runs off the event loop, since it takes ~20 ms.

At most one hash runs per core at a time: more would not finish sooner (each is ~20 ms of
pure CPU over 19 MiB), they would only evict each other's memory from the caches, take turns
on the cores with the event loop, and hold a thread each. Waiting sign-ins queue instead.

The hashes run on the hasher's own threads, named ``argon2`` for the operating system too
(``top -H``, ``/proc/<pid>/task/*/comm``), so the CPU they take can be told apart from the
rest of the server's: ``benchmarks/signin.py`` reads it to report the CPU a sign-in costs
outside Argon2.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

THREAD_NAME = "argon2"


def _name_thread() -> None:
    """Give the worker thread its name at the OS level (Linux; elsewhere nothing happens)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/self/task/{threading.get_native_id()}/comm").write_text(THREAD_NAME)


class Argon2Hasher:
    """Hashes and verifies secrets; ``needs_rehash`` tells when the parameters changed."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self._ph = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        # verified against when the user does not exist, so both paths cost the same
        self._dummy = self._ph.hash("gatehouse-dummy-password")
        # one thread per core (threads start on first use): work beyond that queues, in order;
        # the pool serves every event loop that uses this hasher (a CLI may run several)
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, len(os.sched_getaffinity(0))),
            thread_name_prefix=THREAD_NAME,
            initializer=_name_thread,
        )

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
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.hash_sync, secret)

    async def verify(self, hashed: str | None, secret: str) -> bool:
        """Verify ``secret``; with ``hashed=None`` spend the same time and return False."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.verify_sync, hashed, secret)
