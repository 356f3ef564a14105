"""``iserver/marketdata/snapshot`` and ``…/unsubscribe``: IBKR field ids, as strings."""

from __future__ import annotations

from tests.support.market import AAPL, MSFT, signed_in

SNAPSHOT = "/v1/api/iserver/marketdata/snapshot"


async def test_a_snapshot_carries_the_asked_field_ids_as_strings(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    answer = await client.get(
        SNAPSHOT, params={"conids": f"{AAPL},{MSFT}", "fields": "31,84,86,55,7762,9999"},
        headers=headers,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    first, second = answer.json()
    quote = runtime.ctx.quotes.quote(AAPL, clock.now())
    assert first["conid"] == AAPL and second["conid"] == MSFT
    assert first["conidEx"] == str(AAPL) and first["server_id"]
    assert first["_updated"] == int(quote.at.timestamp() * 1000)
    assert set(first) == {"conid", "conidEx", "_updated", "server_id", "6509", "31", "84", "86",
                          "55", "7762"}  # fmt: skip
    assert first["31"] == f"{quote.last:.2f}" and first["84"] == f"{quote.bid:.2f}"
    assert first["86"] == f"{quote.ask:.2f}" and first["7762"] == str(quote.volume)
    assert first["55"] == "AAPL" and second["55"] == "MSFT" and first["6509"] == "RpB"
    assert all(isinstance(v, str) for k, v in first.items() if k.isdigit())

    # No fields: every known field; the /v1/portal alias answers the same.
    full = (await client.get(SNAPSHOT, params={"conids": AAPL}, headers=headers)).json()[0]
    for field in ("31", "84", "86", "88", "85", "7295", "70", "71", "7296", "7741", "82", "83",
                  "87", "7762", "55", "6509", "7635"):  # fmt: skip
        assert isinstance(full[field], str), field
    assert full["82"] == f"{quote.last - quote.prior_close:.2f}"
    portal = await client.get(
        "/v1/portal/iserver/marketdata/snapshot", params={"conids": AAPL}, headers=headers
    )
    assert portal.json() == [full]

    # The quote moves with the clock (one tick a second).
    clock.advance(120)  # within the gateway's idle timeout
    later = (await client.get(SNAPSHOT, params={"conids": AAPL}, headers=headers)).json()[0]
    assert later["_updated"] > full["_updated"]


async def test_bad_snapshot_requests_get_stable_errors(client, alice, clock):
    headers = await signed_in(client, alice, clock)
    cases = [
        ({"conids": "1"}, 404, "unknown_instrument"),
        ({"conids": f"{AAPL},424242"}, 404, "unknown_instrument"),
        ({}, 400, "invalid_input"),
        ({"conids": "AAPL"}, 400, "invalid_input"),
        ({"conids": AAPL, "fields": "31,last"}, 400, "invalid_input"),
        ({"conids": "1" * 3000}, 400, "invalid_input"),
    ]
    for params, status, code in cases:
        answer = await client.get(SNAPSHOT, params=params, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (status, code), params
    anonymous = await client.get(SNAPSHOT, params={"conids": AAPL})
    assert anonymous.status_code == 401


async def test_unsubscribing_checks_the_contract(client, alice, clock):
    headers = await signed_in(client, alice, clock)
    url = "/v1/api/iserver/marketdata/unsubscribe"
    done = await client.post(url, json={"conid": AAPL}, headers=headers)
    assert done.status_code == 200 and done.json() == {"success": True}
    assert (await client.post(url, json={"conid": 1}, headers=headers)).status_code == 404
    missing = await client.post(url, json={}, headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_input")
    everything = await client.get("/v1/api/iserver/marketdata/unsubscribeall", headers=headers)
    assert everything.json() == {"unsubscribed": True}
