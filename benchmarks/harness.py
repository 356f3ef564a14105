"""Shared benchmark plumbing: a database to serve from, a real ``gatehouse serve`` (one or N
workers), its CPU counters, a cheap HTTP/1.1 client, TOTP sign-in over the API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from gatehouse.domain.identity.factors import totp

PG_ENV = "GATEHOUSE_TEST_DATABASE_URL"
REDIS_ENV = "GATEHOUSE_TEST_REDIS_URL"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


@contextlib.contextmanager
def database(kind: str, home: Path) -> Iterator[dict[str, str]]:
    """Environment for a fresh database: the embedded SQLite in ``home``, or a new PostgreSQL
    database (from GATEHOUSE_TEST_DATABASE_URL) plus Redis (GATEHOUSE_TEST_REDIS_URL), dropped
    afterwards."""
    env = {"GATEHOUSE_HOME": str(home), "GATEHOUSE_SECRET_KEY": secrets.token_hex(32)}
    if kind == "sqlite":
        yield env
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    base = os.environ.get(PG_ENV)
    redis = os.environ.get(REDIS_ENV)
    if not base or not redis:
        sys.exit(f"PostgreSQL runs need {PG_ENV} and {REDIS_ENV}")
    name = "gh_bench_" + secrets.token_hex(4)

    async def admin(sql: str) -> None:
        engine = create_async_engine(make_url(base), isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield env | {"GATEHOUSE_DATABASE_URL": url, "GATEHOUSE_REDIS_URL": redis}
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def using(env: dict[str, str]) -> Iterator[None]:
    """Set ``env`` in this process (for in-process set-up through ``build``)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class Server:
    """A running ``gatehouse serve``; ``cpu_seconds()`` sums its processes' CPU counters."""

    process: subprocess.Popen[bytes]
    port: int
    pids: list[int] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        return sum(process_cpu_seconds(pid) for pid in [self.process.pid, *self.pids])

    def thread_cpu_seconds(self, name: str) -> float:
        """The CPU counters of the server's threads named ``name`` at the OS level (their
        ``comm``, e.g. the ``argon2`` threads of the password hasher), summed."""
        total = 0
        for pid in [self.process.pid, *self.pids]:
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    with contextlib.suppress(OSError):
                        if (task / "comm").read_text().strip() != name:
                            continue
                        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                        total += int(fields[11]) + int(fields[12])
        return total / TICKS

    def idle_cpu_rate(self, seconds: float = 3.0) -> float:
        """CPU seconds per second the server spends with no requests (background work)."""
        began = self.cpu_seconds()
        time.sleep(seconds)
        return (self.cpu_seconds() - began) / seconds

    def rss_kib(self) -> int:
        total = 0
        for pid in [self.process.pid, *self.pids]:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 once it is gone)."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return 0.0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


@contextlib.contextmanager
def serving(env: dict[str, str], workers: int = 1, **settings: str) -> Iterator[Server]:
    """``gatehouse serve --workers N --no-demo`` on a free port until the block ends."""
    port = free_port()
    extra = {f"GATEHOUSE_{k.upper()}": v for k, v in settings.items()}
    process = subprocess.Popen(
        [sys.executable, "-m", "gatehouse.cli", "serve", "--port", str(port), "--no-demo",
         "--workers", str(workers)],
        env={**os.environ, **env, **extra},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    server = Server(process, port)
    try:
        wait_until_up(server.base + "/healthz")
        if workers > 1:
            for _ in range(100):  # the supervisor answers health checks once all serve
                kids = _children(process.pid)
                if len(kids) >= workers:
                    break
                time.sleep(0.1)
            server.pids = [p for p in _children(process.pid) if _is_worker(p)]
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _is_worker(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


class RawHttp:
    """A minimal HTTP/1.1 keep-alive JSON client: the load generator shares the cores with the
    server, so it must cost as little as possible (httpx costs ~1 ms of CPU per request)."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.auth = f"authorization: Bearer {token}\r\n" if token else ""
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def connect(self) -> RawHttp:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = b"" if body is None else json.dumps(body).encode()
        kind = "content-type: application/json\r\n" if body is not None else ""
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n{self.auth}{kind}"
            f"content-length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        data = await self.reader.readexactly(length)
        return status, json.loads(data) if data else None

    def close(self) -> None:
        self.writer.close()


def sign_in(base: str, username: str, password: str, secret: str, step: int = 0) -> dict[str, Any]:
    """Password + TOTP (the code of the current step + ``step``: a second session of the same
    user within 30 s needs the next one), paper environment, gateway platform."""
    with httpx.Client(base_url=base, timeout=30) as http:
        started = http.post(
            "/v1/api/auth/login",
            json={"username": username, "password": password, "platform": "gateway",
                  "environment": "paper"},
        ).json()  # fmt: skip
        code = totp.code_at(secret, at=datetime.now(UTC) + timedelta(seconds=30 * step))
        done = http.post(
            f"/v1/api/auth/login/{started['login_id']}/verify",
            json={"factor": "totp", "code": code},
        )
        done.raise_for_status()
        return dict(done.json())
