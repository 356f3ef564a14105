"""Argon2 runs on the hasher's own threads, named ``argon2`` for the OS (benchmarks read their
CPU counters to tell Argon2's CPU from the rest of the server's)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from gatehouse.adapters.crypto import argon2_hasher
from gatehouse.adapters.crypto.argon2_hasher import Argon2Hasher


async def test_hashes_run_on_threads_named_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = Argon2Hasher(memory_kib=1024, time_cost=1, parallelism=1)
    seen: list[str] = []
    verify = hasher.verify_sync

    def spy(hashed: str | None, secret: str) -> bool:
        seen.append(threading.current_thread().name)
        if sys.platform == "linux":
            comm = Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text()
            seen.append(comm.strip())
        return verify(hashed, secret)

    monkeypatch.setattr(hasher, "verify_sync", spy)
    hashed = await hasher.hash("a secret")
    assert await hasher.verify(hashed, "a secret")
    assert not await hasher.verify(hashed, "another")
    assert not await hasher.verify(None, "a secret")  # the dummy hash: same cost, False
    assert all(name.startswith(argon2_hasher.THREAD_NAME) for name in seen)
    assert threading.current_thread().name not in seen
