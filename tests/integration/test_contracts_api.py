"""Contract look-ups in IBKR's shapes: what ``stock_conid_by_symbol`` and friends rely on."""

from __future__ import annotations

from tests.support.market import AAPL, MSFT, SPY, signed_in


async def test_stocks_by_symbol_give_exactly_one_us_contract(client, alice, clock):
    headers = await signed_in(client, alice, clock)
    answer = await client.get(
        "/v1/api/trsrv/stocks", params={"symbols": "AAPL,msft,BRK B,NOPE"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"AAPL", "MSFT", "BRK B", "NOPE"}
    assert body["NOPE"] == []
    (apple,) = body["AAPL"]
    assert apple["assetClass"] == "STK" and apple["name"]
    assert apple["contracts"] == [{"conid": AAPL, "exchange": "NASDAQ", "isUS": True}]
    # What ibind's stock_conid_by_symbol does: US contracts of the only instrument.
    us = [c for i in body["MSFT"] for c in i["contracts"] if c["isUS"]]
    assert len(body["MSFT"]) == 1 and [c["conid"] for c in us] == [MSFT]
    missing = await client.get("/v1/api/trsrv/stocks", headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_input")


async def test_secdef_search_by_symbol_or_name_get_and_post(client, alice, clock):
    headers = await signed_in(client, alice, clock)
    url = "/v1/api/iserver/secdef/search"
    found = (await client.get(url, params={"symbol": "AAPL"}, headers=headers)).json()
    assert found[0]["conid"] == str(AAPL) and found[0]["symbol"] == "AAPL"
    assert found[0]["companyName"] == "Apple Inc" and found[0]["description"] == "NASDAQ"
    assert found[0]["sections"][0]["secType"] == "STK"
    assert "NASDAQ" in found[0]["sections"][0]["exchange"]
    posted = await client.post(url, json={"symbol": "AAPL", "secType": "STK"}, headers=headers)
    assert posted.json() == found
    by_name = (
        await client.get(url, params={"symbol": "microsoft", "name": "true"}, headers=headers)
    ).json()
    assert [r["symbol"] for r in by_name] == ["MSFT"]
    spy = (await client.get(url, params={"symbol": "spdr s&p"}, headers=headers)).json()
    assert str(SPY) in [r["conid"] for r in spy]
    assert (await client.get(url, params={"symbol": "ZZZZ"}, headers=headers)).json() == []
    assert (
        await client.get(url, params={"symbol": "AAPL", "secType": "OPT"}, headers=headers)
    ).json() == []
    for params in ({}, {"symbol": ""}, {"symbol": "AAPL", "secType": "XYZ"},
                   {"symbol": "AAPL", "name": "perhaps"}):  # fmt: skip
        bad = await client.get(url, params=params, headers=headers)
        assert (bad.status_code, bad.json()["error"]) == (400, "invalid_input"), params
    bad_post = await client.post(url, json={"symbol": 5}, headers=headers)
    assert bad_post.status_code == 400


async def test_definitions_info_and_rules(client, alice, clock):
    headers = await signed_in(client, alice, clock)
    secdef = (
        await client.get(
            "/v1/api/trsrv/secdef", params={"conids": f"{AAPL},{SPY}"}, headers=headers
        )
    ).json()["secdef"]
    assert [d["conid"] for d in secdef] == [AAPL, SPY]
    assert secdef[0]["ticker"] == "AAPL" and secdef[0]["currency"] == "USD"
    assert secdef[1]["type"] == "ETF" and secdef[0]["isUS"] is True
    info = (await client.get(f"/v1/api/iserver/contract/{AAPL}/info", headers=headers)).json()
    assert info["con_id"] == AAPL and info["symbol"] == "AAPL" and info["instrument_type"] == "STK"
    rules = (
        await client.get(
            f"/v1/api/iserver/contract/{AAPL}/info-and-rules", params={"isBuy": "True"},
            headers=headers,
        )
    ).json()  # fmt: skip
    assert rules["con_id"] == AAPL
    assert {"market", "limit"} <= set(rules["rules"]["orderTypes"])
    assert rules["rules"]["increment"] == 0.01
    for path, status in (
        ("/v1/api/iserver/contract/1/info", 404),
        ("/v1/api/iserver/contract/AAPL/info", 400),
        ("/v1/api/iserver/contract/1/info-and-rules", 404),
        ("/v1/api/trsrv/secdef?conids=1", 404),
        ("/v1/api/trsrv/secdef", 400),
    ):
        assert (await client.get(path, headers=headers)).status_code == status, path
    assert (await client.get("/v1/api/trsrv/stocks?symbols=AAPL")).status_code == 401
