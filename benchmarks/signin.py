"""Full sign-ins per second (password + TOTP -> session) against the raw Argon2id verify rate.

    .venv/bin/python -m benchmarks.signin [--seconds 15] [--clients 16] [--workers N]

Starts a real ``gatehouse serve`` on 127.0.0.1 (embedded SQLite, default Argon2id parameters:
19 MiB, 2 passes, 1 lane), signs in over HTTP from many concurrent clients, then measures in
the same run how many raw Argon2id verifications per second the same number of processes
(one per core) manage at the same parameters. Goal (DESIGN.md section 8): ratio >= 0.90.

It also prints the server's CPU time per sign-in outside Argon2 (goal: under ~2 ms): the
server processes' CPU counters over the run, minus those of the hasher's own threads (named
``argon2`` at the OS level), idle background subtracted, divided by the sign-ins. Argon2's
CPU is so read in the server, under the same contention as the rest (two hashes at once on
two cores cost more CPU each than one alone: they share the caches and the memory bus); the
verify CPU measured alone in this process is printed beside it for comparison. That figure
holds on a busy machine, where rates do not. So does the line after it, the ratio the CPU
allows: raw CPU per verify / (Argon2 in the server + outside + the load generator's CPU), per
sign-in — as measured, at 2 ms outside, and with nothing outside Argon2.

On SQLite it then runs a second baseline, **the floor** (``benchmarks/signin_floor.py``): the
same two requests doing the same Argon2id, TOTP and 17 SQL statements in the same three
transactions on a copy of the same database, in a bare Starlette app with ``sqlite3`` on the
loop's thread — what a sign-in costs on this machine with no framework between the request and
the SQL. Gatehouse's CPU outside Argon2 is printed as a multiple of the floor's.

``--workers N`` (N > 1) serves from PostgreSQL + Redis (GATEHOUSE_TEST_DATABASE_URL,
GATEHOUSE_TEST_REDIS_URL; ``--backend postgres`` does the same with one worker), and measures
one worker then N workers on the same database in the same run: the scaling factor (goal
>= 1.6x for 2 workers). The load generator runs on the same cores as the server.

Each user's TOTP code can be used once per 30-second step, so the benchmark creates enough
users that no sign-in has to wait for a fresh code.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from rich.progress import Progress

from benchmarks.harness import (
    RawHttp,
    Server,
    database,
    free_port,
    serving,
    using,
    wait_until_up,
)
from gatehouse.adapters.crypto.argon2_hasher import THREAD_NAME
from gatehouse.adapters.db.schema import metadata
from gatehouse.bootstrap import build
from gatehouse.domain.identity.factors import totp
from gatehouse.service.identity import users
from gatehouse.settings import Settings

PASSWORD = "Bench-Mark-Password-2026!"
FAILURES: Counter[str] = Counter()  # why sign-ins failed, printed with the figures


class _PrecomputedHasher:
    """Setup only: every new user gets the same real Argon2id hash of PASSWORD."""

    def __init__(self, hashed: str) -> None:
        self._hashed = hashed

    async def hash(self, secret: str) -> str:
        return self._hashed

    async def verify(self, hashed: str | None, secret: str) -> bool:
        return False

    def needs_rehash(self, hashed: str) -> bool:
        return False


async def create_users(count: int) -> list[tuple[str, str]]:
    settings = Settings()
    runtime = await build(settings)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)  # tables whose migration is not written yet
    real_hash = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    ).hash(PASSWORD)
    runtime.ctx.hasher = _PrecomputedHasher(real_hash)
    out: list[tuple[str, str]] = []
    with Progress() as progress:
        task = progress.add_task("creating users", total=count)
        for i in range(count):
            name = f"bench{i:05d}"
            await users.create(
                runtime.ctx, username=name, password=PASSWORD, email=f"{name}@example.com"
            )
            uri = await users.enroll_totp(runtime.ctx, name, actor="bench")
            out.append((name, uri.split("secret=")[1].split("&")[0]))
            progress.advance(task)
    await runtime.close()
    return out


async def run_load(
    port: int, accounts: list[tuple[str, str]], clients: int, seconds: float
) -> tuple[int, int, float, float]:
    """Sign-ins done, failed, the seconds they took, and this process's CPU seconds for them
    (the load generator's own cost: it shares the cores with the server)."""
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for account in accounts:
        queue.put_nowait(account)
    done = failed = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, failed
        http = await RawHttp(port).connect()
        while time.perf_counter() < stop_at and not queue.empty():
            name, secret = queue.get_nowait()
            status, started = await http.call(
                "POST",
                "/v1/api/auth/login",
                {"username": name, "password": PASSWORD, "platform": "gateway"},
            )
            if status != 200:
                failed += 1
                why = f"{started.get('error', '')} {started.get('message', '')}"
                FAILURES[f"login {status} {why}"] += 1
                continue
            code = totp.code_at(secret, at=datetime.now(UTC))
            status, answer = await http.call(
                "POST",
                f"/v1/api/auth/login/{started['login_id']}/verify",
                {"factor": "totp", "code": code},
            )
            if status == 200:
                done += 1
            else:
                failed += 1
                FAILURES[f"verify {status} {answer.get('error', '')}"] += 1
        http.close()

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return done, failed, time.perf_counter() - began, time.process_time() - cpu


def _verify_loop(args: tuple[str, float]) -> tuple[int, float]:
    hashed, seconds = args
    settings = Settings()
    ph = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    count = 0
    stop_at = time.perf_counter() + seconds
    began = time.process_time()
    while time.perf_counter() < stop_at:
        ph.verify(hashed, PASSWORD)
        count += 1
    return count, time.process_time() - began


@dataclass(frozen=True)
class RawRate:
    rate: float  # verifies per second, all processes
    cpu: float  # CPU seconds per verify, two or more at once (so under the same contention)


def raw_verify_rate(processes: int, seconds: float) -> RawRate:
    settings = Settings()
    hashed = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    ).hash(PASSWORD)
    with multiprocessing.Pool(processes) as pool:
        began = time.perf_counter()
        results = pool.map(_verify_loop, [(hashed, seconds)] * processes)
        elapsed = time.perf_counter() - began
    count = sum(n for n, _ in results)
    return RawRate(count / elapsed, sum(cpu for _, cpu in results) / max(count, 1))


