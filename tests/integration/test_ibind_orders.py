"""ibind's order calls against a real server: suppressing IBKR's published question ids,
placing a bracket (parent + children linked by ``parentId`` = the parent's ``cOID``)."""

from __future__ import annotations

from ibind import OrderRequest, QuestionType
from ibind.client import ibkr_utils
from tests.support.ibind_client import call, ibind_client
from tests.support.trading import F, events, trader

from gatehouse.domain.trading.questions import IBKR_MESSAGE_IDS, RAISED_MESSAGE_IDS


async def test_ibind_suppresses_every_published_message_id(client, runtime, base_url, alice, clock):
    t = await trader(client, alice, clock, environment="paper")
    ib = ibind_client(base_url, t.token, t.account)
    shipped = sorted(ibkr_utils._MESSAGE_ID_TO_QUESTION_TYPE)  # the list ibind ships
    assert set(shipped) <= set(IBKR_MESSAGE_IDS) and set(RAISED_MESSAGE_IDS) <= set(shipped)
    assert (await call(ib.suppress_messages, shipped)).data["status"] == "submitted"
    far = {"conid": 265598, "side": "BUY", "quantity": 1, "orderType": "LMT", "price": 150,
           "tif": "GTC"}  # fmt: skip
    assert "order_id" in (await t.place(far)).json()[0]  # o163 is not asked any more
    assert (await call(ib.reset_suppressed_messages)).data == {"status": "submitted"}
    assert "id" in (await t.place(far)).json()[0]
    suppressed = [e for e in await events(runtime, "alice") if e.type == "questions.suppressed"]
    assert suppressed[-1].data["message_ids"] == sorted(shipped)
    for bad in (["o999"], [], [163], "o163"):
        answer = await t.post("iserver/questions/suppress", {"messageIds": bad})
        assert answer.status_code in (400, 422) and answer.json()["error"], bad


async def test_ibind_places_a_bracket_in_one_request(client, runtime, base_url, alice, clock):
    t = await trader(client, alice, clock, environment="paper")
    ib = ibind_client(base_url, t.token, t.account)
    mark = runtime.ctx.quotes.quote(F, clock.now()).last
    take, stop = round(float(mark) * 1.5, 2), round(float(mark) * 0.6, 2)
    answers = {q: True for q in (
        QuestionType.PRICE_PERCENTAGE_CONSTRAINT, QuestionType.STOP_ORDER_RISKS,
        QuestionType.ORDER_VALUE_LIMIT, QuestionType.TRIGGER_AND_FILL,
    )}  # fmt: skip
    bracket = [
        OrderRequest(conid=F, side="BUY", quantity=100, order_type="MKT", acct_id=t.account,
                     coid="entry-1", tif="DAY"),
        OrderRequest(conid=F, side="SELL", quantity=100, order_type="LMT", price=take,
                     acct_id=t.account, coid="entry-1-tp", parent_id="entry-1"),
        OrderRequest(conid=F, side="SELL", quantity=100, order_type="STP", price=stop,
                     acct_id=t.account, coid="entry-1-sl", parent_id="entry-1"),
    ]  # fmt: skip
    placed = (await call(ib.place_order, bracket, answers)).data
    assert [p["order_status"] for p in placed] == ["Filled", "Submitted", "PreSubmitted"]
    parent_id = placed[0]["order_id"]
    live = (await call(ib.live_orders, force=True)).data["orders"]
    children = [o for o in live if o.get("parentId") == int(parent_id)]
    assert sorted(o["order_ref"] for o in children) == ["entry-1-sl", "entry-1-tp"]
    assert len({o["ocaGroup"] for o in children}) == 1
    status = (await call(ib.order_status, placed[2]["order_id"])).data
    assert status["order_type"] == "STOP" and status["parent_order_id"] == parent_id

    trail = OrderRequest(conid=F, side="SELL", quantity=100, order_type="TRAIL",
                         acct_id=t.account, trailing_amt=1.0, trailing_type="amt",
                         outside_rth=None, tif="GTC")  # fmt: skip
    placed = (await call(ib.place_order, [trail], answers)).data
    status = (await call(ib.order_status, placed["order_id"])).data
    assert status["order_type"] == "TRAIL" and status["trailing_type"] == "amt"
    assert status["stop_price"] and status["trailing_amount"] == "1.00"
