"""ibind's reference-data, scanner and portfolio calls that used to answer 404: each answers
in IBKR's shape with the fields ibind's users read, and bad input gets a stable code."""

from __future__ import annotations

import pytest
from ibind import ExternalBrokerError
from tests.support.ibind_client import call, ibind_client
from tests.support.trading import AAPL, F, trader


@pytest.fixture
def backend() -> str:
    return "sqlite"  # no storage of their own: reads of the market, the calendar, positions


async def test_contract_and_market_reference_calls(client, runtime, base_url, alice, clock):
    t = await trader(client, alice, clock, environment="paper")
    ib = ibind_client(base_url, t.token, t.account)
    rules = (await call(ib.search_contract_rules, str(AAPL), is_buy=True)).data
    assert "limit" in rules["orderTypes"] and "trailing_stop" in rules["orderTypes"]
    assert rules["canTradeAcctIds"] == [t.account] and rules["increment"] == 0.01
    listed = (await call(ib.all_conids_by_exchange, "NASDAQ")).data
    assert {"ticker": "AAPL", "conid": AAPL, "exchange": "NASDAQ"} in listed
    assert all(row["exchange"] == "NASDAQ" for row in listed)
    assert (await call(ib.algo_params_by_conid, str(AAPL))).data == {"algos": []}

    (venue,) = (await call(ib.trading_schedule_by_symbol, "STK", "AAPL")).data
    assert venue["exchange"] == "NASDAQ" and venue["timezone"] == "America/New_York"
    day = venue["schedules"][0]
    assert len(day["tradingScheduleDate"]) == 8 and day["tradingTimes"][0]["openingTime"]

    pairs = (await call(ib.currency_pairs, "USD")).data["USD"]
    assert {p["symbol"]: p["ccyPair"] for p in pairs}["USD.EUR"] == "EUR"
    assert any(p["ccyPair"] == "JPY" for p in pairs) and all(p["conid"] for p in pairs)
    there = (await call(ib.currency_exchange_rate, "USD", "EUR")).data["rate"]
    back = (await call(ib.currency_exchange_rate, "EUR", "USD")).data["rate"]
    assert 0.8 < there < 1.0 and abs(there * back - 1) < 1e-4

    snap = (await call(ib.regulatory_snapshot, str(F))).data
    assert snap["conid"] == F and float(snap["84"]) < float(snap["86"]) and snap["31"]


async def test_scanners_rank_the_simulated_universe(client, runtime, base_url, alice, clock):
    t = await trader(client, alice, clock, environment="paper")
    ib = ibind_client(base_url, t.token, t.account)
    params = (await call(ib.scanner_parameters)).data
    codes = {s["code"] for s in params["scan_type_list"]}
    assert {"TOP_PERC_GAIN", "TOP_PERC_LOSE", "MOST_ACTIVE"} <= codes
    assert (await call(ib.hmds_scanner_parameters)).data["scan_type_list"]

    quotes = runtime.ctx.quotes.quotes(clock.now())
    gainers = (await call(ib.market_scanner, "STK", "TOP_PERC_GAIN", "STK.US.MAJOR")).data
    found = [c["con_id"] for c in gainers["contracts"]]
    expected = sorted((c for c, q in quotes.items() if q.change_pct > 0),
                      key=lambda c: -quotes[c].change_pct)  # fmt: skip
    assert [quotes[c].change_pct for c in found] == [quotes[c].change_pct for c in expected[:50]]
    active = (await call(ib.market_scanner, "STK", "MOST_ACTIVE", "STK.US.MAJOR",
                         [{"code": "priceAbove", "value": 100}])).data["contracts"]  # fmt: skip
    volumes = [quotes[c["con_id"]].volume for c in active]
    assert volumes == sorted(volumes, reverse=True)
    assert all(quotes[c["con_id"]].last > 100 for c in active)
    losers = (await call(ib.hmds_market_scanner, "STK", "STK.US.MAJOR", "TOP_PERC_LOSE", "STK",
                         [], 5)).data  # fmt: skip
    assert losers["size"] <= 5
    assert all(quotes[c["contractID"]].change_pct < 0 for c in losers["Contracts"]["Contract"])


