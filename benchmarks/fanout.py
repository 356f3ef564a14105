"""Real-time fan-out on one node, against a bare ``websockets`` server measured in the same run.

    .venv/bin/python -m benchmarks.fanout [--sessions 5000 10000] [--seconds 3] [--rate 500]
                                          [--tick-hz 10] [--burst 20] [--freeze-gc]

The default (5,000 sessions, 3 s phases) takes about 1.5 minutes; ``--sessions 5000 10000``
measures both sizes of the goals in about 3.5 minutes (the sockets' handshakes, each
reading the database, are most of it).

For each session count it starts, in subprocesses on 127.0.0.1, a Gatehouse server (what
``gatehouse serve`` runs: uvicorn, websockets-sansio, embedded SQLite) with that many
sessions (2-3 per user), and then a bare ``websockets`` server; this process runs the
clients (a minimal WebSocket client on uvloop, the same for both servers) and prints:

(a) account events: ``--rate`` events/s committed in the server for ``--seconds``, each
    to a random user; latency to arrival at each of the user's sockets (``/v1/api/events``),
    from the moment the database commit returned (p50 / p99 / max), and from just before
    the commit began (so including the SQLite commit itself).
(b) market data to every watcher (``/v1/api/ws`` ``smd``): ``--tick-hz`` ticks/s to all
    sockets for ``--seconds`` (latency p50 / p99, deliveries/s, server CPU per delivery —
    the whole process's, and the fan-out call's alone), then ``--burst`` ticks back to
    back (deliveries/s at saturation); the baseline pushes the same frames with
    ``websockets.broadcast``.
(c) memory per idle connection: the server's RSS growth / connections, for both, read a
    second after the last socket is ready.

The servers also report event-loop lag and garbage-collector pauses during each phase, and
this process its own collector's pauses during (a) (they would delay the clients' reads).
The Gatehouse server calls ``gc.freeze()`` after start-up, as ``gatehouse serve`` does;
``--freeze-gc`` makes the baseline do it too.
The Gatehouse server creates any table that has no migration yet (work in progress).

Goals (DESIGN.md section 8, issue 17): (a) p99 <= 10 ms at 10,000 sessions and 500 events/s;
(b) >= 80% of the baseline's deliveries/s at no worse p99; (c) <= 24 KiB per session.
Every phase is bounded in time; the servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvloop

from benchmarks.fanout_servers import BASELINE_PATH, CONID

STAMP = re.compile(rb'"t":"?(\d+)')  # when the commit returned / the tick was sent
START = re.compile(rb'"t0":(\d+)')  # account events: just before the commit began


class Phases:
    """How long each phase took, printed to stderr as it ends (the run must stay short)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.mark = time.monotonic()

    def done(self, what: str) -> None:
        now = time.monotonic()
        print(f"[{self.label}] {what}: {now - self.mark:.1f} s", file=sys.stderr, flush=True)
        self.mark = now


def raise_open_files() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


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


@dataclass
class Tally:
    """What the clients saw during one phase."""

    latencies: array[int] = field(default_factory=lambda: array("q"))
    from_start: array[int] = field(default_factory=lambda: array("q"))  # incl. the commit
    frames: int = 0
    marked: int = 0  # control frames: "ready" / subscription confirmations
    last_ns: int = 0

    def summary(self, which: str = "latencies") -> dict[str, float]:
        ordered = sorted(getattr(self, which))
        if not ordered:
            return {"n": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}

        def ms(q: float) -> float:
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6

        return {"n": len(ordered), "p50": ms(0.50), "p99": ms(0.99), "max": ordered[-1] / 1e6}


class Client(asyncio.Protocol):
    """A minimal WebSocket client: one handshake, unmasked server frames, zero-key masking."""

    def __init__(self, request: bytes, marker: bytes, tally: list[Tally]) -> None:
        self.request = request
        self.marker = marker
        self.tally = tally  # tally[0] is the current phase's
        self.buf = bytearray()
        self.open = False
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during handshake"))

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(bytes(buf[:60]).decode()))
                return
            del buf[: end + 4]
            self.open = True
            self.opened.set_result(None)
        pos, size = 0, len(buf)
        while size - pos >= 2:
            length, head = buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            opcode = buf[pos] & 0x0F
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            if opcode == 1:
                self.on_text(payload)
            elif opcode == 9:
                self.send(payload, opcode=0xA)
        del buf[:pos]

    def on_text(self, payload: bytes) -> None:
        tally = self.tally[0]
        tally.frames += 1
        stamp = STAMP.search(payload)
        if stamp is not None:
            now = time.time_ns()
            tally.latencies.append(now - int(stamp.group(1)))
            tally.last_ns = now
            start = START.search(payload)
            if start is not None:
                tally.from_start.append(now - int(start.group(1)))
        elif self.marker in payload:
            tally.marked += 1

    def send(self, payload: bytes, opcode: int = 1) -> None:
        size = len(payload)
        if size < 126:
            head = bytes([0x80 | opcode, 0x80 | size])
        else:
            head = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
        assert self.transport is not None
        self.transport.write(head + b"\0\0\0\0" + payload)


