"""Authenticated portal reads per second and their p99, against a bare Starlette endpoint.

    .venv/bin/python -m benchmarks.portal [--seconds 10] [--connections 64] [--workers N]

Starts a real ``gatehouse serve`` on 127.0.0.1 (embedded SQLite, in a temporary home),
signs a user in through the API (password + TOTP, a paper gateway session), buys a few
positions, then sends authenticated ``GET /v1/api/portfolio/{acct}/summary`` requests from
``--connections`` keep-alive connections for ``--seconds``. In the same run, a bare
Starlette "hello" endpoint served by uvicorn gets the same load from the same client.
Goal (DESIGN.md section 8): at least 40% of the bare requests/s, and p99 under 20 ms.
Loopback only; the whole run takes about 2 x (seconds + 3) seconds plus setup.

Besides req/s and p99 it prints the server's CPU time per request (its processes' CPU
counters over the run), which holds on a busy machine where rates do not. ``--workers N``
(N > 1) serves from PostgreSQL + Redis (GATEHOUSE_TEST_DATABASE_URL, GATEHOUSE_TEST_REDIS_URL;
``--backend postgres`` does the same with one worker) and measures one worker, then N
workers, on the same database in the same run: the scaling factor (goal >= 1.6x for 2). The
load generator is one process on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.harness import (
    database,
    free_port,
    process_cpu_seconds,
    serving,
    sign_in,
    using,
    wait_until_up,
)
from gatehouse.adapters.db.schema import metadata
from gatehouse.bootstrap import build
from gatehouse.service.identity import users
from gatehouse.settings import Settings

PASSWORD = "Bench-Mark-Password-2026!"
BARE_SERVER = """
import asyncio, sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def hello(request):
    return JSONResponse({"hello": "world"})

app = Starlette(routes=[Route("/hello", hello)])
config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                        lifespan="off")
asyncio.run(uvicorn.Server(config).serve())
"""


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


async def create_user() -> tuple[str, str]:
    """A user with TOTP; returns (paper password, TOTP secret).

    Tables declared but not yet in a migration are created too (``checkfirst``), so the
    benchmark runs on a tree whose newest migration is still to be generated.
    """
    runtime = await build(Settings())
    async with runtime.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    created = await users.create(
        runtime.ctx, username="portal", password=PASSWORD, email="portal@example.com"
    )
    uri = await users.enroll_totp(runtime.ctx, "portal", actor="bench")
    await runtime.close()
    return created.paper_password, uri.split("secret=")[1].split("&")[0]


def sign_in_and_trade(base: str, password: str, secret: str, step: int = 0) -> tuple[str, str]:
    """Sign in through the API (paper, gateway) and buy a few positions; (token, account).
    ``step``: which TOTP step's code (a second sign-in within 30 s needs the next one)."""
    session = sign_in(base, "portalpaper", password, secret, step=step)
    token, account = session["token"], session["accounts"][0]
    with httpx.Client(base_url=base, timeout=30) as http:
        headers = {"Authorization": f"Bearer {token}"}
        for conid, quantity in ((265598, 10), (756733, 5), (9599491, 100)):
            answer: Any = http.post(
                f"/v1/api/iserver/account/{account}/orders",
                headers=headers,
                json={"orders": [{"conid": conid, "side": "BUY", "quantity": quantity,
                                  "orderType": "MKT"}]},
            ).json()  # fmt: skip
            while isinstance(answer, list) and answer and "message" in answer[0]:
                answer = http.post(
                    f"/v1/api/iserver/reply/{answer[0]['id']}",
                    headers=headers,
                    json={"confirmed": True},
                ).json()
        return token, account


