"""Two server nodes sharing one PostgreSQL database run the matching engine at once: an
account held by one is skipped by the other (``FOR UPDATE SKIP LOCKED``), and an order is
filled once per tick however many nodes reach it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.conftest import make_user
from tests.conftest import test_settings as settings_for
from tests.support.backends import database
from tests.support.trading import AAPL, ScriptedMarket, principal

from gatehouse.bootstrap import Runtime, build
from gatehouse.domain.clock import FakeClock
from gatehouse.service.trading import matching_engine, orders, portfolio


@pytest.fixture
async def nodes(tmp_path: Path, clock: FakeClock) -> AsyncIterator[list[Runtime]]:
    async with database("postgres", tmp_path) as (url, schema):
        market = ScriptedMarket()
        market.set(AAPL, bid="99.99", ask="100.01")
        built = []
        for name in ("a", "b"):
            runtime = await build(
                settings_for(tmp_path / name, url), clock=clock, run_migrations=False, schema=schema
            )
            runtime.ctx.market = market
            built.append(runtime)
        try:
            yield built
        finally:
            for runtime in built:
                await runtime.close()


async def test_two_nodes_fill_an_order_once_per_tick(nodes, clock):
    first, second = nodes
    await make_user(first)
    who = await principal(first, "alice")
    order = {"conid": AAPL, "side": "BUY", "quantity": 300, "orderType": "LMT", "price": "99.5"}
    [placed] = await orders.place(first.ctx, who, who.account_ids[0], [order])  # type: ignore[misc]
    market = first.ctx.quotes
    assert isinstance(market, ScriptedMarket)
    market.set(AAPL, bid="99.40", ask="99.45", ask_size=100)

    for expected in (100, 200, 300):
        clock.advance(1)
        reports = await asyncio.gather(
            *(matching_engine.step(node.ctx, clock.now()) for node in nodes for _ in range(2))
        )
        assert sum(r.fills for r in reports) == 1
        found = await portfolio.order_status(second.ctx, who, placed.order_id)
        assert found.filled_quantity == expected


async def test_an_account_held_elsewhere_is_skipped(nodes, clock):
    first, second = nodes
    await make_user(first)
    who = await principal(first, "alice")
    order = {"conid": AAPL, "side": "BUY", "quantity": 10, "orderType": "LMT", "price": "99.5"}
    await orders.place(first.ctx, who, who.account_ids[0], [order])
    clock.advance(1)
    async with first.ctx.uow() as uow:
        held = await uow.brokerage.lock(who.account_ids[0])  # a request in flight on node a
        assert held is not None
        report = await matching_engine.step(second.ctx, clock.now())
        assert (report.skipped, report.accounts) == (1, 0)
    report = await matching_engine.step(second.ctx, clock.now())
    assert (report.skipped, report.accounts) == (0, 1)