def verify_cpu_seconds(count: int = 20) -> float:
    """CPU time of one Argon2id verify at the server's parameters, measured in this process."""
    settings = Settings()
    ph = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    hashed = ph.hash(PASSWORD)
    ph.verify(hashed, PASSWORD)
    began = time.process_time()
    for _ in range(count):
        ph.verify(hashed, PASSWORD)
    return (time.process_time() - began) / count


LIMITS = {
    "rate_limit_login": "1000000/minute",
    "rate_limit_verify": "1000000/minute",
    "throttle_address_failures": "1000000",
}


@contextlib.contextmanager
def floor_server(env: dict[str, str], database: Path) -> Iterator[Server]:
    """``benchmarks/signin_floor.py`` on a free port, on ``database`` (a copy of Gatehouse's)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.signin_floor", str(port), str(database)],
        env={**os.environ, **env},
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        yield Server(process, port)
    finally:
        process.terminate()
        process.wait(30)


def copy_database(home: Path, to: Path) -> None:
    """A consistent copy of the embedded database (SQLite's online backup)."""
    source = sqlite3.connect(home / "gatehouse.db")
    target = sqlite3.connect(to)
    with source, target:
        source.backup(target)
    source.close()
    target.close()


@dataclass(frozen=True)
class PhaseResult:
    rate: float  # sign-ins per second
    cpu: float  # server CPU seconds per sign-in, idle background subtracted
    argon2: float  # of which the hasher's threads (Argon2), per sign-in
    client: float  # the load generator's CPU seconds per sign-in (it shares the cores)
    failed: int

    @property
    def outside(self) -> float:
        return self.cpu - self.argon2


def phase(
    name: str,
    started: contextlib.AbstractContextManager[Server],
    accounts: list[tuple[str, str]],
    args: argparse.Namespace,
) -> PhaseResult:
    """Sign-ins/s and the server's CPU per sign-in (all, Argon2's) on the server ``started``."""
    with started as server:
        asyncio.run(run_load(server.port, accounts[:20], 4, 2))  # warm-up
        idle = server.idle_cpu_rate()  # background work (ticker, engine, log tail) per second
        cpu, argon2 = server.cpu_seconds(), server.thread_cpu_seconds(THREAD_NAME)
        done, failed, elapsed, client = asyncio.run(
            run_load(server.port, accounts[20:], args.clients, args.seconds)
        )
        cpu = server.cpu_seconds() - cpu - idle * elapsed
        argon2 = server.thread_cpu_seconds(THREAD_NAME) - argon2
    per = max(done, 1)
    result = PhaseResult(done / elapsed, cpu / per, argon2 / per, client / per, failed)
    print(
        f"sign-ins (password + TOTP -> session), {name}: {result.rate:8.1f}/s "
        f"({done} in {elapsed:.1f}s, {failed} failed, {args.clients} clients); "
        f"server CPU {result.cpu * 1000:.1f} ms per sign-in, of which Argon2 "
        f"{result.argon2 * 1000:.1f} ms (idle background {idle * 1000:.0f} ms/s subtracted); "
        f"load generator {result.client * 1000:.2f} ms per sign-in"
        + (f"; failures: {dict(FAILURES)}" if FAILURES else "")
    )
    FAILURES.clear()
    return result


def bound(raw: RawRate, result: PhaseResult) -> str:
    """What the CPU per sign-in allows. When the cores are saturated (as 16 clients on two
    cores keep them), sign-ins/s <= cores / (all CPU per sign-in), and raw verifies/s =
    cores / raw CPU per verify, so the ratio is at most raw / (Argon2 in the server + outside
    + load generator). The ceiling with nothing at all outside Argon2 shows what the ratio
    goal asks of the rest: Argon2 costs more in the server (it shares the cores and the cache
    with the loop and the load generator) than two verifies side by side do."""

    def ratio(outside: float) -> float:
        return raw.cpu / (result.argon2 + outside + result.client)

    return (
        f"    CPU bound of the ratio: {ratio(result.outside):.2f} as measured "
        f"({raw.cpu * 1000:.1f} / ({result.argon2 * 1000:.1f} Argon2 + "
        f"{result.outside * 1000:.2f} outside + {result.client * 1000:.2f} load generator) ms); "
        f"{ratio(0.002):.2f} at 2 ms outside; {ratio(0.0):.2f} with nothing outside Argon2"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--users", type=int, default=0, help="default: enough for the run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    kind = "postgres" if args.workers > 1 else args.backend
    plan = [1, args.workers] if args.workers > 1 else [1]
    per_phase = args.users or int(args.seconds * 70) + 120
    floor = kind == "sqlite"  # the floor runs on a copy of the embedded database
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp) / "home") as env:
        with using(env):
            accounts = asyncio.run(create_users(per_phase * (len(plan) + floor)))
        if floor:
            copy_database(Path(env["GATEHOUSE_HOME"]), Path(tmp) / "floor.db")
        results = [
            phase(
                f"{workers} worker(s)",
                serving(env, workers, **LIMITS),
                accounts[i * per_phase : (i + 1) * per_phase],
                args,
            )
            for i, workers in enumerate(plan)
        ]
        bare = (
            phase(
                "the floor (bare Starlette + sqlite3)",
                floor_server(env, Path(tmp) / "floor.db"),
                accounts[-per_phase:],
                args,
            )
            if floor
            else None
        )
    raw = raw_verify_rate(cores, min(args.seconds, 10))
    verify = verify_cpu_seconds()
    print(
        f"raw Argon2id verify, {cores} processes: {raw.rate:8.1f}/s "
        f"({raw.cpu * 1000:.1f} ms CPU each, {cores} at once; "
        f"{verify * 1000:.1f} ms one at a time in this process)"
    )
    for workers, result in zip(plan, results, strict=True):
        print(
            f"[{kind}, {workers} worker(s)] ratio: {result.rate / raw.rate:.2f}  (goal >= 0.90);  "
            f"server CPU outside Argon2: {result.outside * 1000:.2f} ms per sign-in "
            f"(goal < ~2 ms; Argon2 in the server {result.argon2 * 1000:.1f} ms per sign-in)"
        )
        print(bound(raw, result))
        if bare is not None:
            print(
                f"    the floor, same run: {bare.outside * 1000:.2f} ms outside Argon2 "
                f"(Argon2 {bare.argon2 * 1000:.1f} ms), ratio {bare.rate / raw.rate:.2f} of the "
                f"raw rate; Gatehouse's CPU outside Argon2 is "
                f"{result.outside / max(bare.outside, 1e-6):.1f}x the floor's"
            )
            print(bound(raw, bare))
    if len(plan) > 1:
        print(
            f"scaling 1 -> {args.workers} workers: "
            f"{results[1].rate / results[0].rate:.2f}x (goal >= 1.6x)"
        )


if __name__ == "__main__":
    main()
