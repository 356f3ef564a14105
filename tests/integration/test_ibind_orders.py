"""ibind's order calls against a real server: suppressing IBKR's published question ids,
placing a bracket (parent + children linked by ``parentId`` = the parent's ``cOID``)."""

from __future__ import annotations

from ibind.client import ibkr_utils
from tests.support.ibind_client import call, ibind_client
from tests.support.trading import events, trader

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
