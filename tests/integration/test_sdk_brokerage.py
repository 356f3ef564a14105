"""The SDK's brokerage namespaces against a real server (paper session, built-in simulator)."""

from __future__ import annotations

import pytest

from gatehouse.clients.sdk import (
    AsyncGatehouse,
    NotFound,
    OrderRejected,
    Question,
    WrongEnvironment,
)
from gatehouse.domain.identity.factors import totp

AAPL, SPY = 265598, 756733


async def paper(base_url, alice, clock) -> AsyncGatehouse:
    gh = AsyncGatehouse(base_url)
    await gh.login(alice.paper_username, alice.paper_password, "gateway", "paper")
    clock.advance(30)
    await gh.verify("totp", totp.code_at(alice.totp_secret, at=clock.now()))
    return gh


async def test_orders_through_the_question_loop(base_url, alice, clock):
    async with await paper(base_url, alice, clock) as gh:
        [account] = await gh.accounts.ids()
        assert account == alice.paper_account

        asked: list[Question] = []

        def yes(question: Question) -> bool:
            asked.append(question)
            return True

        far = {"conid": AAPL, "side": "BUY", "quantity": 5, "orderType": "LMT", "price": 150,
               "tif": "GTC"}  # fmt: skip
        assert await gh.orders.place(account, far, answers=False) == []  # declined: nothing
        assert await gh.orders.live(account) == []
        [resting] = await gh.orders.place(account, far, answers=yes)
        assert resting.status == "Submitted" and [q.message_ids for q in asked] == [("o163",)]
        assert "Percentage constraint" in asked[0].messages[0]

        status = await gh.orders.status(resting.order_id)
        assert status["order_status"] == "Submitted" and status["limit_price"] == "150.00"
        [changed] = await gh.orders.modify(account, resting.order_id, {"price": 155})
        assert changed.order_id == resting.order_id
        assert (await gh.orders.status(resting.order_id))["limit_price"] == "155.00"
        cancelled = await gh.orders.cancel(account, resting.order_id)
        assert cancelled["msg"] == "Request was submitted"
        assert [o["status"] for o in await gh.orders.live(account, ["cancelled"])] == ["Cancelled"]

        async def confirm(question: Question) -> bool:  # an async answer works too
            return True

        buy = {"conid": AAPL, "side": "BUY", "quantity": 10, "orderType": "MKT", "cOID": "sdk-1"}
        [filled] = await gh.orders.place(account, buy, answers=confirm)
        assert (filled.status, filled.local_order_id) == ("Filled", "sdk-1")
        [trade] = await gh.orders.trades(days=1)
        assert (trade["symbol"], trade["size"], trade["order_ref"]) == ("AAPL", 10.0, "sdk-1")

        preview = await gh.orders.whatif(account, buy)
        assert set(preview) >= {"amount", "equity", "initial", "warn", "error"}

        with pytest.raises(OrderRejected) as refused:
            await gh.orders.place(account, {**buy, "quantity": 10_000_000, "cOID": "too-big"})
        assert refused.value.code == "insufficient_funds" and refused.value.status == 400


async def test_accounts_portfolio_and_market(base_url, alice, clock):
    async with await paper(base_url, alice, clock) as gh:
        account = alice.paper_account
        [listed] = await gh.accounts.all()
        assert listed["accountId"] == account
        assert (await gh.accounts.iserver())["selectedAccount"] == account

        [quote] = await gh.market.snapshot([AAPL], [31, 84, 86])
        assert quote["conid"] == AAPL and float(quote["31"]) > 0
        assert float(quote["84"]) <= float(quote["86"])
        bars = await gh.market.history(AAPL, "5min", "1d")
        assert bars.get("symbol") == "AAPL" or bars.get("error") == "No data."

        assert await gh.contracts.conid("AAPL") == AAPL
        assert (await gh.contracts.search("AAPL"))[0]["conid"] == str(AAPL)
        assert (await gh.contracts.info(AAPL))["symbol"] == "AAPL"
        assert "rules" in await gh.contracts.rules(AAPL)
        assert (await gh.contracts.definitions([AAPL]))[0]["ticker"] == "AAPL"

        await gh.orders.place(account, {"conid": AAPL, "side": "BUY", "quantity": 3,
                                         "orderType": "MKT"})  # fmt: skip
        [held] = await gh.portfolio.positions(account)
        assert (held["conid"], held["position"]) == (AAPL, 3.0)
        assert (await gh.portfolio.position(account, AAPL) or {})["position"] == 3.0
        assert await gh.portfolio.position(account, SPY) is None
        assert "netliquidation" in await gh.portfolio.summary(account)
        assert "USD" in await gh.portfolio.ledger(account)
        assert "availableFunds" in await gh.portfolio.account_summary(account)
        assert f"{account}.Core" in (await gh.portfolio.pnl())["upnl"]

        with pytest.raises(NotFound) as missing:
            await gh.portfolio.summary("U0000000")
        assert missing.value.code == "account_not_found"
        with pytest.raises(WrongEnvironment):
            await gh.portfolio.summary(alice.live_account)


async def test_watchlists_alerts_layouts_and_messages(base_url, alice, clock):
    async with await paper(base_url, alice, clock) as gh:
        made = await gh.watchlists.create("Tech", [AAPL, "Index", SPY], list_id="77")
        assert made["id"] == "77"
        assert [w["id"] for w in await gh.watchlists.all()] == ["77"]
        got = await gh.watchlists.get("77")
        assert [i.get("conid") for i in got["instruments"] if "conid" in i] == [AAPL, SPY]
        await gh.watchlists.replace("77", "Just Apple", [AAPL])
        assert (await gh.watchlists.get("77"))["name"] == "Just Apple"
        await gh.watchlists.delete("77")
        with pytest.raises(NotFound) as gone:
            await gh.watchlists.get("77")
        assert gone.value.code == "watchlist_not_found"

        alert = await gh.alerts.create(AAPL, ">=", "1000.00", name="moon")
        assert alert["status"] == "armed"
        assert [a["id"] for a in await gh.alerts.all()] == [alert["id"]]
        await gh.alerts.delete(alert["id"])
        assert await gh.alerts.all() == []

        saved = await gh.layouts.save("desk", {"panes": ["quotes", "orders"]})
        assert saved["name"] == "desk"
        assert await gh.layouts.get("desk") == {"panes": ["quotes", "orders"]}
        assert [x["name"] for x in await gh.layouts.all()] == ["desk"]
        await gh.layouts.delete("desk")
        assert await gh.layouts.all() == []

        started = await gh.messages.start("Statement", "Where is my statement?")
        thread_id = started["thread"]["thread_id"]
        await gh.messages.post(thread_id, "Any news?")
        assert len((await gh.messages.read(thread_id))["messages"]) == 2
        assert [t["thread_id"] for t in await gh.messages.threads()] == [thread_id]
        await gh.messages.mark_read(thread_id)
        assert await gh.messages.unread() == 0
