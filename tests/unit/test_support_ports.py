"""The tests' own free ports: never from the kernel's ephemeral range, never one in use."""

from __future__ import annotations

import socket

import pytest
from tests.support import ports


def test_a_port_is_below_the_ephemeral_range_in_this_workers_slice() -> None:
    start = ports._slice_start()
    port = ports.free_port()
    assert start <= port < start + ports.SLICE
    assert port < ports._ephemeral_start()
    with socket.socket() as server:  # and a server can bind it
        server.bind(("127.0.0.1", port))


def test_each_xdist_worker_has_its_own_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    starts = set()
    for worker in ("", "gw0", "gw1", "gw2", "gw3"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        starts.add(ports._slice_start())
    assert len(starts) == 5 and max(starts) + ports.SLICE <= 32_768


def test_a_port_in_use_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    start = ports._slice_start()
    k = next(
        k for k in range(ports.SLICE - 1) if ports._binds(start + k) and ports._binds(start + k + 1)
    )
    monkeypatch.setattr(ports, "_next", iter([k, k + 1]))
    with socket.socket() as server:
        server.bind(("127.0.0.1", start + k))
        server.listen()
        assert ports.free_port() == start + k + 1