async def connect_all(
    port: int, path: str, headers: list[str], marker: bytes, tally: list[Tally]
) -> list[Client]:
    loop = asyncio.get_running_loop()
    clients: list[Client] = []

    async def one(extra: str) -> Client:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\n{extra}\r\n"
        ).encode()
        _, client = await loop.create_connection(
            lambda: Client(request, marker, tally), "127.0.0.1", port
        )
        await client.opened
        return client

    for start in range(0, len(headers), 250):
        clients += await asyncio.gather(*(one(h) for h in headers[start : start + 250]))
    return clients


async def until(check: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)


def close_all(clients: list[Client]) -> None:
    for client in clients:
        if client.transport is not None:
            client.transport.close()


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


async def bench_gatehouse(sessions: int, opts: argparse.Namespace) -> dict[str, object]:
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix="gh-fanout-"))
    proc = start_server(["gatehouse", str(home), str(port), str(sessions)])
    out: dict[str, object] = {}
    phases = Phases(f"gatehouse {sessions}")
    try:
        await wait_port(port)
        phases.done("start, sessions")
        tokens = json.loads((home / "tokens.json").read_text())
        auth = [f"Authorization: Bearer {t}\r\n" for t in tokens]
        await asyncio.sleep(1)
        before = rss_kib(proc.pid)
        tally = [Tally()]
        clients = await connect_all(port, "/v1/api/events", auth, b'"ready"', tally)
        for client in clients:
            client.send(b'{"op":"resume"}')
        await until(lambda: tally[0].marked >= sessions, "every socket resumed")
        phases.done("events sockets open")
        async with httpx.AsyncClient(timeout=opts.seconds + 60) as http:
            # (Sockets keep their principal out of the request cache: nothing to wait for.)
            await asyncio.sleep(1)
            out["rss_per_conn_kib"] = (rss_kib(proc.pid) - before) / sessions
            phases.done("memory")

            tally[0] = Tally()
            CLIENT_PAUSES.take()
            base = f"http://127.0.0.1:{port}/bench"
            answer = await http.get(
                f"{base}/events", params={"rate": opts.rate, "seconds": opts.seconds}
            )
            sent = answer.json()
            await asyncio.sleep(0.5)
            out["events"] = {**tally[0].summary(), **sent, **CLIENT_PAUSES.take()}
            out["events_from_start"] = tally[0].summary("from_start")
            close_all(clients)
            phases.done("account events")

            tally[0] = Tally()
            ibkr = await connect_all(port, "/v1/api/ws", auth, b'"smd+', tally)
            for client in ibkr:
                client.send(f'smd+{CONID}+{{"fields":[]}}'.encode())
            await until(lambda: tally[0].marked >= sessions, "every smd confirmed")
            phases.done("ws sockets open")
            await asyncio.sleep(1)
            out["ticks"] = await measure_ticks(http, f"{base}/ticks", proc.pid, tally, opts)
            close_all(ibkr)
            phases.done("ticks")
    finally:
        proc.terminate()
        proc.wait(30)
    return out


async def measure_ticks(
    http: httpx.AsyncClient, url: str, pid: int, tally: list[Tally], opts: argparse.Namespace
) -> dict[str, float]:
    """Steady ticks then a burst; the same for both servers."""
    tally[0] = Tally()
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    server = (await http.get(url, params={"hz": opts.tick_hz, "seconds": opts.seconds})).json()
    await asyncio.sleep(0.5)
    steady = tally[0]
    cpu = cpu_seconds(pid) - cpu0
    delivered = len(steady.latencies)
    result: dict[str, float] = {
        **{f"steady_{k}": v for k, v in steady.summary().items()},
        "steady_deliveries_per_s": delivered / (time.monotonic() - t0 - 0.5),
        "cpu_us_per_delivery": 1e6 * cpu / max(1, delivered),
        **{f"server_{k}": v for k, v in server.items()},
    }
    tally[0] = burst = Tally()
    started = time.time_ns()
    await http.get(url, params={"hz": 0, "seconds": 0, "burst_of": opts.burst})
    expected = opts.burst * opts.current_sessions
    await until(lambda: len(burst.latencies) >= expected, "burst", timeout=60)
    result["burst_deliveries_per_s"] = len(burst.latencies) / ((burst.last_ns - started) / 1e9)
    result["burst_p99"] = burst.summary()["p99"]
    return result


