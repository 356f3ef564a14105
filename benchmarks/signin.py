"""Full sign-ins per second (password + TOTP -> session) against the raw Argon2id verify rate.

    .venv/bin/python -m benchmarks.signin [--seconds 15] [--clients 16] [--users 600]

Starts a real ``gatehouse serve`` on 127.0.0.1 (embedded SQLite, default Argon2id parameters:
19 MiB, 2 passes, 1 lane), signs in over HTTP from many concurrent clients, then measures in
the same run how many raw Argon2id verifications per second the same number of processes
(one per core) manage at the same parameters. Goal (DESIGN.md section 8): ratio >= 0.90.

Each user's TOTP code can be used once per 30-second step, so the benchmark creates enough
users that no sign-in has to wait for a fresh code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from rich.progress import Progress

from gatehouse.bootstrap import build
from gatehouse.domain.identity.factors import totp
from gatehouse.service.identity import users
from gatehouse.settings import Settings

PASSWORD = "Bench-Mark-Password-2026!"


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


async def create_users(home: Path, count: int) -> list[tuple[str, str]]:
    settings = Settings(home=home)
    runtime = await build(settings)
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RawHttp:
    """A minimal HTTP/1.1 keep-alive JSON client: the load generator shares the cores with the
    server, so it must cost as little as possible (httpx costs ~1 ms of CPU per request)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, body: dict[str, str]) -> tuple[int, dict[str, object]]:
        payload = json.dumps(body).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nhost: {self.host}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        data = await self.reader.readexactly(length)
        return status, json.loads(data)


async def run_load(
    port: int, accounts: list[tuple[str, str]], clients: int, seconds: float
) -> tuple[int, int, float]:
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for account in accounts:
        queue.put_nowait(account)
    done = failed = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, failed
        http = RawHttp("127.0.0.1", port)
        await http.connect()
        while time.perf_counter() < stop_at and not queue.empty():
            name, secret = queue.get_nowait()
            status, started = await http.post(
                "/v1/api/auth/login",
                {"username": name, "password": PASSWORD, "platform": "gateway"},
            )
            if status != 200:
                failed += 1
                continue
            code = totp.code_at(secret, at=datetime.now(UTC))
            status, _ = await http.post(
                f"/v1/api/auth/login/{started['login_id']}/verify", {"factor": "totp", "code": code}
            )
            if status == 200:
                done += 1
            else:
                failed += 1
        http.writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return done, failed, time.perf_counter() - began


def _verify_loop(args: tuple[str, float]) -> int:
    hashed, seconds = args
    settings = Settings()
    ph = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    count = 0
    stop_at = time.perf_counter() + seconds
    while time.perf_counter() < stop_at:
        ph.verify(hashed, PASSWORD)
        count += 1
    return count


def raw_verify_rate(processes: int, seconds: float) -> float:
    settings = Settings()
    hashed = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    ).hash(PASSWORD)
    with multiprocessing.Pool(processes) as pool:
        began = time.perf_counter()
        counts = pool.map(_verify_loop, [(hashed, seconds)] * processes)
        elapsed = time.perf_counter() - began
    return sum(counts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--users", type=int, default=0, help="default: enough for the run")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    count = args.users or int(args.seconds * 60) + 100
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        accounts = asyncio.run(create_users(home, count))
        port = free_port()
        env = {
            **os.environ,
            "GATEHOUSE_HOME": str(home),
            "GATEHOUSE_RATE_LIMIT_LOGIN": "1000000/minute",
            "GATEHOUSE_RATE_LIMIT_VERIFY": "1000000/minute",
            "GATEHOUSE_THROTTLE_ADDRESS_FAILURES": "1000000",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gatehouse.cli", "serve", "--port", str(port), "--no-demo"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    httpx.get(base + "/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            asyncio.run(run_load(port, accounts[:20], 4, 2))  # warm-up
            done, failed, elapsed = asyncio.run(
                run_load(port, accounts[20:], args.clients, args.seconds)
            )
        finally:
            server.terminate()
            server.wait()
    rate = done / elapsed
    baseline = raw_verify_rate(cores, min(args.seconds, 10))
    print(
        f"sign-ins (password + TOTP -> session): {rate:8.1f}/s "
        f"({done} in {elapsed:.1f}s, {failed} failed, {args.clients} clients)"
    )
    print(f"raw Argon2id verify, {cores} processes:   {baseline:8.1f}/s")
    print(f"ratio: {rate / baseline:.2f}  (goal >= 0.90)")


if __name__ == "__main__":
    main()
