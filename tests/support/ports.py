"""Ports for the servers the tests start, and for addresses where nothing listens.

A port from ``bind(("127.0.0.1", 0))`` comes from the kernel's ephemeral range, the range it
also draws every outgoing connection's local port from. Between a test letting such a probe go
and its server binding the port, another process's connection (another pytest worker's to
PostgreSQL, Redis or a test server) can take it: CI once failed with ``[Errno 98] address
already in use`` that way. These ports come from below the ephemeral range instead, each
pytest-xdist worker from its own slice, so neither the kernel nor another worker hands the same
port out; each is still checked with a bind before it is returned.
"""

from __future__ import annotations

import os
import random
import re
import socket
from itertools import count
from pathlib import Path

FIRST = 20_000  # above the usual services' ports (PostgreSQL 5432, Redis 6379, NATS 4222)
SLICE = 1_000  # ports per pytest process
SLICES = 12  # 20000-31999: below Linux's default ephemeral range (32768-60999)


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _slice_start() -> int:
    """The controller (or a run without xdist) takes slice 0; worker gwN takes slice N + 1."""
    worker = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    index = 0 if worker is None else int(worker.group(1)) + 1
    return FIRST + (index % SLICES) * SLICE


# a random start, so two suites running at once on one machine rarely meet either
_next = count(random.randrange(SLICE))


def _binds(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing is bound to now and that the kernel will not hand out."""
    if _ephemeral_start() < FIRST + SLICES * SLICE:  # an unusual range: no safe slice
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])
    start = _slice_start()
    for _ in range(SLICE):
        port = start + next(_next) % SLICE
        if _binds(port):
            return port
    raise RuntimeError(f"no free port in 127.0.0.1:{start}-{start + SLICE - 1}")
