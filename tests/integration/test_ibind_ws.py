"""ibind's ``IbkrWsClient``, unmodified, against a real server: it opens ``/v1/api/ws`` with
the cookie it builds from ``tickle``, and subscribes to every topic with no warning."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from ibind import IbkrWsClient, QueueSink, events
from ibind.subscriptions import (
    AccountLedgerSubscription,
    AccountSummarySubscription,
    MarketDataSubscription,
    MarketHistorySubscription,
    OrdersSubscription,
    PnlSubscription,
    PriceLadderSubscription,
    TradesSubscription,
)
from tests.support.ibind_client import call, ibind_client, ibind_warnings
from tests.support.sync import EVENTUALLY
from tests.support.trading import F, trader

from gatehouse.domain.clock import FakeClock
from gatehouse.service.sync.quote_pump import QuotePump


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def clock() -> FakeClock:
    # ibind checks the server's heartbeat time against its own wall clock
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


async def next_event(sink: QueueSink, kind: type[Any], timeout: float = EVENTUALLY) -> Any:
    found = await asyncio.to_thread(sink.get, kind, True, timeout)
    assert found is not None, f"no {kind.__name__} event"
    return found


async def test_ibind_ws_client_subscribes_to_every_topic(client, base_url, runtime, alice, clock):
    me = await trader(client, alice, clock, environment="paper")
    acct = me.account
    await me.order(conid=F, side="BUY", quantity=100, orderType="MKT", tif="DAY")
    ib = ibind_client(base_url, me.token, acct)
    sink = QueueSink()
    ws_url = base_url.replace("http://", "ws://") + "/v1/api/ws"
    with ibind_warnings() as log:
        ws = IbkrWsClient(
            url=ws_url, account_id=acct, ibkr_client=ib, cacert=False, sink=sink,
            synchronous_output_events=True,
        )  # fmt: skip
        assert await call(ws.start)
        try:
            subscriptions = [
                AccountSummarySubscription(account_id=acct),
                AccountLedgerSubscription(account_id=acct),
                PnlSubscription(),
                TradesSubscription(),
                OrdersSubscription(),
                MarketDataSubscription(conid=str(F), fields=["31", "84", "86"]),
                MarketHistorySubscription(conid=str(F), period="1d", bar="5min"),
                PriceLadderSubscription(account_id=acct, conid=str(F)),
            ]
            handles = [ws.subscribe(s) for s in subscriptions]
            failed = await call(ws.wait_all, handles, 10)
            assert failed == [], [h.binding_key for h in failed]
            assert all(h.active for h in handles)

            summary = await next_event(sink, events.AccountSummary)
            assert summary.account_id == acct
            assert summary.data["NetLiquidation"]["monetaryValue"] > 0
            assert summary.data["AccountCode"]["value"] == acct
            ledger = await next_event(sink, events.AccountLedger)
            assert ledger.account_id == acct and "cashbalance" in ledger.data
            pnl = await next_event(sink, events.Pnl)
            row = pnl.data["args"][f"{acct}.Core"]
            assert set(row) >= {"rowType", "dpl", "nl", "upl", "el", "uel", "mv"}
            assert row["mv"] > 0  # the Ford shares bought above
            history = await next_event(sink, events.MarketHistory)
            assert history.conid == str(F) and history.data["data"]
            assert history.data["serverId"]
            ladder = await next_event(sink, events.PriceLadder)
            assert ladder.account_id == acct and ladder.conid == str(F)
            assert len(ladder.data) >= 6 and any("bid" in r for r in ladder.data)
            assert any("ask" in r for r in ladder.data)
            QuotePump(runtime.ctx.quotes, runtime.sync.quotes, clock).push(clock.now())
            quote = await next_event(sink, events.MarketData)
            while "last_price" not in quote.data:  # the first frame: what the hub had
                quote = await next_event(sink, events.MarketData)
            assert quote.conid == str(F) and quote.data["bid_price"]

            # prices move: P&L follows
            for _ in range(30):
                clock.advance(60)
                await runtime.ticker.step(clock.now())
                moved = await asyncio.to_thread(sink.get, events.Pnl, True, 0.5)
                if moved is not None:
                    break
            assert moved is not None, "P&L did not follow the price"
            assert moved.data["args"][f"{acct}.Core"] != row
            bars = await next_event(sink, events.MarketHistory)  # the forming bar moved too
            assert bars.conid == str(F) and 0 < len(bars.data["data"]) < len(history.data["data"])
            assert bars.data["serverId"] == history.data["serverId"]
            book = await next_event(sink, events.PriceLadder)  # and the book
            assert book.conid == str(F) and book.data != ladder.data

            # unsubscribing: history by its server id, the others by topic
            history_sub = subscriptions[6]
            for sub in (subscriptions[0], subscriptions[1], history_sub):
                handle = ws.unsubscribe(sub)
                assert await call(handle.wait, 10), sub
            assert log.messages == []  # not one warning while it ran
        finally:
            # Shutdown is ibind's own business: it logs the server's echo of its close code
            # 1000 as an error (RFC 6455 servers echo it), and its transport thread races
            # websocket-client's reader for the closing frame, so it may report a slow stop.
            await call(ws.shutdown)
