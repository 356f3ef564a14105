"""Every way an order is refused: a clear, typed error, and nothing stored or broadcast."""

from __future__ import annotations

from typing import Any

from tests.conftest import make_user
from tests.support.trading import AAPL, SPY, events, last_seq, trader

GOOD = {"conid": AAPL, "side": "BUY", "quantity": 1, "orderType": "MKT"}
NO_QTY = {k: v for k, v in GOOD.items() if k != "quantity"}
REFUSED: list[tuple[str, dict[str, Any], int, str]] = [
    ("unknown conid", {**GOOD, "conid": 999_999_999}, 404, "unknown_instrument"),
    ("conid not a number", {**GOOD, "conid": "AAPL"}, 400, "invalid_input"),
    ("no quantity", {k: v for k, v in GOOD.items() if k != "quantity"}, 400, "invalid_input"),
    ("zero quantity", {**GOOD, "quantity": 0}, 400, "invalid_input"),
    ("fractional quantity", {**GOOD, "quantity": 1.5}, 400, "invalid_input"),
    ("negative quantity", {**GOOD, "quantity": -5}, 400, "invalid_input"),
    ("bad side", {**GOOD, "side": "HOLD"}, 400, "invalid_input"),
    ("unsupported type", {**GOOD, "orderType": "TRAIL"}, 400, "invalid_input"),
    ("limit without price", {**GOOD, "orderType": "LMT"}, 400, "invalid_input"),
    ("negative price", {**GOOD, "orderType": "LMT", "price": -1}, 400, "invalid_input"),
    ("price too precise", {**GOOD, "orderType": "LMT", "price": "1.00001"}, 400, "invalid_input"),
    ("market with price", {**GOOD, "price": 230}, 400, "invalid_input"),
    ("bad tif", {**GOOD, "tif": "FOK"}, 400, "invalid_input"),
    ("bracket", {**GOOD, "parentId": "p-1"}, 400, "invalid_input"),
    ("other acctId", {**GOOD, "acctId": "DU0000001"}, 400, "invalid_input"),
    ("not an object", "BUY 1 AAPL", 400, "invalid_input"),  # type: ignore[list-item]
    ("insufficient buying power", {**GOOD, "conid": SPY, "quantity": 10_000}, 400,
     "insufficient_funds"),
    # numbers no arithmetic should see (issue 15 #6), and quantities that are not JSON numbers
    ("quantity 1e308", {**GOOD, "quantity": 1e308}, 400, "invalid_input"),
    ("quantity 10^30", {**GOOD, "quantity": 10**30}, 400, "invalid_input"),
    ("quantity 1e-308", {**GOOD, "quantity": 1e-308}, 400, "invalid_input"),
    ("quantity as a string", {**GOOD, "quantity": "1"}, 400, "invalid_input"),
    ("price 1e308", {**GOOD, "orderType": "LMT", "price": 1e308}, 400, "invalid_input"),
    ("cashQty 1e308", {**NO_QTY, "cashQty": 1e308}, 400, "invalid_input"),
    ("cashQty 1e-308", {**NO_QTY, "cashQty": 1e-308}, 400, "invalid_input"),
    ("cashQty as a string", {**NO_QTY, "cashQty": "100"}, 400, "invalid_input"),
    ("conid 2^70", {**GOOD, "conid": 2**70}, 400, "invalid_input"),
]  # fmt: skip


async def _unchanged(runtime, t, start: int) -> None:
    assert (await t.get("iserver/account/orders")).json()["orders"] == []
    assert (await last_seq(runtime, "alice")) == start


async def test_bad_orders_are_refused_and_change_nothing(client, runtime, alice, clock, subtests):
    t = await trader(client, alice, clock)
    start = await last_seq(runtime, "alice")
    for name, order, status, code in REFUSED:
        with subtests.test(name):
            response = await t.place(order)
            assert response.status_code == status, response.text
            body = response.json()
            assert body["error"] == code and body["message"]
            if isinstance(order, dict) and code == "invalid_input" and "parentId" not in order:
                whatif = await t.post(
                    f"iserver/account/{t.account}/orders/whatif", {"orders": [order]}
                )
                assert whatif.status_code == 400 and whatif.json()["error"] == code, whatif.text
    for name, body in [("no orders key", {}), ("empty list", {"orders": []}),
                       ("orders not a list", {"orders": GOOD})]:  # fmt: skip
        with subtests.test(name):
            response = await t.post(f"iserver/account/{t.account}/orders", body)
            assert response.status_code == 400 and response.json()["error"] == "invalid_input"
    await _unchanged(runtime, t, start)


async def test_cash_accounts_cannot_short_or_oversell(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    reset = await t.post(f"accounts/{t.account}/reset", {"cash": "5000", "account_type": "cash"})
    assert reset.status_code == 200 and reset.json()["account_type"] == "cash"
    start = await last_seq(runtime, "alice")
    short = await t.place({"conid": AAPL, "side": "SELL", "quantity": 1, "orderType": "MKT"})
    assert short.status_code == 400 and short.json()["error"] == "short_not_allowed"
    dear = await t.place({"conid": AAPL, "side": "BUY", "quantity": 100, "orderType": "MKT"})
    assert dear.status_code == 400 and dear.json()["error"] == "insufficient_funds"
    assert "cash is available" in dear.json()["message"]
    await _unchanged(runtime, t, start)

    await t.order(conid=AAPL, side="BUY", quantity=2, orderType="MKT")
    over = await t.place({"conid": AAPL, "side": "SELL", "quantity": 3, "orderType": "MKT"})
    assert over.status_code == 400 and over.json()["error"] == "sell_exceeds_position"


async def test_a_session_only_reaches_its_own_account(client, runtime, alice, clock):
    await make_user(runtime, "bob", phone="+15559876543")
    t = await trader(client, alice, clock, environment="live")
    start = await last_seq(runtime, "alice")

    paper = await t.place(GOOD, account=alice.paper_account)
    assert paper.status_code == 409 and paper.json()["error"] == "wrong_environment"
    assert "paper account" in paper.json()["message"] and "live session" in paper.json()["message"]

    bobs = await t.place(GOOD, account="U" + "9" * 7)
    nobody = await t.get("portfolio/U0000000/summary")
    theirs = await t.get(f"portfolio/{(await _bob_account(runtime))}/summary")
    for response in (bobs, nobody, theirs):
        assert response.status_code == 404 and response.json()["error"] == "account_not_found"
    assert set(nobody.json()) == set(theirs.json())  # same answer whether it exists or not

    cancel = await t.delete(f"iserver/account/{alice.paper_account}/order/-1")
    assert cancel.status_code == 409
    assert (await last_seq(runtime, "alice")) == start


async def _bob_account(runtime) -> str:
    async with runtime.ctx.uow() as uow:
        bob = await uow.users.by_username("bob")
        assert bob is not None
        return bob.live_account_id


async def test_client_order_ids_are_unique_per_account(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    await t.order(**GOOD, cOID="once")
    again = await t.place({**GOOD, "cOID": "once"})
    assert again.status_code == 409 and again.json()["error"] == "already_exists"
    pair = await t.place({**GOOD, "cOID": "twin"}, {**GOOD, "cOID": "twin"})
    assert pair.status_code == 409
    assert len(await events(runtime, "alice")) > 0
