"""Real-time fan-out on one node, against a bare ``websockets`` server measured in the same run.

    .venv/bin/python -m benchmarks.fanout [--sessions 5000 10000] [--seconds 3] [--rate 500]
        [--burst 10] [--burst-rounds 4] [--load 0.5 | --tick-hz HZ] [--tick-seconds 12]
        [--nice -10] [--freeze-gc]

The default (5,000 sessions, a 12 s steady phase in (b)) takes about 1.5 minutes;
``--sessions 5000 10000`` measures both sizes of the goals in about 3.5 minutes (the
sockets' handshakes, each reading the database, are most of it).

For each session count it starts, in subprocesses on 127.0.0.1, a Gatehouse server (what
``gatehouse serve`` runs: uvicorn, websockets-sansio, embedded SQLite) with that many
sessions (2-3 per user), and a bare ``websockets`` server; the clients are a minimal
WebSocket client on uvloop, the same code for both servers (``fanout_watch``). It prints:

(a) account events: ``--rate`` events/s committed in the server for ``--seconds``, each
    to a random user; latency to arrival at each of the user's sockets (``/v1/api/events``,
    held by this process), from the moment the database commit returned (p50 / p99 / max),
    and from just before the commit began (so including the SQLite commit itself).
(b) market data to every watcher (``/v1/api/ws`` ``smd``; the baseline pushes the same
    frames with ``websockets.broadcast``). Both servers are up at once, each with its own
    watcher process (one per server, so that neither server's frames wait behind the
    other's in a client, and 2 x 10,000 client sockets stay within one process's
    open-file limit). Two measurements, the load identical for both servers:
    - capacity: ``--burst-rounds`` bursts of ``--burst`` ticks back to back per server,
      alternating baseline / Gatehouse, so that a busy moment of the shared machine
      falls on both: deliveries/s at saturation (arrivals at the watchers) and the
      server's CPU per delivery (the whole process's, and the fan-out call's alone).
    - latency: both servers tick at ONE common rate, ``--load`` (0.5) x the baseline's
      burst deliveries/s from this run (or ``--tick-hz``), for ``--tick-seconds``, at
      the same time, their ticks half a period apart (one server fans out while the
      other idles): p50 / p99 / max from the tick to each arrival, deliveries/s, server
      CPU per delivery, loop lag and GC pauses. Below saturation, a tick's p99 is the
      time the server takes to write it to 99 % of the sockets, not a backlog. Each
      watcher process prints how busy it was: well under one core, so the client is not
      the bottleneck (at saturation it reads ~35-60 % of a core while its server
      writes).
(c) memory per idle connection: the server's RSS growth / connections, for both, read a
    second after the last socket is ready.

The servers also report event-loop lag and garbage-collector pauses during each phase, and
this process its own collector's pauses during (a) (they would delay the clients' reads).
The Gatehouse server calls ``gc.freeze()`` after start-up, as ``gatehouse serve`` does;
``--freeze-gc`` makes the baseline do it too. On a shared machine ``--nice -10`` lowers
the niceness of this run's processes and of its session's scheduling group (Linux
autogroups: without it another session's processes share the cores with the run's as a
whole); it applies to both servers alike and is printed with the results.
The Gatehouse server creates any table that has no migration yet (work in progress).

Goals (DESIGN.md section 8, issue 17): (a) p99 <= 10 ms at 10,000 sessions and 500 events/s;
(b) >= 80% of the baseline's deliveries/s at no worse p99; (c) <= 24 KiB per session.
Every phase is bounded in time; the servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import uvloop

from benchmarks.fanout_broadcast import (
    Phases,
    Server,
    Side,
    broadcast,
    free_port,
    rss_kib,
    start_server,
    wait_port,
)
from benchmarks.fanout_watch import (
    Tally,
    close_all,
    connect_all,
    raise_open_files,
    until,
)


class ClientPauses:
    """This process's own garbage-collection pauses > 2 ms: they delay the clients' reads."""

    def __init__(self) -> None:
        self.started = 0.0
        self.pauses: list[float] = []
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        elif (ms := (time.perf_counter() - self.started) * 1000) > 2:
            self.pauses.append(ms)

    def take(self) -> dict[str, float]:
        """The pauses since the last call."""
        pauses, self.pauses = self.pauses, []
        return {"client_gc_pauses": len(pauses), "client_gc_max_ms": max(pauses, default=0.0)}


CLIENT_PAUSES = ClientPauses()


@contextlib.asynccontextmanager
async def gatehouse_server(sessions: int) -> AsyncIterator[Server]:
    port, started = free_port(), time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="gh-fanout-"))
    proc = start_server(["gatehouse", str(home), str(port), str(sessions)])
    try:
        await wait_port(port)
        yield Server(proc, port, f"http://127.0.0.1:{port}/bench/ticks", home, started)
    finally:
        proc.terminate()
        proc.wait(30)


async def events_and_memory(gh: Server, sessions: int, opts: argparse.Namespace) -> dict[str, Any]:
    """(c) for Gatehouse, then (a), over ``/v1/api/events`` sockets held by this process."""
    assert gh.home is not None
    phases = Phases(f"gatehouse {sessions}", gh.started)
    phases.done("start, sessions")
    tokens = json.loads((gh.home / "tokens.json").read_text())
    auth = [f"Authorization: Bearer {t}\r\n" for t in tokens]
    await asyncio.sleep(1)
    before = rss_kib(gh.proc.pid)
    tally = [Tally()]
    clients = await connect_all(gh.port, "/v1/api/events", auth, b'"ready"', tally)
    for client in clients:
        client.send(b'{"op":"resume"}')
    await until(lambda: tally[0].marked >= sessions, "every socket resumed")
    phases.done("events sockets open")
    out: dict[str, Any] = {}
    # (Sockets keep their principal out of the request cache: nothing to wait for.)
    await asyncio.sleep(1)
    out["rss_per_conn_kib"] = (rss_kib(gh.proc.pid) - before) / sessions
    phases.done("memory")
    tally[0] = Tally()
    CLIENT_PAUSES.take()
    async with httpx.AsyncClient(timeout=opts.seconds + 60) as http:
        answer = await http.get(
            f"http://127.0.0.1:{gh.port}/bench/events",
            params={"rate": opts.rate, "seconds": opts.seconds},
        )
    sent = answer.json()
    await asyncio.sleep(0.5)
    out["events"] = {**tally[0].summary(), **sent, **CLIENT_PAUSES.take()}
    out["events_from_start"] = tally[0].summary("from_start")
    close_all(clients)
    phases.done("account events")
    return out


def report(
    sessions: int, ours: dict[str, Any], base: dict[str, Any], sides: list[Side],
    opts: argparse.Namespace,
) -> None:  # fmt: skip
    ev, start = ours["events"], ours["events_from_start"]
    group = Path("/proc/self/autogroup")
    nice = f"{os.nice(0)}" + (f" ({group.read_text().strip()})" if group.exists() else "")
    print(f"\n=== {sessions} sessions, {opts.cores} cores, niceness {nice} ===")
    print(
        f"(a) account events: {ev['sent']:.0f} committed at {ev['achieved_rate']:.0f}/s, "
        f"{ev['n']} deliveries (goal: p99 <= 10 ms)\n"
        f"    commit done -> arrival:  p50 {ev['p50']:.2f}  p99 {ev['p99']:.2f}  "
        f"max {ev['max']:.2f} ms\n"
        f"    commit start -> arrival: p50 {start['p50']:.2f}  p99 {start['p99']:.2f}  "
        f"max {start['max']:.2f} ms\n"
        f"    server loop lag p99 {ev['lag_p99_ms']:.1f} max {ev['lag_max_ms']:.1f} ms; "
        f"GC pauses > 2 ms: {ev['gc_pauses_over_2ms']}, longest {ev['gc_max_ms']:.1f} ms; "
        f"client GC pauses > 2 ms: {ev['client_gc_pauses']}, "
        f"longest {ev['client_gc_max_ms']:.1f} ms"
    )
    rate: dict[str, float] = {}
    cpu: dict[str, float] = {}
    print(
        f"(b) market data to all {sessions} watchers; capacity: {opts.burst_rounds} bursts of "
        f"{opts.burst} ticks back to back per server, alternating"
    )
    for side in sides:
        b = side.burst
        rate[side.name] = b["n"] / b["seconds"]
        cpu[side.name] = 1e6 * b["cpu"] / b["n"]
        print(
            f"    {side.name:>20}: {rate[side.name]:.0f} deliveries/s; server CPU per delivery "
            f"{cpu[side.name]:.1f} us (fan-out call {b['fanout_us'] / b['rounds']:.2f} us); "
            f"client process busy {b['client_cpu'] / b['seconds']:.0%}"
        )
    g, w = sides[0].steady, sides[1].steady
    how = "--tick-hz" if opts.tick_hz else f"{opts.load:g} x the baseline's burst rate"
    print(
        f"    latency at one load for both: {g['hz']:.2f} ticks/s to all = "
        f"{g['hz'] * sessions:.0f} deliveries/s each ({how}), {opts.tick_seconds:g} s, "
        "both servers at once, their ticks half a period apart"
    )
    for side in sides:
        s = side.steady
        print(
            f"    {side.name:>20}: p50 {s['p50']:.2f}  p99 {s['p99']:.2f}  max {s['max']:.1f} ms; "
            f"{s['deliveries_per_s']:.0f} deliveries/s, server CPU per delivery "
            f"{s['cpu_us_per_delivery']:.1f} us, loop lag max {s['server_lag_max_ms']:.0f} ms, "
            f"GC pauses > 2 ms {s['server_gc_pauses_over_2ms']:.0f} (longest "
            f"{s['server_gc_max_ms']:.0f} ms, generation {s['server_gc_max_generation']:.0f}); "
            "client process busy "
            f"{s['client_busy']:.0%}"
        )
    print(
        "    before them, after the sockets' storm, a full garbage collection in each: "
        + "; ".join(
            f"{side.name} {side.collected['collect_ms']:.0f} ms "
            f"({side.collected['tracked']:.0f} objects tracked, "
            f"{side.collected['unreachable']:.0f} unreachable)"
            for side in sides
        )
    )
    names = [side.name for side in sides]
    capacity = rate[names[0]] / rate[names[1]]
    met = capacity >= 0.80 and g["p99"] <= w["p99"]
    print(
        f"    ratio gatehouse/baseline: capacity {capacity:.2f} (deliveries/s), "
        f"{cpu[names[1]] / cpu[names[0]]:.2f} (server CPU); p99 at one load "
        f"{g['p99']:.1f} vs {w['p99']:.1f} ms: {'met' if met else 'NOT met'} "
        "(goal: >= 0.80 at no worse p99)"
    )
    print(
        f"(c) memory per idle connection: gatehouse {ours['rss_per_conn_kib']:.1f} KiB, "
        f"baseline {base['rss_per_conn_kib']:.1f} KiB, "
        f"ratio {ours['rss_per_conn_kib'] / base['rss_per_conn_kib']:.2f} (goal: <= 24 KiB)"
    )


@contextlib.contextmanager
def niceness(nice: int) -> Iterator[None]:
    """This process's niceness (the servers and watchers inherit it) and, where the kernel
    groups a session's processes for scheduling (autogroup), the group's: with autogroups
    a process's niceness only counts against its own session's other processes."""
    group = Path("/proc/self/autogroup")
    before = group.read_text().split()[-1] if group.exists() else None
    os.nice(nice)
    if before is not None and nice:
        group.write_text(str(nice))
    try:
        yield
    finally:
        if before is not None and nice:
            group.write_text(before)


async def main(opts: argparse.Namespace) -> None:
    raise_open_files()
    for sessions in opts.sessions:
        async with gatehouse_server(sessions) as gh:
            ours = await events_and_memory(gh, sessions, opts)
            base, sides = await broadcast(gh, sessions, opts)
        report(sessions, ours, base, sides, opts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[5000])
    parser.add_argument("--seconds", type=float, default=3, help="(a)'s length")
    parser.add_argument("--rate", type=float, default=500, help="(a)'s events/s")
    parser.add_argument("--burst", type=int, default=10, help="(b)'s ticks per burst")
    parser.add_argument("--burst-rounds", type=int, default=4)
    parser.add_argument(
        "--load", type=float, default=0.5,
        help="(b)'s common load, as a fraction of the baseline's burst deliveries/s",
    )  # fmt: skip
    parser.add_argument("--tick-hz", type=float, default=0, help="(b)'s common load, fixed")
    parser.add_argument("--tick-seconds", type=float, default=12, help="(b)'s steady length")
    parser.add_argument(
        "--freeze-gc", action="store_true", help="gc.freeze() in both servers after start-up"
    )
    parser.add_argument(
        "--nice", type=int, default=0,
        help="change this process's and the servers' niceness (-10: the shared machine's other "
        "work takes less from the run; needs the privilege to lower it)",
    )  # fmt: skip
    options = parser.parse_args()
    options.cores = os.cpu_count()
    if options.freeze_gc:
        os.environ["FANOUT_FREEZE_GC"] = "1"
    random.seed(1)
    with niceness(options.nice):
        uvloop.run(main(options))