async def _connection(
    port: int, request: bytes, stop_at: float, latencies: list[float], counts: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            counts[0 if head.startswith(b"HTTP/1.1 200") else 1] += 1
    finally:
        writer.close()


async def load(port: int, path: str, token: str | None, connections: int, seconds: float) -> Result:
    auth = f"authorization: Bearer {token}\r\n" if token else ""
    request = f"GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n{auth}\r\n".encode()
    latencies: list[float] = []
    counts = [0, 0]
    began = time.perf_counter()
    stop_at = began + seconds
    await asyncio.gather(
        *(_connection(port, request, stop_at, latencies, counts) for _ in range(connections))
    )
    return Result(counts[0], counts[1], time.perf_counter() - began, latencies)


def measure(port: int, path: str, token: str | None, connections: int, seconds: float) -> Result:
    asyncio.run(load(port, path, token, connections, min(2.0, seconds)))  # warm-up
    return asyncio.run(load(port, path, token, connections, seconds))


def report(name: str, result: Result, connections: int, cpu: float | None = None) -> None:
    per_request = f"   server CPU {cpu / result.requests * 1e6:5.0f} us/req" if cpu else ""
    print(
        f"{name:<46} {result.rate:9.1f} req/s   p50 {result.percentile(0.5):6.2f} ms   "
        f"p99 {result.percentile(0.99):6.2f} ms   ({result.requests} ok, {result.errors} errors, "
        f"{connections} connections, {result.seconds:.1f} s){per_request}"
    )


def gatehouse_phase(
    env: dict[str, str],
    workers: int,
    secrets: tuple[str, str],
    args: argparse.Namespace,
    step: int = 0,
) -> tuple[Result, float]:
    """The summary under load with ``workers`` processes: (result, server CPU seconds)."""
    with serving(env, workers) as server:
        token, account = sign_in_and_trade(server.base, *secrets, step=step)
        path = f"/v1/api/portfolio/{account}/summary"
        asyncio.run(load(server.port, path, token, args.connections, min(2.0, args.seconds)))
        cpu = server.cpu_seconds()
        result = asyncio.run(load(server.port, path, token, args.connections, args.seconds))
        return result, server.cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    kind = "postgres" if args.workers > 1 else args.backend
    plan = [1, args.workers] if args.workers > 1 else [1]
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp) / "home") as env:
        with using(env):
            secrets = asyncio.run(create_user())
        phases = [
            gatehouse_phase(env, workers, secrets, args, step) for step, workers in enumerate(plan)
        ]
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(bare_port)])
    try:
        wait_until_up(f"http://127.0.0.1:{bare_port}/hello")
        began = process_cpu_seconds(bare.pid)
        baseline = measure(bare_port, "/hello", None, args.connections, args.seconds)
        bare_cpu = process_cpu_seconds(bare.pid) - began
    finally:
        bare.terminate()
        bare.wait()
    for workers, (result, cpu) in zip(plan, phases, strict=True):
        name = f"summary, authenticated [{kind}, {workers} worker(s)]"
        report(name, result, args.connections, cpu)
    report("bare Starlette hello (uvicorn, 1 process)", baseline, args.connections, bare_cpu)
    bare_per_request = bare_cpu / baseline.requests if baseline.requests else 0.0
    for workers, (result, cpu) in zip(plan, phases, strict=True):
        ratio = result.rate / baseline.rate if baseline.rate else 0.0
        per_request = cpu / result.requests if result.requests else 0.0
        cpu_ratio = bare_per_request / per_request if per_request else 0.0
        print(
            f"[{workers} worker(s)] ratio: {ratio:.2f} (goal >= 0.40); p99 "
            f"{result.percentile(0.99):.2f} ms (goal < 20 ms); CPU-per-request ratio (bare / "
            f"Gatehouse, steadier than req/s on a busy machine): {cpu_ratio:.2f}; "
            f"cores: {os.cpu_count()}"
        )
    if len(plan) > 1:
        factor = phases[1][0].rate / phases[0][0].rate
        print(f"scaling 1 -> {args.workers} workers: {factor:.2f}x (goal >= 1.6x)")


if __name__ == "__main__":
    main()
