"""The NAV history and IBKR's portfolio analyst (``pa/*``): a snapshot at each daily close
and on demand, returns with cash flows taken out, and ibind's three calls."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.support.ibind_client import call, ibind_client
from tests.support.trading import F, step, trader

from gatehouse.service.trading import performance


async def history(runtime, account: str) -> list:
    async with runtime.ctx.uow() as uow:
        return await uow.nav_history.history(account, since=date(2000, 1, 1))


async def test_closes_are_snapshotted_and_pa_reads_them(client, runtime, base_url, alice, clock):
    t = await trader(client, alice, clock, environment="paper")
    recorder = performance.CloseRecorder()
    assert await recorder.tick(runtime.ctx, clock.now()) == 0  # yesterday: no account yet
    assert recorder.last is not None  # ... but that close is done: once per close
    await t.order(conid=F, side="BUY", quantity=1000, orderType="MKT", tif="DAY")
    deposit = await t.post(f"accounts/{t.account}/deposits", {"amount": 5000})
    assert deposit.status_code == 201, deposit.text
    await step(runtime, clock)  # settles the deposit
    for _ in range(3):  # three more sessions close (the simulator's day ends at midnight ET)
        clock.advance(hours=24)
        await step(runtime, clock)
        assert await recorder.tick(runtime.ctx, clock.now()) >= 1
    days = await history(runtime, t.account)
    assert len(days) == 3 and [d.day for d in days] == sorted(d.day for d in days)
    assert days[0].cash_flow == Decimal(1_005_000)  # opened with $1M, then $5,000 in
    expected = (days[2].nav - days[2].cash_flow) / days[1].nav - 1
    assert abs(days[2].daily_return - expected) < Decimal("1e-8")
    assert days[0].daily_return == 0

    t = await trader(client, alice, clock, environment="paper")  # days later: a new session
    ib = ibind_client(base_url, t.token, t.account)
    body = (await call(ib.account_performance, [t.account], "1M")).data
    navs = body["nav"]["data"][0]["navs"]
    assert len(navs) == len(body["nav"]["dates"]) == 4  # three closes and today's live value
    assert navs[:3] == [float(d.nav) for d in days]
    assert body["cps"]["data"][0]["returns"][0] == 0 and body["tpps"]["freq"] == "M"
    periods = (await call(ib.all_periods, [t.account])).data
    assert set(periods[t.account]["periods"]) >= {"1D", "7D", "MTD", "1M", "YTD", "1Y"}
    assert periods[t.account]["1M"]["nav"] == navs
    trades = (await call(ib.transaction_history, [t.account], [str(F)], "USD", 30)).data
    bought = trades["transactions"]  # the order may have filled over several quotes
    assert {b["type"] for b in bought} == {"Buy"} and sum(b["qty"] for b in bought) == 1000
    assert all(b["amt"] < 0 and b["conid"] == F for b in bought)
    assert trades["rpnl"]["amt"] == "0.00"


async def test_a_snapshot_on_demand_replaces_the_days_row(client, runtime, alice, clock):
    t = await trader(client, alice, clock, environment="paper")
    first = await t.post("pa/snapshot")
    assert first.status_code == 200 and len(first.json()["recorded"]) == 1
    await t.post("pa/snapshot")
    assert len(await history(runtime, t.account)) == 1


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("pa/performance", {"acctIds": ["DU0000000"], "period": "1M"}, "account_not_found"),
        ("pa/performance", {"acctIds": [], "period": "1M"}, "invalid_input"),
        ("pa/performance", {"acctIds": "ME", "period": "2W"}, "invalid_input"),
        ("pa/performance", {"acctIds": "ME", "period": 7}, "invalid_input"),
        ("pa/allperiods", {"acctIds": [1]}, "invalid_input"),
        ("pa/transactions", {"acctIds": "ME", "conids": []}, "invalid_input"),
        ("pa/transactions", {"acctIds": "ME", "conids": ["x"]}, "invalid_input"),
        ("pa/transactions", {"acctIds": "ME", "conids": [999999]}, "unknown_instrument"),
        ("pa/transactions", {"acctIds": "ME", "conids": [F], "days": 0}, "invalid_input"),
        ("pa/transactions", {"acctIds": "ME", "conids": [F], "currency": "EUR"}, "invalid_input"),
    ],
)
async def test_bad_portfolio_analyst_requests(client, runtime, alice, clock, path, body, code):
    t = await trader(client, alice, clock, environment="paper")
    sent = {k: (t.account if v == "ME" else v) for k, v in body.items()}
    answer = await t.post(path, sent)
    assert 400 <= answer.status_code < 500 and answer.json()["error"] == code, answer.text
    assert await history(runtime, t.account) == []  # nothing written