async def bench_baseline(sessions: int, opts: argparse.Namespace) -> dict[str, object]:
    port, control_port = free_port(), free_port()
    proc = start_server(["baseline", str(port), str(control_port)])
    out: dict[str, object] = {}
    phases = Phases(f"baseline {sessions}")
    try:
        await wait_port(port)
        await asyncio.sleep(1)
        before = rss_kib(proc.pid)
        tally = [Tally()]
        clients = await connect_all(port, BASELINE_PATH, [""] * sessions, b'"smd+', tally)
        for client in clients:
            client.send(f'smd+{CONID}+{{"fields":[]}}'.encode())
        await until(lambda: tally[0].marked >= sessions, "every baseline socket subscribed")
        phases.done("sockets open")
        await asyncio.sleep(1)
        out["rss_per_conn_kib"] = (rss_kib(proc.pid) - before) / sessions
        async with httpx.AsyncClient(timeout=opts.seconds + 60) as http:
            control = f"http://127.0.0.1:{control_port}/ticks"
            out["ticks"] = await measure_ticks(http, control, proc.pid, tally, opts)
        close_all(clients)
        phases.done("memory, ticks")
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def report(
    sessions: int, ours: dict[str, Any], base: dict[str, Any], opts: argparse.Namespace
) -> None:
    ev, start = ours["events"], ours["events_from_start"]
    t, b = ours["ticks"], base["ticks"]
    print(f"\n=== {sessions} sessions, {opts.cores} cores ===")
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
    for name, r in (("gatehouse", t), ("websockets.broadcast", b)):
        print(
            f"(b) {name:>20}: {opts.tick_hz:g} Hz to all: {r['steady_deliveries_per_s']:.0f}/s  "
            f"p50 {r['steady_p50']:.2f}  p99 {r['steady_p99']:.2f}  max {r['steady_max']:.1f} ms\n"
            f"    {'':>20}  CPU per delivery: process {r['cpu_us_per_delivery']:.1f} us, "
            f"fan-out call {r['server_fanout_us_per_delivery']:.2f} us; loop lag max "
            f"{r['server_lag_max_ms']:.0f} ms, GC pauses > 2 ms "
            f"{r['server_gc_pauses_over_2ms']:.0f} (longest {r['server_gc_max_ms']:.0f} ms); "
            f"burst of {opts.burst}: "
            f"{r['burst_deliveries_per_s']:.0f}/s"
        )
    print(
        "    ratio gatehouse/baseline: capacity "
        f"{b['cpu_us_per_delivery'] / t['cpu_us_per_delivery']:.2f} (process CPU), "
        f"{b['server_fanout_us_per_delivery'] / t['server_fanout_us_per_delivery']:.2f} "
        f"(fan-out call); burst deliveries/s "
        f"{t['burst_deliveries_per_s'] / b['burst_deliveries_per_s']:.2f}; "
        f"steady p99 {t['steady_p99']:.1f} vs {b['steady_p99']:.1f} ms "
        "(goal: >= 0.80 at no worse p99)"
    )
    print(
        f"(c) memory per idle connection: gatehouse {ours['rss_per_conn_kib']:.1f} KiB, "
        f"baseline {base['rss_per_conn_kib']:.1f} KiB, "
        f"ratio {ours['rss_per_conn_kib'] / base['rss_per_conn_kib']:.2f} (goal: <= 24 KiB)"
    )


async def main(opts: argparse.Namespace) -> None:
    raise_open_files()
    for sessions in opts.sessions:
        opts.current_sessions = sessions
        ours = await bench_gatehouse(sessions, opts)
        base = await bench_baseline(sessions, opts)
        report(sessions, ours, base, opts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[5000])
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--tick-hz", type=float, default=10)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument(
        "--freeze-gc", action="store_true", help="gc.freeze() in both servers after start-up"
    )
    options = parser.parse_args()
    options.cores = os.cpu_count()
    if options.freeze_gc:
        os.environ["FANOUT_FREEZE_GC"] = "1"
    random.seed(1)
    uvloop.run(main(options))
