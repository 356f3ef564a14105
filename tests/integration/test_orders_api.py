"""Orders over the IBKR-shaped API: placing, the question/reply loop with ibind's phrases,
live orders, order status, trades, modify, cancel, what-if, and the events each change
records. Runs against a real server on SQLite and PostgreSQL with the built-in simulator."""

from __future__ import annotations

import pytest
from tests.support.sync import next_json, open_socket
from tests.support.trading import AAPL, SPY, F, events, last_seq, step, trader


async def test_a_market_order_fills_and_is_reported_everywhere(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    start = await last_seq(runtime, "alice")
    placed = await t.place({"conid": AAPL, "side": "BUY", "quantity": 10, "orderType": "MKT",
                            "cOID": "bot-1"})  # fmt: skip
    assert placed.status_code == 200, placed.text
    [answer] = placed.json()
    assert answer["order_status"] == "Filled" and answer["encrypt_message"] == "1"
    assert answer["local_order_id"] == "bot-1"
    order_id = answer["order_id"]

    live = (await t.get("iserver/account/orders", force="True")).json()
    assert live["snapshot"] is True
    [row] = [o for o in live["orders"] if str(o["orderId"]) == order_id]
    assert row["acct"] == t.account and row["conid"] == AAPL and row["ticker"] == "AAPL"
    assert (row["side"], row["orderType"], row["status"]) == ("BUY", "Market", "Filled")
    assert (row["filledQuantity"], row["remainingQuantity"]) == (10.0, 0.0)
    assert row["timeInForce"] == "DAY" and row["order_ref"] == "bot-1"
    average = float(row["avgPrice"])

    status = (await t.get(f"iserver/account/order/status/{order_id}")).json()
    assert status["order_id"] == int(order_id) and status["order_status"] == "Filled"
    assert (status["side"], status["total_size"], status["cum_fill"]) == ("B", "10.0", "10.0")

    for path in ("iserver/account/trades", "iserver/account/trades/"):
        response = await t.get(path, days="1")
        assert response.status_code == 200
        [trade] = response.json()
        assert (trade["symbol"], trade["side"], trade["size"]) == ("AAPL", "B", 10.0)
        assert trade["commission"] == "1.00"  # 10 x 0.005 = 0.05: IBKR's USD 1.00 minimum
        assert float(trade["price"]) == average and trade["order_ref"] == "bot-1"
        assert trade["net_amount"] == pytest.approx(10 * average)

    [position] = (await t.get(f"portfolio/{t.account}/positions/0")).json()
    assert (position["conid"], position["position"]) == (AAPL, 10.0)
    assert position["avgCost"] == pytest.approx(average + 0.1)  # commission in the cost

    recorded = [e for e in await events(runtime, "alice") if e.seq > start]
    kinds = [e.type for e in recorded]
    assert kinds[:2] == ["order.submitted", "order.filled"]
    assert {"execution.created", "position.changed", "balance.changed"} <= set(kinds)
    assert all(e.account == t.account for e in recorded)
    submitted = recorded[0].data
    assert submitted["orderId"] == int(order_id) and submitted["status"] == "Submitted"
    execution = next(e.data for e in recorded if e.type == "execution.created")
    assert execution["commission"] == "1.00" and execution["size"] == 10.0
    balance = next(e.data for e in recorded if e.type == "balance.changed")
    assert set(balance) >= {"netliquidation", "totalcashvalue", "buyingpower", "availablefunds"}


async def test_a_big_order_fills_over_ticks_at_the_displayed_size(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    [answer] = await t.answer(await t.place(
        {"conid": F, "side": "BUY", "quantity": 5000, "orderType": "MKT"}))  # fmt: skip
    assert answer["order_status"] == "Submitted"  # the simulator shows at most 2,000 shares
    for _ in range(10):
        status = (await t.get(f"iserver/account/order/status/{answer['order_id']}")).json()
        if status["order_status"] == "Filled":
            break
        await step(runtime, clock)
    assert status["order_status"] == "Filled" and status["cum_fill"] == "5000.0"
    trades = (await t.get("iserver/account/trades")).json()
    assert len(trades) >= 3 and sum(x["size"] for x in trades) == 5000
    assert sum(float(x["commission"]) for x in trades) == pytest.approx(25.0)  # 5000 x 0.005


async def test_the_question_loop_speaks_ibinds_phrases(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    far = {"conid": AAPL, "side": "BUY", "quantity": 5, "orderType": "LMT", "price": 150,
           "tif": "GTC"}  # fmt: skip
    asked = await t.place(far)
    [question] = asked.json()
    assert set(question) == {"id", "message", "isSuppressed", "messageIds"}
    assert question["messageIds"] == ["o163"] and question["isSuppressed"] is False
    [placed] = await t.answer(asked)
    assert placed["order_status"] == "Submitted"

    await t.order(conid=AAPL, side="BUY", quantity=5, orderType="STP", price=400)
    await t.order(conid=SPY, side="BUY", quantity=1000, orderType="MKT")  # 580k > 500k
    await t.order(conid=AAPL, side="BUY", quantity=5, orderType="LMT", price=235)  # marketable
    phrases = [
        "price exceeds the Percentage constraint of 3%",
        "You are about to submit a stop order",
        "exceeds the Total Value Limit of",
        "This order will most likely trigger and fill immediately.",
    ]
    for phrase in phrases:
        assert any(phrase in text for text in t.asked), phrase

    # two questions for one order: each answer gets a new reply id
    both = await t.place({"conid": SPY, "side": "BUY", "quantity": 1000, "orderType": "LMT",
                          "price": 520, "tif": "GTC"})  # fmt: skip
    first = both.json()[0]
    second = (await t.post(f"iserver/reply/{first['id']}", {"confirmed": True})).json()[0]
    assert second["id"] != first["id"] and second["messageIds"] == ["o451"]
    assert (await t.post(f"iserver/reply/{first['id']}", {"confirmed": True})).status_code == 404
    done = (await t.post(f"iserver/reply/{second['id']}", {"confirmed": True})).json()
    assert done[0]["order_status"] == "Submitted"
    again = await t.post(f"iserver/reply/{second['id']}", {"confirmed": True})
    assert again.status_code == 404 and again.json()["error"] == "reply_not_found"
    unknown = await t.post(
        "iserver/reply/00000000-0000-0000-0000-000000000000", {"confirmed": True}
    )
    assert unknown.status_code == 404 and unknown.json()["error"] == "reply_not_found"

    # saying no places nothing
    before = (await t.get("iserver/account/orders")).json()["orders"]
    declined = (await t.place(far)).json()[0]
    no = await t.post(f"iserver/reply/{declined['id']}", {"confirmed": False})
    assert no.status_code == 200 and no.json()["confirmed"] is False
    assert len((await t.get("iserver/account/orders")).json()["orders"]) == len(before)


async def test_suppressed_questions_are_not_asked_until_reset(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    far = {"conid": AAPL, "side": "BUY", "quantity": 1, "orderType": "LMT", "price": 150,
           "tif": "GTC"}  # fmt: skip
    suppressed = await t.post("iserver/questions/suppress", {"messageIds": ["o163"]})
    assert suppressed.status_code == 200 and suppressed.json()["status"] == "submitted"
    assert "order_id" in (await t.place(far)).json()[0]
    assert (await t.post("iserver/questions/suppress/reset")).json()["status"] == "submitted"
    assert "id" in (await t.place(far)).json()[0]
    bad = await t.post("iserver/questions/suppress", {"messageIds": ["o999"]})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_input"
    kinds = [e.type for e in await events(runtime, "alice")]
    assert "questions.suppressed" in kinds and "questions.reset" in kinds


async def test_modify_and_cancel(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    await t.post("iserver/questions/suppress", {"messageIds": ["o163"]})
    rest = {"conid": AAPL, "side": "BUY", "quantity": 10, "orderType": "LMT", "price": 150,
            "tif": "GTC"}  # fmt: skip
    order_id = (await t.order(**rest))["order_id"]
    start = await last_seq(runtime, "alice")

    changed = await t.post(f"iserver/account/{t.account}/order/{order_id}",
                           {**rest, "price": 155, "quantity": 20})  # fmt: skip
    assert changed.status_code == 200 and changed.json()[0]["order_status"] == "Submitted"
    status = (await t.get(f"iserver/account/order/status/{order_id}")).json()
    assert (status["limit_price"], status["total_size"]) == ("155.00", "20.0")
    assert [e.type for e in await events(runtime, "alice", start)] == ["order.updated"]

    # a modification that makes the order marketable goes through the question loop
    [filled] = await t.answer(await t.post(f"iserver/account/{t.account}/order/{order_id}",
                                           {"price": 240}))  # fmt: skip
    assert filled["order_status"] == "Filled"
    refused = await t.delete(f"iserver/account/{t.account}/order/{order_id}")
    assert refused.status_code == 409 and refused.json()["error"] == "invalid_order_transition"
    modified = await t.post(f"iserver/account/{t.account}/order/{order_id}", {"price": 1})
    assert modified.status_code == 409

    unknown = await t.post(f"iserver/account/{t.account}/order/1234", rest)
    assert unknown.status_code == 404 and unknown.json()["error"] == "order_not_found"
    side = await t.post(f"iserver/account/{t.account}/order/{(await t.order(**rest))['order_id']}",
                        {"side": "SELL"})  # fmt: skip
    assert side.status_code == 400

    one = (await t.order(**rest))["order_id"]
    cancelled = await t.delete(f"iserver/account/{t.account}/order/{one}", {"acctId": t.account})
    assert cancelled.status_code == 200
    assert cancelled.json() == {"msg": "Request was submitted", "order_id": int(one),
                                "conid": AAPL, "account": t.account}  # fmt: skip
    assert (await t.get(f"iserver/account/order/status/{one}")).json()[
        "order_status"
    ] == "Cancelled"
    twice = await t.delete(f"iserver/account/{t.account}/order/{one}")
    assert twice.status_code == 409

    everything = (await t.delete(f"iserver/account/{t.account}/order/-1")).json()
    assert everything["order_id"] == -1 and len(everything["order_ids"]) == 1
    working = [o for o in (await t.get("iserver/account/orders")).json()["orders"]
               if o["status"] in ("Submitted", "PreSubmitted")]  # fmt: skip
    assert working == []
    cancels = (await t.get("iserver/account/orders", filters="cancelled")).json()["orders"]
    assert {o["status"] for o in cancels} == {"Cancelled"} and len(cancels) == 2
    assert (await t.delete(f"iserver/account/{t.account}/order/999")).status_code == 404


async def test_whatif_previews_without_placing(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    start = await last_seq(runtime, "alice")
    body = {"orders": [{"conid": AAPL, "side": "BUY", "quantity": 100, "orderType": "MKT"}]}
    preview = await t.post(f"iserver/account/{t.account}/orders/whatif", body)
    assert preview.status_code == 200
    found = preview.json()
    assert set(found) >= {"amount", "equity", "initial", "maintenance", "warn", "error"}
    assert set(found["amount"]) == {"amount", "commission", "total"}
    assert found["amount"]["commission"] == "1.00 USD" and found["error"] is None
    assert set(found["initial"]) == {"current", "change", "after"}
    too_big = {"orders": [{"conid": SPY, "side": "BUY", "quantity": 10_000, "orderType": "MKT"}]}
    refused = (await t.post(f"iserver/account/{t.account}/orders/whatif", too_big)).json()
    assert "available funds" in refused["error"]
    assert (await t.get("iserver/account/orders")).json()["orders"] == []
    assert [e.type for e in await events(runtime, "alice", start)] == []


async def test_another_session_sees_the_order_and_fill_on_the_ibkr_socket(
    client, base_url, runtime, alice, clock
):
    t = await trader(client, alice, clock)
    other = await trader(client, alice, clock)
    async with await open_socket(base_url, path="/v1/api/ws", token=other.token) as ws:
        await ws.send("sor")
        await ws.send("str")
        await t.order(conid=AAPL, side="BUY", quantity=3, orderType="MKT", cOID="seen")
        got: dict[str, list] = {"sor": [], "str": []}
        while len(got["sor"]) < 2 or not got["str"]:
            message = await next_json(ws)
            if message.get("topic") in got and message.get("args"):
                got[message["topic"]].extend(message["args"])
    assert [o["status"] for o in got["sor"][:2]] == ["Submitted", "Filled"]
    assert got["sor"][1]["order_ref"] == "seen" and got["sor"][1]["filledQuantity"] == 3.0
    assert got["str"][0]["size"] == 3.0 and got["str"][0]["commission"] == "1.00"
