"""A password hasher that counts its work: how many passwords a request made the server check."""

from __future__ import annotations

from collections import Counter
from typing import Any


class CountingHasher:
    """The real hasher, counting how often each operation runs."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    async def hash(self, secret: str) -> str:
        self.calls["hash"] += 1
        return str(await self.inner.hash(secret))

    async def verify(self, hashed: str | None, secret: str) -> bool:
        self.calls["verify"] += 1
        return bool(await self.inner.verify(hashed, secret))

    def needs_rehash(self, hashed: str) -> bool:
        self.calls["needs_rehash"] += 1
        return bool(self.inner.needs_rehash(hashed))


def count_hashing(runtime: Any) -> CountingHasher:
    """Put a counting hasher in front of ``runtime``'s own, and return it."""
    counting = CountingHasher(runtime.ctx.hasher)
    runtime.ctx.hasher = counting
    return counting
