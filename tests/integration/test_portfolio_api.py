"""Accounts and portfolio reads in IBKR's shapes: accounts lists and switch, the summary map,
the ledger, positions (paged, v2, single), allocation, meta, partitioned P&L — and figures
that agree with each other and with the domain (NLV = cash + market value)."""

from __future__ import annotations

import pytest
from tests.support.trading import AAPL, F, trader

SUMMARY_KEYS = {
    "netliquidation", "equitywithloanvalue", "initmarginreq", "maintmarginreq", "availablefunds",
    "excessliquidity", "buyingpower", "cushion", "grosspositionvalue", "leverage-s", "sma",
    "totalcashvalue", "daytradesremaining", "availablefunds-s", "availablefunds-c",
    "previousdayequitywithloanvalue", "accountcode",
}  # fmt: skip
LEDGER_KEYS = {
    "cashbalance", "settledcash", "netliquidationvalue", "stockmarketvalue", "unrealizedpnl",
    "realizedpnl", "interest", "exchangerate", "currency", "acctcode", "timestamp",
}  # fmt: skip
POSITION_KEYS = {
    "acctId", "conid", "contractDesc", "ticker", "position", "mktPrice", "mktValue", "avgCost",
    "avgPrice", "unrealizedPnl", "realizedPnl", "currency", "assetClass",
}  # fmt: skip


def amounts(summary: dict) -> dict[str, float]:
    return {key: value["amount"] for key, value in summary.items()}


