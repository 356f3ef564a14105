"""The Workstation's endpoints: the minimum version per channel (no session needed) and the
order book for the depth ladder (bad input refused with a stable code)."""

from __future__ import annotations

from tests.support.signin import bearer, full_signin

AAPL = 265598


async def test_version_per_channel_needs_no_session(client):
    answer = await client.get("/v1/api/workstation/version")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"stable", "latest"}
    assert body["stable"]["minimum"] == "0.1.0" and body["latest"]["latest"]


async def test_the_book_has_five_levels_a_side_around_the_quote(client, alice, clock):
    session = await full_signin(client, alice, clock, platform="workstation")
    headers = bearer(session["token"])
    answer = await client.get("/v1/api/marketdata/book", params={"conid": AAPL}, headers=headers)
    assert answer.status_code == 200, answer.text
    book = answer.json()
    asks = [float(level["price"]) for level in book["asks"]]
    bids = [float(level["price"]) for level in book["bids"]]
    assert len(asks) == 5 and len(bids) == 5 and min(asks) > max(bids)
    quote = (
        await client.get(
            "/v1/api/iserver/marketdata/snapshot",
            params={"conids": AAPL, "fields": "84,86"},
            headers=headers,
        )
    ).json()[0]
    assert min(asks) == float(quote["86"]) and max(bids) == float(quote["84"])
    assert all(level["size"] > 0 for level in book["asks"] + book["bids"])


async def test_the_book_refuses_bad_input(client, alice, clock):
    headers = bearer((await full_signin(client, alice, clock, platform="workstation"))["token"])
    for conid, status, code in (("abc", 400, "invalid_input"), ("1", 404, "unknown_instrument")):
        answer = await client.get(
            "/v1/api/marketdata/book", params={"conid": conid}, headers=headers
        )
        assert (answer.status_code, answer.json()["error"]) == (status, code), answer.text
    missing = await client.get("/v1/api/marketdata/book", headers=headers)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_input"
    anonymous = await client.get("/v1/api/marketdata/book", params={"conid": AAPL})
    assert anonymous.status_code == 401
