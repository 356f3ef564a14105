"""Property: random deposits, withdrawals, orders, cancels and market moves on a cash
account never leave cash negative or a position short, and the stored cash, lots and
realized gains always reconcile with the cash journal.

Service level on the embedded SQLite store, with a scripted market; small ``max_examples``.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import make_user
from tests.conftest import test_settings as settings_for
from tests.support.backends import database
from tests.support.trading import AAPL, F, ScriptedMarket, principal

from gatehouse.bootstrap import build
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.errors import GatehouseError
from gatehouse.domain.trading.ledger import CashEntryKind
from gatehouse.service.trading import funding, matching_engine, orders, questions
from gatehouse.service.trading.orders import Prompt

D = Decimal
PRICES = {AAPL: D("100.00"), F: D("10.00")}

money = st.integers(min_value=1, max_value=5_000).map(lambda n: D(n))
shares = st.integers(min_value=1, max_value=40)
conids = st.sampled_from(sorted(PRICES))
trade = st.tuples(st.sampled_from(["buy", "sell"]), conids, shares, st.sampled_from(["MKT", "LMT"]))
actions = st.one_of(
    st.tuples(st.just("deposit"), money),
    st.tuples(st.just("withdraw"), money),
    trade,
    trade,
    st.tuples(st.just("cancel"), st.integers(min_value=-1, max_value=5)),
    st.tuples(st.just("tick"), conids, st.integers(-300, 300), st.integers(1, 5)),
)


async def _run(runtime: Any, clock: FakeClock, market: ScriptedMarket, steps: list[Any]) -> None:
    ctx = runtime.ctx
    who = await principal(runtime, "alice", "paper")
    account = who.account_ids[0]
    await funding.reset(ctx, who, account, cash="5000", account_type="cash")
    for conid, price in PRICES.items():
        market.set(conid, bid=str(price - D("0.01")), ask=str(price + D("0.01")), size=100)
    placed: list[str] = []
    for action in steps:
        clock.advance(1)
        # refusals (funds, position, state) are expected and change nothing
        with contextlib.suppress(GatehouseError):
            await _act(ctx, who, account, market, placed, action)
        await matching_engine.step(ctx, clock.now())
        await _check(runtime, account)


async def _act(
    ctx: Any, who: Any, account: str, market: Any, placed: list[str], action: Any
) -> None:
    kind = action[0]
    if kind == "deposit":
        await funding.deposit(ctx, who, account, str(action[1]))
    elif kind == "withdraw":
        await funding.withdraw(ctx, who, account, str(action[1]))
    elif kind in ("buy", "sell"):
        _, conid, quantity, order_type = action
        order: dict[str, Any] = {
            "conid": conid,
            "side": kind.upper(),
            "quantity": quantity,
            "orderType": order_type,
            "tif": "GTC",
        }
        if order_type == "LMT":
            order["price"] = str(market.quote(conid, ctx.clock.now()).last)
        result = await orders.place(ctx, who, account, [order])
        while isinstance(result, Prompt):
            result = await orders.reply(ctx, who, result.reply_id, confirmed=True)
        placed.extend(o.order_id for o in result or [])
    elif kind == "cancel":
        target = "-1" if action[1] < 0 or not placed else placed[action[1] % len(placed)]
        await orders.cancel(ctx, who, account, target)
    else:
        _, conid, move, lots = action
        price = max(PRICES[conid] + D(move) / 100, D("1.00"))
        PRICES[conid] = price
        market.set(conid, bid=str(price - D("0.01")), ask=str(price + D("0.01")), size=100 * lots)


async def _check(runtime: Any, account_id: str) -> None:
    async with runtime.ctx.uow() as uow:
        account = await uow.brokerage.account(account_id)
        lots = await uow.brokerage.lots(account_id)
        realized = await uow.brokerage.realized(account_id)
        entries = await uow.brokerage.entries(account_id, limit=100_000)
    assert account is not None
    assert account.cash >= 0, f"cash went negative: {account.cash}"
    for conid, held in lots.items():
        assert sum(lot.quantity for lot in held) > 0, f"short {conid} in a cash account"
    assert account.cash == sum(e.amount for e in entries)
    funded = sum(
        e.amount for e in entries if e.kind in (CashEntryKind.DEPOSIT, CashEntryKind.WITHDRAWAL)
    )
    basis = sum(lot.cost_basis for held in lots.values() for lot in held)
    gains = sum(r.gain for r in realized)
    assert account.cash + basis == funded + gains
    assert account.realized_pnl == gains


def test_a_cash_account_stays_solvent_and_reconciles(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    clock = FakeClock()
    market = ScriptedMarket()

    async def start() -> Any:
        opened = database("sqlite", tmp_path)
        url, schema = await opened.__aenter__()
        runtime = await build(
            settings_for(tmp_path, url), clock=clock, run_migrations=False, schema=schema
        )
        runtime.ctx.market = market
        await make_user(runtime)
        who = await principal(runtime, "alice", "paper")
        await questions.suppress(runtime.ctx, who, list(questions.KNOWN_MESSAGE_IDS))
        return runtime

    runtime = loop.run_until_complete(start())

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(st.lists(actions, min_size=3, max_size=12))
    def check(steps: list[Any]) -> None:
        loop.run_until_complete(_run(runtime, clock, market, steps))

    try:
        check()
    finally:
        loop.run_until_complete(runtime.close())
        loop.close()