async def test_portfolio_calls_and_unsupported_security_types(
    client, runtime, base_url, alice, clock
):
    t = await trader(client, alice, clock, environment="paper")
    await t.order(conid=F, side="BUY", quantity=100, orderType="MKT", tif="DAY")
    ib = ibind_client(base_url, t.token, t.account)
    allocation = (await call(ib.portfolio_account_allocations, [t.account])).data
    assert allocation["assetClass"]["long"]["STK"] > 0
    assert (await call(ib.combination_positions)).data == []
    held = (await call(ib.position_and_contract_info, str(F))).data
    assert held[t.account][0]["conid"] == F and held[t.account][0]["position"] == 100
    paged = (await call(ib.large_portfolio_subaccounts)).data
    assert [a["id"] for a in paged["subaccounts"]] == [t.account]
    assert paged["metadata"]["total"] == 1
    owners = (await call(ib.signatures_and_owners, t.account)).data
    assert owners["accountId"] == t.account and owners["users"][0]["roleId"] == "OWNER"
    for method, args in (
        (ib.security_future_by_symbol, ["ES"]),
        (ib.search_strikes_by_conid, [str(AAPL), "OPT", "JAN26"]),
        (ib.search_secdef_info_by_conid, [str(AAPL), "OPT", "JAN26"]),
        (ib.search_bond_filter_information, ["US-T", "e1234"]),
        (ib.trading_schedule_by_symbol, ["FUT", "ES"]),
    ):
        with pytest.raises(ExternalBrokerError) as refused:
            await call(method, *args)
        assert refused.value.status_code == 400 and "unsupported_sec_type" in str(refused.value)


async def test_bad_input_to_the_new_endpoints(client, alice, clock):
    t = await trader(client, alice, clock, environment="paper")
    for method, path, params, code in [
        ("POST", "iserver/contract/rules", {"conid": "AAPL"}, "invalid_input"),
        ("POST", "iserver/contract/rules", {"conid": 1}, "unknown_instrument"),
        ("POST", "iserver/contract/rules", {"conid": AAPL, "isBuy": "x"}, "invalid_input"),
        ("GET", "trsrv/all-conids", {}, "invalid_input"),
        ("GET", f"iserver/contract/{AAPL}/algos", {"addParams": "7"}, "invalid_input"),
        ("GET", "iserver/contract/1/algos", {}, "unknown_instrument"),
        ("GET", "trsrv/secdef/schedule", {"symbol": "AAPL"}, "invalid_input"),
        ("GET", "trsrv/secdef/schedule", {"assetClass": "OPT", "symbol": "AAPL"},
         "unsupported_sec_type"),
        ("GET", "iserver/currency/pairs", {"currency": "XYZ"}, "invalid_input"),
        ("GET", "iserver/currency/pairs", {}, "invalid_input"),
        ("GET", "iserver/exchangerate", {"source": "USD", "target": "ZZZ"}, "invalid_input"),
        ("GET", "md/regsnapshot", {"conid": "x"}, "invalid_input"),
        ("GET", "md/regsnapshot", {"conid": "999999"}, "unknown_instrument"),
        ("POST", "iserver/scanner/run", {"instrument": "STK", "type": "NOPE"}, "invalid_input"),
        ("POST", "iserver/scanner/run", {"instrument": "FUT.US", "type": "MOST_ACTIVE"},
         "unsupported_sec_type"),
        ("POST", "iserver/scanner/run", {"instrument": "STK", "type": "MOST_ACTIVE",
                                         "filter": [{"code": "priceAbove", "value": "x"}]},
         "invalid_input"),
        ("POST", "iserver/scanner/run", {"instrument": "STK", "type": "MOST_ACTIVE",
                                         "location": "MARS"}, "invalid_input"),
        ("POST", "hmds/scanner/run", {"instrument": "STK", "scanCode": "MOST_ACTIVE",
                                      "secType": "STK", "maxItems": 0}, "invalid_input"),
        ("GET", "portfolio/allocation", {}, "invalid_input"),
        ("GET", "portfolio/allocation", {"acctIds": "U0000000"}, "account_not_found"),
        ("GET", "portfolio/U0000000/combo/positions", {}, "account_not_found"),
        ("GET", "portfolio/positions/abc", {}, "invalid_input"),
        ("GET", "portfolio/positions/1", {}, "unknown_instrument"),
        ("GET", "acesws/U0000000/signatures-and-owners", {}, "account_not_found"),
        ("GET", "portfolio/subaccounts2", {"page": "-1"}, "invalid_input"),
    ]:  # fmt: skip
        answer = await (t.get(path, **params) if method == "GET" else t.post(path, params))
        assert 400 <= answer.status_code < 500, (path, params, answer.text)
        assert answer.json()["error"] == code, (path, params, answer.text)
