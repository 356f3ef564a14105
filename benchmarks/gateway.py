"""REST through the Gateway against the same requests straight to the server, in one run.

    .venv/bin/python -m benchmarks.gateway [--requests 2000] [--seconds 5] [--connections 16]

Starts a real ``gatehouse serve`` (embedded SQLite, temporary home, the demo user), enrolls a
gateway with ``gatehouse gateway login`` (paper, TOTP), starts ``gatehouse gateway run --http``
and opens a second session straight to the server (password + SMS). Then, for the same
``GET /v1/api/portfolio/accounts``:

(a) latency: ``--requests`` sequential requests on one keep-alive connection, p50 / p99, for
    the server (with its bearer token) and for the gateway (no credentials); the two are
    interleaved in blocks of 100 so both see the same machine;
(b) throughput: ``--connections`` concurrent keep-alive connections for ``--seconds``,
    requests/s and p99, each way.

Prints each figure, its same-run baseline (straight to the server) and the ratio; the goal is
that the gateway adds under 1 ms at p50. Loopback only; about a minute in all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tests.support.processes import GatewayProcess, Server, cli, wait_until

from gatehouse.clients.sdk import AsyncGatehouse
from gatehouse.domain.identity.factors import totp

PATH = "/v1/api/portfolio/accounts"
PASSPHRASE = "benchmark gateway passphrase"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


async def direct_token(server: Server, demo: dict[str, str]) -> str:
    """A session straight to the server, by password and an SMS code (TOTP's step is spent)."""
    async with AsyncGatehouse(server.url) as client:
        await client.login(demo["paper_username"], demo["paper_password"], "workstation", "paper")
        await client.challenge("sms")
        outbox = cli(server.env, "sms", "outbox", "--json", "--limit", "1")
        code = re.search(r"\b(\d{6})\b", json.loads(outbox.stdout)[0]["text"])
        assert code is not None
        session = await client.verify("sms", code.group(1))
        assert session.token
        return session.token


async def sequential(client: httpx.AsyncClient, count: int) -> list[float]:
    found = []
    for _ in range(count):
        started = time.perf_counter()
        answer = await client.get(PATH)
        found.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
    return found


async def load(url: str, headers: dict[str, str], seconds: float, connections: int):
    latencies: list[float] = []
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                answer = await client.get(PATH)
                latencies.append(time.perf_counter() - started)
                if answer.status_code == 200:
                    done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return done / (time.perf_counter() - started), percentile(latencies, 0.99)


async def measure(server: Server, gateway: GatewayProcess, token: str, args: argparse.Namespace):
    auth = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=server.url, headers=auth, timeout=30) as straight,
        httpx.AsyncClient(base_url=gateway.url, timeout=30) as through,
    ):
        await sequential(straight, 200)  # warm up both paths and their pools
        await sequential(through, 200)
        direct: list[float] = []
        proxied: list[float] = []
        assert gateway.process is not None
        spent = 0.0
        for _ in range(max(1, args.requests // 100)):
            direct += await sequential(straight, 100)
            before = cpu_seconds(gateway.process.pid)
            proxied += await sequential(through, 100)
            spent += cpu_seconds(gateway.process.pid) - before
    print(f"(a) sequential, {len(direct)} requests each way, one keep-alive connection")
    for name, p in (("p50", 0.5), ("p99", 0.99)):
        figure, baseline = percentile(proxied, p), percentile(direct, p)
        print(
            f"    {name}: gateway {figure:.3f} ms, server {baseline:.3f} ms, "
            f"ratio {figure / baseline:.2f}, added {figure - baseline:+.3f} ms"
        )
    print(f"    gateway CPU per proxied request: {spent / len(proxied) * 1e6:.0f} us")
    added = percentile(proxied, 0.5) - percentile(direct, 0.5)
    verdict = "met" if added < 1.0 else "NOT met"
    print(f"    goal: the gateway adds < 1 ms at p50: {verdict} ({added:+.3f} ms)")
    rate_direct, p99_direct = await load(server.url, auth, args.seconds, args.connections)
    rate_gateway, p99_gateway = await load(gateway.url, {}, args.seconds, args.connections)
    print(f"(b) {args.connections} connections for {args.seconds:.0f} s each way")
    print(
        f"    requests/s: gateway {rate_gateway:.0f}, server {rate_direct:.0f}, "
        f"ratio {rate_gateway / rate_direct:.2f}"
    )
    print(
        f"    p99: gateway {p99_gateway:.2f} ms, server {p99_direct:.2f} ms, "
        f"ratio {p99_gateway / p99_direct:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gatehouse-bench-gateway-") as folder:
        root = Path(folder)
        server = Server(root / "server")
        server.start()
        gateway: GatewayProcess | None = None
        try:
            demo = server.demo()
            secret = demo["otpauth_uri"].split("secret=")[1].split("&")[0]
            env = {
                **server.env,
                "GATEHOUSE_GATEWAY_HOME": str(root / "gateway"),
                "GATEHOUSE_GATEWAY_PASSPHRASE": PASSPHRASE,
            }
            env.pop("GATEHOUSE_HOME")
            code = totp.code_at(secret, at=datetime.now(UTC))
            login = cli(
                env, "gateway", "login", "--server", server.url,
                "--username", demo["paper_username"], "--environment", "paper",
                "--factor", "totp", "--password-stdin",
                stdin=f"{demo['paper_password']}\n{code}\n",
            )  # fmt: skip
            if login.returncode != 0:
                sys.exit(f"gateway login failed: {login.stderr}{login.stdout}")
            gateway = GatewayProcess(env, root)
            gateway.start("--log-level", "warning", "--no-tws")
            wait_until(lambda: gateway and gateway.status()["signed_in"], "the gateway")
            token = asyncio.run(direct_token(server, demo))
            asyncio.run(measure(server, gateway, token, args))
        finally:
            if gateway is not None:
                gateway.stop()
            server.stop()


if __name__ == "__main__":
    main()
