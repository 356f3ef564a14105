"""Deposits, withdrawals, the transaction history, and paper resets (Gatehouse's own JSON,
and the ``/funding/transfers`` form the web pages use)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tests.support.trading import AAPL, events, last_seq, step, trader


async def _cash(t) -> float:
    return (await t.get(f"portfolio/{t.account}/summary")).json()["totalcashvalue"]["amount"]


async def test_a_deposit_is_pending_until_it_settles(client, runtime, alice, clock):
    t = await trader(client, alice, clock, environment="live")
    assert await _cash(t) == 0.0
    broke = await t.place({"conid": AAPL, "side": "BUY", "quantity": 1, "orderType": "MKT"})
    assert broke.status_code == 400 and broke.json()["error"] == "insufficient_funds"

    start = await last_seq(runtime, "alice")
    made = await t.post(f"accounts/{t.account}/deposits", {"amount": "25000.50"})
    assert made.status_code == 201, made.text
    transfer = made.json()
    assert (transfer["type"], transfer["status"], transfer["amount"]) == (
        "deposit", "pending", "25000.50")  # fmt: skip
    assert await _cash(t) == 0.0

    report = await step(runtime, clock)
    assert report.accounts == 1
    assert await _cash(t) == 25000.5
    history = (await t.get(f"accounts/{t.account}/transactions")).json()
    assert history["cash"] == "25000.50"
    assert history["transfers"][0]["status"] == "settled"
    assert [e["kind"] for e in history["entries"]] == ["deposit"]
    kinds = [e.type for e in await events(runtime, "alice", start)]
    assert kinds == ["transfer.created", "transfer.settled", "balance.changed"]

    placed = await t.order(conid=AAPL, side="BUY", quantity=10, orderType="MKT")
    assert placed["order_status"] == "Filled"  # live money, live account


async def test_settlement_can_take_time(client, runtime, alice, clock):
    runtime.ctx.trading = replace(runtime.ctx.trading, settlement_seconds=60)
    t = await trader(client, alice, clock)
    before = await _cash(t)
    await t.post(f"accounts/{t.account}/deposits", {"amount": 1000})
    await step(runtime, clock, 30)
    assert await _cash(t) == before
    await step(runtime, clock, 31)
    assert await _cash(t) == before + 1000


async def test_withdrawals_take_cash_at_once_and_never_too_much(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    await t.post(f"accounts/{t.account}/reset", {"cash": "10000", "account_type": "cash"})
    await t.post("iserver/questions/suppress", {"messageIds": ["o163"]})
    await t.order(conid=AAPL, side="BUY", quantity=10, orderType="LMT", price=150, tif="GTC")
    reserved = 10 * 150 + 1  # the working buy order holds its cost back
    start = await last_seq(runtime, "alice")

    too_much = await t.post(f"accounts/{t.account}/withdrawals", {"amount": 10000 - reserved + 1})
    assert too_much.status_code == 400 and too_much.json()["error"] == "insufficient_funds"
    assert Decimal(too_much.json()["available"]) == 10000 - reserved
    assert await last_seq(runtime, "alice") == start

    taken = await t.post(f"accounts/{t.account}/withdrawals", {"amount": "1000", "currency": "USD"})
    assert taken.status_code == 201 and taken.json()["status"] == "pending"
    assert await _cash(t) == 9000.0  # held at once
    await step(runtime, clock)
    assert (await t.get(f"accounts/{t.account}/transactions")).json()["transfers"][0][
        "status"
    ] == "settled"
    assert await _cash(t) == 9000.0
    kinds = [e.type for e in await events(runtime, "alice", start)]
    assert kinds[:2] == ["transfer.created", "balance.changed"] and "transfer.settled" in kinds


async def test_bad_amounts_are_refused(client, runtime, alice, clock, subtests):
    t = await trader(client, alice, clock)
    start = await last_seq(runtime, "alice")
    for amount in (0, -5, "abc", "1.001", 1e12, True, None, "NaN", "Infinity", [1]):
        with subtests.test(amount=amount):
            response = await t.post(f"accounts/{t.account}/deposits", {"amount": amount})
            assert response.status_code == 400, response.text
            assert response.json()["error"] == "invalid_input"
    euros = await t.post(f"accounts/{t.account}/deposits", {"amount": 5, "currency": "EUR"})
    assert euros.status_code == 400
    assert await last_seq(runtime, "alice") == start


async def test_resetting_a_paper_account_starts_it_afresh(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    await t.order(conid=AAPL, side="BUY", quantity=10, orderType="MKT")
    start = await last_seq(runtime, "alice")
    done = await t.post(f"accounts/{t.account}/reset")
    assert done.json() == {"account_id": t.account, "account_type": "margin", "cash": "1000000"}
    assert await _cash(t) == 1_000_000.0
    assert (await t.get(f"portfolio/{t.account}/positions/0")).json() == []
    assert (await t.get("iserver/account/trades")).json() == []
    assert [e.type for e in await events(runtime, "alice", start)] == [
        "account.reset", "balance.changed"]  # fmt: skip

    live = await trader(client, alice, clock, environment="live")
    refused = await live.post(f"accounts/{live.account}/reset")
    assert refused.status_code == 403 and refused.json()["error"] == "paper_only"
    wrong = await t.post(f"accounts/{t.account}/reset", {"account_type": "gold"})
    assert wrong.status_code == 400


async def test_the_web_pages_transfer_form(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    body = {"direction": "deposit", "amount": 2500.5, "currency": "USD", "accountId": t.account}
    made = await t.post("funding/transfers", body)
    assert made.status_code == 201 and made.json()["direction"] == "deposit"
    clock.advance(1)
    out = await t.post("funding/transfers", {**body, "direction": "withdraw", "amount": 10})
    assert out.status_code == 201 and out.json()["type"] == "withdrawal"
    listed = (await t.get("funding/transfers", accountId=t.account)).json()["transfers"]
    assert [x["type"] for x in listed] == ["withdrawal", "deposit"]
    sideways = await t.post("funding/transfers", {**body, "direction": "sideways"})
    assert sideways.status_code == 400


async def test_recent_activity_lists_transfers_and_trades_net_of_commission(
    client, runtime, alice, clock
):
    t = await trader(client, alice, clock, environment="live")
    assert (await t.post(f"accounts/{t.account}/deposits", {"amount": "5000"})).status_code == 201
    await step(runtime, clock)
    clock.advance(60)
    await t.order(conid=AAPL, side="BUY", quantity=3, orderType="MKT")
    clock.advance(60)
    assert (await t.post(f"accounts/{t.account}/withdrawals", {"amount": "100"})).status_code == 201
    body = (await t.get(f"accounts/{t.account}/activity", days="7")).json()
    assert body["timezone"] == "America/New_York"
    kinds = [row["kind"] for row in body["transactions"]]
    assert kinds == ["withdrawal", "trade", "deposit"]  # newest first
    withdrawal, buy, deposit = body["transactions"]
    assert (deposit["net_amount"], withdrawal["net_amount"]) == ("5000.00", "-100.00")
    value = Decimal(buy["quantity"]) * Decimal(buy["price"])
    assert Decimal(buy["net_amount"]) == -(value + Decimal(buy["commission"]))
    assert buy["symbol"] == "AAPL" and buy["side"] == "BUY" and buy["timezone"] == "ET"
    # the same trade date as the IBKR trade record, in New York
    [trade] = (await t.get("iserver/account/trades")).json()
    assert buy["id"] == trade["execution_id"]
    for bad in ("0", "91", "x", "-1"):
        answer = await t.get(f"accounts/{t.account}/activity", days=bad)
        assert (answer.status_code, answer.json()["error"]) == (400, "invalid_input")
    assert (await t.get("accounts/U0000000/activity")).status_code == 404
