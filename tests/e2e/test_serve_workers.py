"""``gatehouse serve --workers 2`` on PostgreSQL + Redis: one port, two processes answering,
and an event written through one worker reaches a socket held by the other. On the embedded
SQLite default (or without Redis) more than one worker is refused with a clear message."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from tests.support.backends import PG_ENV, REDIS_ENV, require
from tests.support.ports import free_port
from tests.support.sync import events, open_socket, resume
from websockets.asyncio.client import ClientConnection

PASSWORD = "Correct-Horse-42-battery"
FAST = {"GATEHOUSE_ARGON2_MEMORY_KIB": "1024", "GATEHOUSE_ARGON2_TIME_COST": "1"}
LISTENING = re.compile(r"Gatehouse listening on http://localhost:(\d+) .* 2 workers, pids ([\d ]+)")


def _environment(home: Path, **extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    return {**kept, **FAST, "GATEHOUSE_HOME": str(home), "GATEHOUSE_DEMO": "false", **extra}


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    base = make_url(require(PG_ENV, "PostgreSQL"))
    name = "gh_workers_" + secrets.token_hex(5)
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[int, list[int], dict[str, str]]]:
    """Two workers on one free port; yields (port, worker pids, environment)."""
    env = _environment(
        tmp_path / "home",
        GATEHOUSE_DATABASE_URL=database_url,
        GATEHOUSE_REDIS_URL=require(REDIS_ENV, "Redis"),
        GATEHOUSE_SECRET_KEY=secrets.token_hex(32),  # a namespace of its own on the shared Redis
    )
    user = ["alice", "--email", "a@example.com", "--password", PASSWORD, "--phone", "+15551234567"]
    made = subprocess.run(
        [sys.executable, "-m", "gatehouse.cli", "users", "create", *user],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr + made.stdout
    process = subprocess.Popen(
        [sys.executable, "-m", "gatehouse.cli", "serve", "--workers", "2"],
        env={**env, "GATEHOUSE_PORT": str(free_port())},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # pytest-timeout bounds this
            if found := LISTENING.match(line):
                break
        else:
            pytest.fail(f"serve stopped before listening (exit {process.wait()})")
        yield int(found.group(1)), [int(p) for p in found.group(2).split()], env
    finally:
        process.terminate()
        process.communicate(timeout=30)


def serving_pid(port: int, client: tuple[str, int], pids: list[int]) -> int:
    """Which worker holds the server end of the client's TCP connection (from /proc); waits
    for a worker to accept it (until then the kernel lists it with no socket inode)."""
    deadline = time.monotonic() + 30  # a bound, not a pace: a loaded machine accepts late
    while time.monotonic() < deadline:
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
            if int(local, 16) == port and int(remote, 16) == client[1] and fields[9] != "0":
                inodes.add(f"socket:[{fields[9]}]")
        for pid in pids:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) in inodes:
                        return pid
                except OSError:
                    continue  # closed meanwhile
        time.sleep(0.05)
    raise AssertionError(f"no worker holds the connection from {client}")


def call(conn: http.client.HTTPConnection, method: str, path: str, body: object) -> dict:
    conn.request(method, path, json.dumps(body), {"Content-Type": "application/json"})
    answer = conn.getresponse()
    payload = answer.read()
    assert answer.status == 200, payload
    return dict(json.loads(payload))


async def sms_code(database_url: str) -> str:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            sql = text("SELECT text FROM sms_outbox ORDER BY id DESC LIMIT 1")
            message = (await conn.execute(sql)).scalar_one()
    finally:
        await engine.dispose()
    found = re.search(r"\b(\d{6})\b", message)
    assert found is not None
    return found.group(1)


async def sign_in(conn: http.client.HTTPConnection, database_url: str) -> dict:
    """Password + SMS, every request on ``conn`` (so on the worker that accepted it)."""
    start = {"username": "alice", "password": PASSWORD, "platform": "gateway"}
    login = (await asyncio.to_thread(call, conn, "POST", "/v1/api/auth/login", start))["login_id"]
    path = f"/v1/api/auth/login/{login}"
    await asyncio.to_thread(call, conn, "POST", path + "/challenge", {"factor": "sms"})
    verify = {"factor": "sms", "code": await sms_code(database_url)}
    return await asyncio.to_thread(call, conn, "POST", path + "/verify", verify)


async def test_two_workers_share_the_port_and_deliver_each_others_events(served, database_url):
    port, pids, _ = served
    assert len(set(pids)) == 2
    base = f"http://127.0.0.1:{port}"
    writer = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    writer.connect()
    assert writer.sock is not None
    writing_pid = serving_pid(port, writer.sock.getsockname(), pids)
    first = await sign_in(writer, database_url)
    sockets: dict[int, list[ClientConnection]] = {pid: [] for pid in pids}
    try:
        for _ in range(200):  # the kernel hands each connection to whichever worker accepts
            ws = await open_socket(base, token=first["token"])
            sockets[serving_pid(port, ws.local_address, pids)].append(ws)
            if all(sockets.values()):
                break
        assert all(sockets.values()), {pid: len(held) for pid, held in sockets.items()}
        other = next(pid for pid in pids if pid != writing_pid)
        watchers = [sockets[writing_pid][0], sockets[other][0]]  # one on each worker
        for ws in watchers:
            assert (await resume(ws, None))[-1]["type"] == "ready"
        second = await sign_in(writer, database_url)  # written by the writer's worker
        for ws in watchers:  # ...reaches its own sockets and, through Redis, the other's
            [event] = await events(ws, 1, timeout=10)
            assert event["type"] == "session.created"
            assert event["data"]["session_id"] == second["session_id"]
    finally:
        writer.close()
        for held in sockets.values():
            for ws in held:
                await ws.close()


@pytest.mark.parametrize("redis", [False, True])
def test_more_than_one_worker_is_refused_on_the_embedded_database(tmp_path, redis):
    extra = {"GATEHOUSE_REDIS_URL": "redis://127.0.0.1:1/0"} if redis else {}
    done = subprocess.run(
        [sys.executable, "-m", "gatehouse.cli", "serve", "--workers", "2"],
        env=_environment(tmp_path / "home", **extra),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--workers 2 needs PostgreSQL" in " ".join(done.stdout.split())
    assert not (tmp_path / "home" / "gatehouse.db").exists()  # refused before anything


def test_more_than_one_worker_is_refused_without_redis(tmp_path):
    env = _environment(tmp_path / "home", GATEHOUSE_DATABASE_URL="postgresql+asyncpg://x@h/db")
    done = subprocess.run(
        [sys.executable, "-m", "gatehouse.cli", "serve", "--workers", "2"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "needs Redis (GATEHOUSE_REDIS_URL)" in " ".join(done.stdout.split())
