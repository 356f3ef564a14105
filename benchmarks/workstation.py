"""An order placed over REST by one session -> the row in the Workstation's Live orders panel.

    .venv/bin/python -m benchmarks.workstation [--orders 200]

Starts a real ``gatehouse serve`` (embedded SQLite), signs the same paper user in twice, runs
the Workstation headless (Textual's test driver) on the second session with its Live orders
panel, then from the first places ``--orders`` one-share market orders one after the other
and times each from the moment the request is sent until the order's row is in the panel's
table (the events stream, then the panel's reload). Baseline in the same run: the same
order's ``order.filled`` event on a bare events socket of the Workstation's session, read in a
process of its own (in the Workstation's process it would wait behind the Workstation's own
work on the same loop). Both are timed on the system-wide monotonic clock. Goal (issue 13): an
order placed elsewhere appears within a second.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from websockets.asyncio.client import connect

from benchmarks.harness import RawHttp, database, percentile, serving, sign_in, using
from benchmarks.order_fill import create_user, place
from gatehouse.clients.workstation.app import WorkstationApp
from gatehouse.clients.workstation.config import PreferenceStore
from gatehouse.clients.workstation.connect import SdkSignIn
from gatehouse.clients.workstation.handoff import Handoff
from gatehouse.clients.workstation.link import Session
from gatehouse.clients.workstation.panels.tables import OrdersPanel
from gatehouse.clients.workstation.workspace import WorkspaceScreen


class Listener:
    """The baseline: a bare events socket of the watcher's session in a process of its own,
    reporting when each ``order.filled`` arrived (``time.monotonic_ns``, the same clock here)."""

    def __init__(self, url: str, token: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.workstation", "--listen", url],
            env={**os.environ, "BENCHMARK_TOKEN": token},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.lines = self.process.stdout
        self.filled: dict[str, int] = {}
        if self.lines.readline().strip() != "ready":
            raise RuntimeError("the baseline's events socket did not start")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.lines:
            order_id, at = line.split()
            self.filled[order_id] = int(at)

    def wait_for(self, order_ids: list[str]) -> None:
        deadline = time.monotonic() + 10
        while any(order_id not in self.filled for order_id in order_ids):
            assert time.monotonic() < deadline, "the baseline missed an order.filled"
            time.sleep(0.01)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def listen(url: str, token: str) -> None:
    async def main() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with connect(url, additional_headers=headers) as ws:
            await ws.send(json.dumps({"op": "resume", "since": None}))
            while json.loads(await ws.recv()).get("type") != "ready":
                pass
            print("ready", flush=True)
            async for message in ws:
                frame = json.loads(message)
                if frame.get("type") == "order.filled":
                    print(frame["data"]["orderId"], time.monotonic_ns(), flush=True)

    asyncio.run(main())


async def run(base: str, port: int, placer: dict, watcher: dict, orders: int, home: Path) -> tuple:
    account = placer["accounts"][0]
    http = await RawHttp(port, placer["token"]).connect()
    shown: list[float] = []
    began: dict[str, int] = {}
    session = Session.from_body(watcher)
    app = WorkstationApp(
        SdkSignIn(base),
        store=PreferenceStore(home / "workstation.json"),
        detached=Handoff(base, session, "orders", "stable"),
        quote_seconds=0,
    )
    listener = Listener(base.replace("http", "ws", 1) + "/v1/api/events", watcher["token"])
    gc.freeze()  # as `gatehouse workstation` does before it runs the app
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, WorkspaceScreen)
            while screen.stream != "live":
                await pilot.pause(0.01)
            table = screen.query_one(OrdersPanel).table
            for i in range(orders):
                sent = time.monotonic_ns()
                order_id = await place(http, account, "BUY" if i % 2 == 0 else "SELL")
                began[order_id] = sent
                deadline = time.monotonic() + 10
                while order_id not in {str(key.value) for key in table.rows}:
                    assert time.monotonic() < deadline, "the order never appeared"
                    await asyncio.sleep(0.002)
                shown.append((time.monotonic_ns() - sent) / 1e9)
        listener.wait_for(list(began))
        raw = [(listener.filled[order_id] - sent) / 1e9 for order_id, sent in began.items()]
    finally:
        http.close()
        listener.close()
    return shown, raw


def measure(orders: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp) / "home") as env:
        with using(env):
            password, secret = asyncio.run(create_user())
        with serving(env) as server:
            placer = sign_in(server.base, "fillerpaper", password, secret)
            watcher = sign_in(server.base, "fillerpaper", password, secret, step=1)
            shown, raw = asyncio.run(
                run(server.base, server.port, placer, watcher, orders, Path(tmp))
            )
    ms = 1000
    p50, p99 = percentile(shown, 0.5) * ms, percentile(shown, 0.99) * ms
    r50, r99 = percentile(raw, 0.5) * ms, percentile(raw, 0.99) * ms
    print(
        f"order -> row in the Workstation's Live orders: p50 {p50:7.2f} ms  p99 {p99:7.2f} ms"
        f"  max {max(shown) * ms:7.1f} ms  ({len(shown)} orders)"
    )
    print(f"baseline, order -> order.filled on a bare socket: p50 {r50:7.2f} ms  p99 {r99:7.2f} ms")
    print(f"ratio: p50 {p50 / r50:.2f}  p99 {p99 / r99:.2f};  goal: within 1,000 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--listen", metavar="URL", help=argparse.SUPPRESS)  # the baseline
    args = parser.parse_args()
    if args.listen:
        listen(args.listen, os.environ["BENCHMARK_TOKEN"])
    else:
        measure(args.orders)


if __name__ == "__main__":
    main()
