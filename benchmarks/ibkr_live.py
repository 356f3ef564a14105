"""IBKR socket live topics: what one refresh of ``ssd``, ``sld``, ``spl`` and ``sbd`` costs a
node per subscribed socket and tick, against the REST summary read in the same run.

    .venv/bin/python -m benchmarks.ibkr_live [--ticks 300]

In process, on the embedded SQLite in a temporary home: one paper account holding three
stocks; each round moves a fake clock one tick (so every cache is cold for the new quotes,
as on a real tick) and builds each frame as the socket's refresher does. Baseline: the
``portfolio/{acct}/summary`` figures and JSON for the same tick. Prints p50/p99 in µs and
each topic's p50 as a multiple of the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import percentile
from gatehouse.adapters.db.metadata import metadata
from gatehouse.api import portal_shapes
from gatehouse.api.sockets import ibkr_live
from gatehouse.api.sockets.ibkr_topics import Subscription, TopicContext
from gatehouse.bootstrap import build
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.users import Environment, Platform
from gatehouse.service.identity import sessions, users
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.sync.quotes import QuoteHub
from gatehouse.service.trading import orders, portfolio
from gatehouse.settings import Settings

HELD = (265598, 9599491, 756733)  # AAPL, F, SPY
BUILDERS = {
    "sd": ibkr_live.summary_frames,
    "ld": ibkr_live.ledger_frames,
    "pl": ibkr_live.pnl_frames,
    "bd": ibkr_live.book_frames,
}


class _Outlet:
    def offer(self, frame: bytes) -> bool:
        return True


async def _principal(runtime: Any) -> Principal:
    created = await users.create(
        runtime.ctx, username="bench", password="Correct-Horse-42-battery", email="b@x.org"
    )
    async with runtime.ctx.uow() as uow:
        grant = await sessions.create(
            runtime.ctx, uow, created.user, platform=Platform.GATEWAY,
            environment=Environment.PAPER, device_name="bench", client_address="127.0.0.1",
            user_agent="bench",
        )  # fmt: skip
        await uow.commit()
    return Principal(grant.user, grant.session)


async def _timed(
    ticks: int, clock: FakeClock, work: Callable[[], Awaitable[object]]
) -> list[float]:
    spent = []
    for _ in range(ticks):
        clock.advance(1)
        began = time.perf_counter()
        await work()
        spent.append((time.perf_counter() - began) * 1e6)
    return spent


async def run(ticks: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        clock = FakeClock()
        runtime = await build(Settings(home=Path(home)), clock=clock)
        async with runtime.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        who = await _principal(runtime)
        account = who.account_ids[0]
        for conid in HELD:
            body = {"conid": conid, "side": "BUY", "quantity": 10, "orderType": "MKT"}
            placed = await orders.place(runtime.ctx, who, account, [body])
            while isinstance(placed, orders.Prompt):
                placed = await orders.reply(runtime.ctx, who, placed.reply_id, confirmed=True)
        tc = TopicContext(principal=who, outlet=_Outlet(), quotes=QuoteHub(), now_ms=0,
                          drop=lambda: None, service=runtime.ctx)  # fmt: skip

        async def baseline() -> object:
            return portal_shapes.summary(await portfolio.figures(runtime.ctx, who, account))

        def frames(channel: str, **kw: Any) -> Callable[[], Awaitable[object]]:
            sub = Subscription(channel, kw.get("target", account), {}, extra=kw.get("extra", ()))
            builder = BUILDERS[channel]
            return lambda: builder(sub, tc)

        results = {"REST summary (baseline)": await _timed(ticks, clock, baseline)}
        for name, work in (
            ("ssd summary rows", frames("sd")),
            ("sld ledger rows", frames("ld")),
            ("spl P&L", frames("pl", target="")),
            ("sbd book (5 levels a side)", frames("bd", extra=("265598",))),
        ):
            results[name] = await _timed(ticks, clock, work)
        await runtime.close()
    base = percentile(results["REST summary (baseline)"], 0.5)
    print(f"{ticks} ticks, one paper account holding {len(HELD)} stocks")
    for name, spent in results.items():
        p50, p99 = percentile(spent, 0.5), percentile(spent, 0.99)
        print(f"{name:28s} p50 {p50:8.0f} µs  p99 {p99:8.0f} µs  ×{p50 / base:5.2f} baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=300)
    asyncio.run(run(parser.parse_args().ticks))


if __name__ == "__main__":
    main()
