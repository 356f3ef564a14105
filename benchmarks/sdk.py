"""What the SDK costs a client: its calls against the same requests sent with bare httpx.

    .venv/bin/python -m benchmarks.sdk [--calls 2000] [--rounds 5]

Starts a real ``gatehouse serve`` on 127.0.0.1 (embedded SQLite, in a temporary home), signs
a paper gateway session in with the SDK (password + TOTP), then, in alternating rounds on
one keep-alive connection each, sends ``--calls`` ``GET portfolio/{acct}/summary`` requests
with ``AsyncGatehouse.portfolio.summary`` and the same request with a bare
``httpx.AsyncClient`` (bearer header, ``response.json()``). Prints, for both, calls/s, p50 and
p99 latency and this process's CPU per call, and the ratios. The server is the same for both,
so the difference is the SDK's own work (URL building, error mapping, typing). No goal is
set in DESIGN.md; the SDK should cost well under the server's own time per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks.portal import create_user, free_port, wait_until_up
from gatehouse.clients.sdk import AsyncGatehouse
from gatehouse.domain.identity.factors import totp


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.cpu = 0.0
        self.wall = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    @property
    def cpu_per_call_us(self) -> float:
        return self.cpu / len(self.latencies) * 1e6 if self.latencies else 0.0


async def run_round(call: Callable[[], Awaitable[object]], calls: int, tally: Tally) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        began = time.perf_counter()
        await call()
        tally.latencies.append(time.perf_counter() - began)
    tally.cpu += time.process_time() - cpu
    tally.wall += time.perf_counter() - wall


async def compare(base: str, password: str, secret: str, calls: int, rounds: int) -> None:
    async with AsyncGatehouse(base) as gh:
        await gh.login("portalpaper", password, "gateway", "paper")
        await gh.verify("totp", totp.code_at(secret, at=datetime.now(UTC)))
        [account] = await gh.accounts.ids()
        headers = {"Authorization": f"Bearer {gh.token}"}
        path = f"/v1/api/portfolio/{account}/summary"
        async with httpx.AsyncClient(base_url=base, headers=headers) as bare:

            async def with_httpx() -> object:
                answer = await bare.get(path)
                answer.raise_for_status()
                return answer.json()

            async def with_sdk() -> object:
                return await gh.portfolio.summary(account)

            await run_round(with_httpx, 200, Tally())  # warm-up both
            await run_round(with_sdk, 200, Tally())
            sdk, raw = Tally(), Tally()
            for _ in range(rounds):
                await run_round(with_httpx, calls // rounds, raw)
                await run_round(with_sdk, calls // rounds, sdk)
    for name, tally in (("bare httpx", raw), ("SDK portfolio.summary", sdk)):
        print(
            f"{name:<24} {tally.rate:8.1f} calls/s   p50 {tally.percentile(0.5):6.2f} ms   "
            f"p99 {tally.percentile(0.99):6.2f} ms   CPU {tally.cpu_per_call_us:7.1f} µs/call"
        )
    print(
        f"ratio SDK/bare: calls/s {sdk.rate / raw.rate:.3f}, client CPU per call "
        f"{sdk.cpu_per_call_us / raw.cpu_per_call_us:.3f} "
        f"(+{sdk.cpu_per_call_us - raw.cpu_per_call_us:.1f} µs); cores: {os.cpu_count()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        paper_password, secret = asyncio.run(create_user(home))
        port = free_port()
        env = {**os.environ, "GATEHOUSE_HOME": str(home)}
        server = subprocess.Popen(
            [sys.executable, "-m", "gatehouse.cli", "serve", "--port", str(port), "--no-demo"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/healthz")
            asyncio.run(compare(base, paper_password, secret, args.calls, args.rounds))
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
