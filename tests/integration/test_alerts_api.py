"""Price alerts: created, listed and deleted over HTTP; fired once by the market ticker."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from tests.conftest import make_user
from tests.support.market import AAPL, MSFT, events_of, signed_in

from gatehouse.service.trading.ticker import MarketTicker

ALERTS = "/v1/api/alerts"


def _first_crossing(runtime, start, seconds: int = 300) -> tuple[str, Decimal, int]:
    """An operator and a price the market reaches from here, and how many ticks that takes."""
    market = runtime.ctx.quotes
    now = market.quote(AAPL, start).last
    path = [market.quote(AAPL, start + timedelta(seconds=s)).last for s in range(1, seconds)]
    operator, target = (">=", max(path)) if max(path) > now else ("<=", min(path))
    assert target != now, "the simulated price should move within five minutes"
    met = (lambda p: p >= target) if operator == ">=" else (lambda p: p <= target)
    return operator, target, 1 + next(i for i, price in enumerate(path) if met(price))


async def test_an_alert_fires_exactly_once_when_the_price_crosses(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    operator, target, ticks = _first_crossing(runtime, clock.now())
    created = await client.post(
        ALERTS, json={"conid": AAPL, "operator": operator, "price": str(target), "name": "move"},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    alert = created.json()
    assert alert["status"] == "armed" and alert["symbol"] == "AAPL"
    assert alert["price"] == str(target) and alert["account"] == alice.live_account

    heard: list[Decimal] = []
    subscription = runtime.ticker.subscribe([AAPL], lambda qs: heard.extend(q.last for q in qs))
    fired_at: list[int] = []
    for tick in range(ticks + 20):
        report = await runtime.ticker.step(clock.now())
        fired_at += [tick] * len(report.fired)
        clock.advance(1)
    runtime.ticker.unsubscribe(subscription)
    assert fired_at == [ticks]  # once, at the first tick that meets the condition
    assert len(heard) == ticks + 21  # the current quote at once, then one per tick
    # Another node stepping through the same instant cannot fire it again.
    assert (await MarketTicker(runtime.ctx).step(clock.now())).fired == []

    (listed,) = (await client.get(ALERTS, headers=headers)).json()["alerts"]
    assert listed["status"] == "triggered"
    assert Decimal(listed["triggered_price"]) == target  # the first tick reaching it
    assert listed["triggered_at"] is not None
    events = await events_of(runtime, "alice", "alert.")
    assert [e.type for e in events] == ["alert.created", "alert.fired"]
    assert events[1].data["id"] == alert["id"] and events[1].data["status"] == "triggered"
    assert events[1].data["triggered_price"] == listed["triggered_price"]


async def test_alerts_in_ibkr_shapes_and_deleting(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    account = alice.live_account
    body = {
        "orderId": 0, "alertName": "MSFT down", "alertMessage": "m", "alertRepeatable": 0,
        "outsideRth": 1, "tif": "GTC",
        "conditions": [{"conidex": f"{MSFT}@SMART", "type": 1, "operator": "<=",
                        "triggerMethod": "0", "value": "100", "logicBind": "n"}],
    }  # fmt: skip
    made = await client.post(f"/v1/api/iserver/account/{account}/alert", json=body, headers=headers)
    assert made.status_code == 200 and made.json()["success"] is True
    order_id = made.json()["order_id"]
    listed = (await client.get(f"/v1/api/iserver/account/{account}/alerts", headers=headers)).json()
    assert listed == [
        {
            "order_id": order_id,
            "account": account,
            "alert_name": "MSFT down",
            "alert_active": 1,
            "order_time": clock.now().strftime("%Y%m%d-%H:%M:%S"),
            "alert_triggered": False,
            "alert_repeatable": 0,
        }
    ]
    own = await client.post(
        ALERTS, json={"conid": AAPL, "operator": "<=", "price": 1}, headers=headers
    )
    gone = await client.delete(
        f"/v1/api/iserver/account/{account}/alert/{order_id}", headers=headers
    )
    assert gone.status_code == 200 and gone.json()["success"] is True
    assert (await client.delete(f"{ALERTS}/{own.json()['id']}", headers=headers)).json() == {
        "id": own.json()["id"], "deleted": True,
    }  # fmt: skip
    assert (await client.get(ALERTS, headers=headers)).json() == {"alerts": []}
    kinds = [e.type for e in await events_of(runtime, "alice", "alert.")]
    assert kinds == ["alert.created", "alert.created", "alert.deleted", "alert.deleted"]


async def test_bad_alert_requests_change_nothing(client, runtime, alice, clock):
    bob = await make_user(runtime, "bob", phone="+15557654321")
    headers = await signed_in(client, alice, clock)
    bobs = await signed_in(client, bob, clock)
    theirs = (
        await client.post(
            ALERTS, json={"conid": AAPL, "operator": ">=", "price": 999}, headers=bobs
        )
    ).json()
    before = [e.seq for e in await events_of(runtime, "alice")]
    for body, status, code in [
        ({"conid": 1, "operator": ">=", "price": 1}, 404, "unknown_instrument"),
        ({"conid": AAPL, "operator": "==", "price": 1}, 400, "invalid_input"),
        ({"conid": AAPL, "operator": ">=", "price": -5}, 400, "invalid_input"),
        ({"conid": AAPL, "operator": ">=", "price": "ten"}, 400, "invalid_input"),
        ({"conid": AAPL, "operator": ">="}, 400, "invalid_input"),
    ]:
        answer = await client.post(ALERTS, json=body, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (status, code), body
    for path, status in [
        (f"{ALERTS}/{theirs['id']}", 404),  # bob's alert does not exist for alice
        (f"{ALERTS}/424242", 404),
        (f"{ALERTS}/abc", 400),
        (f"/v1/api/iserver/account/{bob.live_account}/alert/{theirs['id']}", 404),
        (f"/v1/api/iserver/account/{alice.paper_account}/alert/0", 409),  # a live session
    ]:
        assert (await client.delete(path, headers=headers)).status_code == status, path
    repeat = {"alertRepeatable": 1, "conditions": [{"conidex": str(AAPL), "type": 1,
              "operator": ">=", "value": "1"}]}  # fmt: skip
    refused = await client.post(
        f"/v1/api/iserver/account/{alice.live_account}/alert", json=repeat, headers=headers
    )
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_input")
    someone_elses = await client.get(
        f"/v1/api/iserver/account/{bob.live_account}/alerts", headers=headers
    )
    assert (someone_elses.status_code, someone_elses.json()["error"]) == (
        404,
        "account_not_found",
    )
    assert [e.seq for e in await events_of(runtime, "alice")] == before
    assert (await client.get(ALERTS, headers=headers)).json() == {"alerts": []}
    assert len((await client.get(ALERTS, headers=bobs)).json()["alerts"]) == 1


async def test_the_app_lifespan_runs_the_ticker_until_shutdown(runtime, clock):
    from gatehouse.api.app import create_app

    app = create_app(runtime, close_runtime=False)
    async with app.router.lifespan_context(app):
        assert runtime.ticker.running
    assert not runtime.ticker.running

    ticker = MarketTicker(runtime.ctx, max_sleep_seconds=0.02)
    seen = []
    moved = asyncio.Event()

    def on_quotes(quotes) -> None:
        seen.extend(q.at for q in quotes)
        if seen[-1] > seen[0]:
            moved.set()

    ticker.subscribe([AAPL], on_quotes)  # the current quote, at once
    ticker.start()
    clock.advance(1)  # the next tick: the running loop hands it over
    await asyncio.wait_for(moved.wait(), timeout=15)
    await ticker.stop()
    assert not ticker.running
