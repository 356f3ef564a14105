"""Part (b) of ``benchmarks.fanout``, market data to every watcher, and the plumbing the
benchmark's parts share: the servers' subprocesses and their counters (see its docstring)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.fanout_watch import BASELINE_PATH, Watchers


class Phases:
    """How long each phase took, printed to stderr as it ends (the run must stay short)."""

    def __init__(self, label: str, since: float | None = None) -> None:
        self.label = label
        self.mark = time.monotonic() if since is None else since

    def done(self, what: str) -> None:
        now = time.monotonic()
        print(f"[{self.label}] {what}: {now - self.mark:.1f} s", file=sys.stderr, flush=True)
        self.mark = now


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.fanout_servers", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=None,
    )


async def wait_port(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError(f"server on {port} did not start")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    ticks_url: str
    home: Path | None = None
    started: float = field(default_factory=time.monotonic)


@contextlib.asynccontextmanager
async def baseline_server() -> AsyncIterator[Server]:
    port, control_port = free_port(), free_port()
    proc = start_server(["baseline", str(port), str(control_port)])
    try:
        await wait_port(port)
        yield Server(proc, port, f"http://127.0.0.1:{control_port}/ticks")
    finally:
        proc.terminate()
        proc.wait(30)


BURST_SUMS = ("n", "seconds", "cpu", "client_cpu", "fanout_us", "rounds")


@dataclass
class Side:
    """One server in (b), with its watcher process and what was measured of it."""

    name: str
    server: Server
    watchers: Watchers
    burst: dict[str, float] = field(default_factory=lambda: dict.fromkeys(BURST_SUMS, 0.0))
    steady: dict[str, float] = field(default_factory=dict)
    collected: dict[str, float] = field(default_factory=dict)


async def one_burst(side: Side, http: httpx.AsyncClient, sessions: int, burst_of: int) -> None:
    """``burst_of`` ticks back to back to every watcher: deliveries/s at saturation."""
    await side.watchers.ask("start")
    cpu0, started = cpu_seconds(side.server.proc.pid), time.time_ns()
    server = (
        await http.get(side.server.ticks_url, params={"hz": 0, "seconds": 0, "burst_of": burst_of})
    ).json()
    got = await side.watchers.ask(f"expect {burst_of * sessions}")
    sums = side.burst
    sums["cpu"] += cpu_seconds(side.server.proc.pid) - cpu0
    sums["n"] += got["n"]
    sums["seconds"] += (got["last_ns"] - started) / 1e9
    sums["client_cpu"] += got["cpu_s"]
    sums["fanout_us"] += server["fanout_us_per_delivery"]
    sums["rounds"] += 1


async def steady(sides: list[Side], http: httpx.AsyncClient, hz: float, seconds: float) -> None:
    """Both servers tick at ``hz`` for ``seconds`` at the same time, half a period apart."""
    at = time.time() + 0.5
    await asyncio.gather(*(side.watchers.ask("start") for side in sides))
    cpu0 = [cpu_seconds(side.server.proc.pid) for side in sides]
    offsets = [i / hz / len(sides) for i in range(len(sides))]
    answers = await asyncio.gather(*(
        http.get(side.server.ticks_url, params={"hz": hz, "seconds": seconds, "at": at + offset})
        for side, offset in zip(sides, offsets, strict=True)
    ))  # fmt: skip
    await asyncio.sleep(0.5)
    got = await asyncio.gather(*(side.watchers.ask("stop") for side in sides))
    for side, answer, reply, cpu in zip(sides, answers, got, cpu0, strict=True):
        side.steady = {
            **{f"server_{k}": v for k, v in answer.json().items()},
            **reply,
            "deliveries_per_s": reply["n"] / seconds,
            "cpu_us_per_delivery": 1e6
            * (cpu_seconds(side.server.proc.pid) - cpu)
            / max(1, reply["n"]),
            "client_busy": reply["cpu_s"] / reply["wall_s"],
        }


async def broadcast(
    gh: Server, sessions: int, opts: argparse.Namespace
) -> tuple[dict[str, Any], list[Side]]:
    """(c) for the baseline, then (b) for both: each server's watchers in their own process."""
    phases = Phases(f"broadcast {sessions}")
    async with baseline_server() as bl:
        phases.done("baseline start")
        await asyncio.sleep(1)
        before = rss_kib(bl.proc.pid)
        assert gh.home is not None
        ours, theirs = await asyncio.gather(
            Watchers.start(gh.port, "/v1/api/ws", sessions, gh.home / "tokens.json"),
            Watchers.start(bl.port, BASELINE_PATH, sessions, None),
        )
        await asyncio.sleep(1)
        base = {"rss_per_conn_kib": (rss_kib(bl.proc.pid) - before) / sessions}
        phases.done("ws sockets open (both), baseline memory")
        sides = [Side("gatehouse", gh, ours), Side("websockets.broadcast", bl, theirs)]
        try:
            async with httpx.AsyncClient(timeout=opts.tick_seconds + 60) as http:
                for side in sides:  # each server as it would be long after the storm
                    query = "/collect" if side is sides[0] else "?collect=1"
                    side.collected = (await http.get(side.server.ticks_url + query)).json()
                phases.done("a full collection in each server")
                for _ in range(opts.burst_rounds):
                    for side in reversed(sides):
                        await one_burst(side, http, sessions, opts.burst)
                phases.done("bursts")
                bare = sides[1].burst
                hz = opts.tick_hz or opts.load * bare["n"] / bare["seconds"] / sessions
                await steady(sides, http, hz, opts.tick_seconds)
                for side in sides:
                    side.steady["hz"] = hz
                phases.done("steady ticks")
        finally:
            await asyncio.gather(ours.close(), theirs.close())
    return base, sides
