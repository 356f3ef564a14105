"""Order placed over REST by one session -> ``order.filled`` at another session of the user.

    .venv/bin/python -m benchmarks.order_fill [--orders 1000] [--backend sqlite|postgres|both]

Starts a real ``gatehouse serve`` (embedded SQLite; ``--backend postgres`` uses a fresh
database at GATEHOUSE_TEST_DATABASE_URL with Redis at GATEHOUSE_TEST_REDIS_URL), signs the
same user in twice (two paper gateway sessions), opens the events socket of the second, then
from the first places ``--orders`` one-share market orders one after the other (alternately
BUY and SELL) and times each from the moment the request is sent until the second session
receives the order's ``order.filled`` event. Baseline in the same run: the first session's
REST round trip for a read (``GET /v1/api/portfolio/{acct}/summary``), measured between
orders on the same connection. Goal (DESIGN.md section 8): p99 < 50 ms. Under two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

from benchmarks.harness import RawHttp, database, percentile, serving, sign_in, using
from gatehouse.adapters.db.schema import metadata
from gatehouse.bootstrap import build
from gatehouse.service.identity import users
from gatehouse.settings import Settings

PASSWORD = "Bench-Mark-Password-2026!"
AAPL = 265598


async def create_user() -> tuple[str, str]:
    """A user with TOTP (settings from the environment); (paper password, TOTP secret)."""
    runtime = await build(Settings())
    async with runtime.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)  # tables whose migration is not written yet
    created = await users.create(
        runtime.ctx, username="filler", password=PASSWORD, email="filler@example.com"
    )
    uri = await users.enroll_totp(runtime.ctx, "filler", actor="bench")
    await runtime.close()
    return created.paper_password, uri.split("secret=")[1].split("&")[0]


async def place(http: RawHttp, account: str, side: str) -> str:
    """Place a one-share market order, clearing any question; its order id."""
    order = {"conid": AAPL, "side": side, "quantity": 1, "orderType": "MKT", "tif": "DAY"}
    status, answer = await http.call(
        "POST", f"/v1/api/iserver/account/{account}/orders", {"orders": [order]}
    )
    while status == 200 and isinstance(answer, list) and answer and "message" in answer[0]:
        status, answer = await http.call(
            "POST", f"/v1/api/iserver/reply/{answer[0]['id']}", {"confirmed": True}
        )
    if status != 200:
        raise RuntimeError(f"order refused: {status} {answer}")
    return str(answer[0]["order_id"])


async def run(port: int, placer: dict, watcher: dict, orders: int) -> tuple[list, list]:
    account = placer["accounts"][0]
    http = await RawHttp(port, placer["token"]).connect()
    fills: list[float] = []
    reads: list[float] = []
    url = f"ws://127.0.0.1:{port}/v1/api/events"
    headers = {"Authorization": f"Bearer {watcher['token']}"}
    async with connect(url, additional_headers=headers, compression=None) as ws:
        await ws.send(json.dumps({"op": "resume", "since": None}))
        while json.loads(await ws.recv()).get("type") != "ready":
            pass
        filled: dict[str, float] = {}
        waiting: dict[str, asyncio.Future[float]] = {}

        async def listen() -> None:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "order.filled":
                    order_id, at = str(frame["data"]["orderId"]), time.perf_counter()
                    filled[order_id] = at
                    if order_id in waiting and not waiting[order_id].done():
                        waiting[order_id].set_result(at)

        listener = asyncio.create_task(listen())
        try:
            for i in range(orders):
                began = time.perf_counter()
                status, _ = await http.call("GET", f"/v1/api/portfolio/{account}/summary")
                reads.append(time.perf_counter() - began)
                assert status == 200
                began = time.perf_counter()
                order_id = await place(http, account, "BUY" if i % 2 == 0 else "SELL")
                if order_id not in filled:
                    waiting[order_id] = asyncio.get_running_loop().create_future()
                    filled[order_id] = await asyncio.wait_for(waiting.pop(order_id), 10)
                fills.append(filled.pop(order_id) - began)
        finally:
            listener.cancel()
            http.close()
    return fills, reads


def measure(kind: str, orders: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp) / "home") as env:
        with using(env):
            password, secret = asyncio.run(create_user())
        with serving(env) as server:
            placer = sign_in(server.base, "fillerpaper", password, secret)
            watcher = sign_in(server.base, "fillerpaper", password, secret, step=1)
            asyncio.run(run(server.port, placer, watcher, 50))  # warm-up
            cpu = server.cpu_seconds()
            began = time.perf_counter()
            fills, reads = asyncio.run(run(server.port, placer, watcher, orders))
            elapsed = time.perf_counter() - began
            cpu = server.cpu_seconds() - cpu
    ms = 1000
    p50, p99 = percentile(fills, 0.5) * ms, percentile(fills, 0.99) * ms
    r50, r99 = percentile(reads, 0.5) * ms, percentile(reads, 0.99) * ms
    print(
        f"[{kind}] order -> order.filled at the other session: p50 {p50:6.2f} ms  "
        f"p99 {p99:6.2f} ms  max {max(fills) * ms:6.1f} ms  ({len(fills)} orders, {elapsed:.1f} s)"
    )
    print(f"[{kind}] baseline, REST read round trip:         p50 {r50:6.2f} ms  p99 {r99:6.2f} ms")
    print(
        f"[{kind}] ratio order/read: p50 {p50 / r50:.2f}  p99 {p99 / r99:.2f};  "
        f"server CPU {cpu * ms / len(fills):.2f} ms per order+read;  goal p99 < 50 ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args()
    for kind in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        measure(kind, args.orders)


if __name__ == "__main__":
    main()