async def test_accounts_lists_and_switch(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    accounts = (await t.get("iserver/accounts")).json()
    assert accounts["accounts"] == [alice.paper_account]
    assert accounts["selectedAccount"] == alice.paper_account and accounts["isPaper"] is True

    switched = await t.post("iserver/account", {"acctId": alice.paper_account})
    assert switched.json() == {"set": True, "acctId": alice.paper_account}
    other = await t.post("iserver/account", {"acctId": alice.live_account})
    assert other.status_code == 409 and other.json()["error"] == "wrong_environment"

    for path in ("portfolio/accounts", "portfolio/subaccounts"):
        [account] = (await t.get(path)).json()
        assert account["id"] == account["accountId"] == alice.paper_account
        assert (account["type"], account["currency"]) == ("DEMO", "USD")
        assert {"accountTitle", "displayName", "tradingType", "parent"} <= set(account)
    meta = (await t.get(f"portfolio/{alice.paper_account}/meta")).json()
    assert meta["accountId"] == alice.paper_account

    live = await trader(client, alice, clock, environment="live")
    [account] = (await live.get("portfolio/accounts")).json()
    assert (account["id"], account["type"], account["accountType"]) == (
        alice.live_account, "INDIVIDUAL", "margin")  # fmt: skip


async def test_summary_ledger_and_positions_agree(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    fresh = (await t.get(f"portfolio/{t.account}/summary")).json()
    assert set(fresh) >= SUMMARY_KEYS
    entry = fresh["netliquidation"]
    assert set(entry) == {"amount", "currency", "isNull", "timestamp", "value", "severity"}
    assert (entry["amount"], entry["currency"], entry["isNull"]) == (1_000_000.0, "USD", False)
    assert fresh["accountcode"]["value"] == t.account and fresh["cushion"]["currency"] is None
    assert amounts(fresh)["buyingpower"] == 4_000_000.0  # margin: (ELV - IM) x 4

    await t.order(conid=AAPL, side="BUY", quantity=100, orderType="MKT")
    await t.order(conid=F, side="BUY", quantity=300, orderType="MKT")
    summary = amounts((await t.get(f"portfolio/{t.account}/summary")).json())
    ledger = (await t.get(f"portfolio/{t.account}/ledger")).json()
    assert set(ledger) == {"BASE", "USD"} and set(ledger["USD"]) >= LEDGER_KEYS
    usd = ledger["USD"]
    assert usd["acctcode"] == t.account and usd["currency"] == "USD"
    assert summary["netliquidation"] == pytest.approx(
        usd["cashbalance"] + usd["stockmarketvalue"], abs=0.011
    )
    assert summary["totalcashvalue"] == usd["cashbalance"]
    assert summary["netliquidation"] == usd["netliquidationvalue"]
    assert summary["grosspositionvalue"] == pytest.approx(usd["stockmarketvalue"], abs=0.011)
    assert summary["initmarginreq"] == pytest.approx(summary["grosspositionvalue"] * 0.25, abs=0.02)
    assert summary["availablefunds"] == pytest.approx(
        summary["equitywithloanvalue"] - summary["initmarginreq"], abs=0.011
    )
    assert summary["excessliquidity"] == pytest.approx(
        summary["equitywithloanvalue"] - summary["maintmarginreq"], abs=0.011
    )

    rows = (await t.get(f"portfolio/{t.account}/positions/0")).json()
    assert [r["ticker"] for r in rows] == ["AAPL", "F"]
    for row in rows:
        assert set(row) >= POSITION_KEYS and row["acctId"] == t.account
        assert row["mktValue"] == pytest.approx(row["position"] * row["mktPrice"], abs=0.01)
        assert row["unrealizedPnl"] == pytest.approx(
            row["mktValue"] - row["position"] * row["avgCost"], abs=0.02
        )
    assert sum(r["mktValue"] for r in rows) == pytest.approx(usd["stockmarketvalue"], abs=0.02)
    assert (await t.get(f"portfolio/{t.account}/positions/1")).json() == []
    by_value = (await t.get(f"portfolio/{t.account}/positions/0", sort="mktValue",
                            direction="d")).json()  # fmt: skip
    assert by_value[0]["ticker"] == "AAPL"
    assert (await t.get(f"portfolio/{t.account}/positions/x")).status_code == 400

    [aapl] = (await t.get(f"portfolio/{t.account}/position/{AAPL}")).json()
    assert aapl["position"] == 100.0
    assert (await t.get(f"portfolio/{t.account}/position/756733")).json() == []
    v2 = (await t.get(f"portfolio2/{t.account}/positions")).json()
    assert {r["conid"] for r in v2} == {str(AAPL), str(F)}
    assert {"position", "marketPrice", "marketValue", "avgCost", "unrealizedPnl"} <= set(v2[0])
    invalidated = await t.post(f"portfolio/{t.account}/positions/invalidate")
    assert invalidated.json() == {"message": "success"}

    allocation = (await t.get(f"portfolio/{t.account}/allocation")).json()
    assert set(allocation) == {"assetClass", "sector", "group"}
    assert allocation["assetClass"]["long"]["STK"] == pytest.approx(usd["stockmarketvalue"], 0.01)
    assert allocation["assetClass"]["long"]["CASH"] == usd["cashbalance"]

    flat = (await t.get(f"iserver/account/{t.account}/summary")).json()
    assert flat["netLiquidationValue"] == summary["netliquidation"]
    assert flat["cashBalances"][0]["balance"] == usd["cashbalance"]
    pnl = (await t.get("iserver/account/pnl/partitioned")).json()
    row = pnl["upnl"][f"{t.account}.Core"]
    assert row["rowType"] == 1 and row["nl"] == summary["netliquidation"]
    assert {"dpl", "upl", "el", "mv"} <= set(row)
    # opened today with 1,000,000: the day P&L is NLV less that deposit (commissions included)
    assert row["dpl"] == pytest.approx(summary["netliquidation"] - 1_000_000, abs=0.011)
    assert row["dpl"] < 0  # two commissions and the spread paid, at the same tick
    # its fraction is of the start of the day (nothing: opened today) plus today's deposits
    assert row["dplRatio"] == pytest.approx(row["dpl"] / 1_000_000, rel=1e-4)
    # each position's own day P&L (pnlSingle's figure) adds up to the account's
    rows = (await t.get(f"portfolio/{t.account}/positions/0")).json()
    assert sum(r["dailyPnl"] for r in rows) == pytest.approx(row["dpl"], abs=0.011)
    assert {r["conid"]: r["dailyPnl"] for r in rows} == {int(r["conid"]): r["dailyPnl"] for r in v2}


async def test_a_cash_account_counts_settled_cash_as_equity(client, runtime, alice, clock):
    t = await trader(client, alice, clock)
    await t.post(f"accounts/{t.account}/reset", {"cash": "50000", "account_type": "cash"})
    await t.order(conid=AAPL, side="BUY", quantity=100, orderType="MKT")
    raw = (await t.get(f"portfolio/{t.account}/summary")).json()
    summary = amounts(raw)
    # ELV of a cash account is its settled cash; fully paid stock needs no margin
    assert summary["equitywithloanvalue"] == summary["totalcashvalue"]
    assert summary["initmarginreq"] == 0 and summary["sma"] == 0
    assert summary["netliquidation"] > summary["totalcashvalue"]
    assert summary["buyingpower"] == summary["totalcashvalue"]
    assert raw["accounttype"]["value"] == "CASH"


async def test_get_booleans_and_numbers_are_parsed_like_ibkr_sends_them(client, alice, clock):
    t = await trader(client, alice, clock)
    for value in ("True", "False", "true", "FALSE", "1", "0"):
        assert (await t.get("iserver/account/orders", force=value)).status_code == 200
    bad = await t.get("iserver/account/orders", force="maybe")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_input"
    assert (await t.get("iserver/account/trades", days="abc")).status_code == 400
    assert (await t.get("iserver/account/trades", days="30")).status_code == 200  # capped at 7
    portal = await client.get(
        f"/v1/portal/portfolio/{t.account}/summary", headers=t.headers
    )  # the IBeam-style alias
    assert portal.status_code == 200
    anonymous = await client.get(f"/v1/api/portfolio/{t.account}/summary")
    assert anonymous.status_code == 401
