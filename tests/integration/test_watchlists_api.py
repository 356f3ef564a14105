"""Watchlists in IBKR's shapes, per user, each change recorded as an account event."""

from __future__ import annotations

from tests.conftest import make_user
from tests.support.market import AAPL, MSFT, SPY, events_of, signed_in

ONE = "/v1/api/iserver/watchlist"
ALL = "/v1/api/iserver/watchlists"


async def test_create_list_read_replace_and_delete(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    rows = [{"H": "Tech"}, {"C": AAPL}, {"C": MSFT}, {"H": ""}, {"C": SPY}]
    created = await client.post(
        ONE, json={"id": "1234", "name": "Core", "rows": rows}, headers=headers
    )
    assert created.status_code == 200, created.text
    assert created.json()["id"] == "1234" and created.json()["name"] == "Core"

    listed = (await client.get(ALL, params={"SC": "USER_WATCHLIST"}, headers=headers)).json()
    (entry,) = listed["data"]["user_lists"]
    assert entry["id"] == "1234" and entry["name"] == "Core"
    assert entry["modified"] == int(clock.now().timestamp() * 1000)

    read = (await client.get(ONE, params={"id": "1234"}, headers=headers)).json()
    assert read["rows"] == rows
    instruments = read["instruments"]
    assert instruments[0] == {"H": "Tech"}
    assert instruments[1]["conid"] == AAPL and instruments[1]["C"] == str(AAPL)
    assert instruments[1]["ticker"] == "AAPL" and instruments[1]["assetClass"] == "STK"

    replaced = await client.put(
        ONE, json={"id": "1234", "name": "Core 2", "rows": [{"C": MSFT}]}, headers=headers
    )
    assert replaced.status_code == 200 and replaced.json()["rows"] == [{"C": MSFT}]
    assert (await client.get(ONE, params={"id": "1234"}, headers=headers)).json()[
        "name"
    ] == "Core 2"

    # An id chosen by the server when none is sent (IBKR clients always send one).
    generated = (await client.post(ONE, json={"name": "Quick"}, headers=headers)).json()
    assert generated["id"].isdigit() and generated["rows"] == []

    # ibind sends the id in the JSON body of the DELETE; the web pages may use the query.
    gone = await client.request("DELETE", ONE, json={"id": "1234"}, headers=headers)
    assert gone.status_code == 200 and gone.json()["data"] == {"deleted": "1234"}
    gone = await client.delete(ONE, params={"id": generated["id"]}, headers=headers)
    assert gone.status_code == 200
    assert (await client.get(ALL, headers=headers)).json()["data"]["user_lists"] == []

    events = await events_of(runtime, "alice", "watchlist.")
    assert [e.type for e in events] == [
        "watchlist.created", "watchlist.updated", "watchlist.created",
        "watchlist.deleted", "watchlist.deleted",
    ]  # fmt: skip
    assert events[0].data == {"id": "1234", "name": "Core", "rows": rows}
    assert events[0].account == alice.live_account
    assert events[1].data["rows"] == [{"C": MSFT}]
    assert events[3].data == {"id": "1234"}


async def test_bad_watchlist_requests_change_nothing(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    first = {"id": "7", "name": "Mine", "rows": [{"C": AAPL}]}
    assert (await client.post(ONE, json=first, headers=headers)).status_code == 200
    before = [e.seq for e in await events_of(runtime, "alice")]
    cases = [
        (first, 409, "watchlist_exists"),
        ({"id": "8", "name": "x", "rows": [{"C": 1}]}, 404, "unknown_instrument"),
        ({"id": "8", "name": "x", "rows": [{"C": "AAPL"}]}, 400, "invalid_input"),
        ({"id": "8", "name": "x", "rows": [{"Q": 1}]}, 400, "invalid_input"),
        ({"id": "8", "name": "x", "rows": [{"C": AAPL, "H": "x"}]}, 400, "invalid_input"),
        ({"id": "8", "name": "x", "rows": [{"C": AAPL}, {"C": AAPL}]}, 400, "invalid_input"),
        ({"id": "8", "name": "x", "rows": {"C": AAPL}}, 400, "invalid_input"),
        ({"id": "8", "name": "", "rows": []}, 400, "invalid_input"),
        ({"id": "8 9", "name": "x"}, 400, "invalid_input"),
        ({"id": "8", "rows": []}, 400, "invalid_input"),
    ]
    for body, status, code in cases:
        answer = await client.post(ONE, json=body, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (status, code), body
    not_json = await client.post(
        ONE, content=b"{nope", headers={**headers, "content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert (await client.post(ONE, json=[1], headers=headers)).status_code == 400
    missing = await client.put(ONE, json={"id": "99", "name": "x"}, headers=headers)
    assert (missing.status_code, missing.json()["error"]) == (404, "watchlist_not_found")
    for params in ({"id": "99"}, {}):
        answer = await client.delete(ONE, params=params, headers=headers)
        assert answer.status_code in (400, 404), params
    assert (await client.get(ONE, params={"id": "99"}, headers=headers)).status_code == 404
    assert (await client.get(ALL, params={"SC": "SYSTEM"}, headers=headers)).status_code == 400

    assert [e.seq for e in await events_of(runtime, "alice")] == before
    kept = (await client.get(ONE, params={"id": "7"}, headers=headers)).json()
    assert kept["name"] == "Mine" and kept["rows"] == [{"C": AAPL}]


async def test_another_users_watchlists_are_invisible(client, runtime, alice, clock):
    bob = await make_user(runtime, "bob", phone="+15557654321")
    mine = await signed_in(client, alice, clock)
    theirs = await signed_in(client, bob, clock)
    await client.post(ONE, json={"id": "1", "name": "Alice's"}, headers=mine)
    assert (await client.get(ALL, headers=theirs)).json()["data"]["user_lists"] == []
    assert (await client.get(ONE, params={"id": "1"}, headers=theirs)).status_code == 404
    assert (await client.delete(ONE, params={"id": "1"}, headers=theirs)).status_code == 404
    # The same id is free for bob.
    assert (await client.post(ONE, json={"id": "1", "name": "Bob's"}, headers=theirs)).is_success
    assert (await client.get(ONE, params={"id": "1"}, headers=mine)).json()["name"] == "Alice's"
    assert (await client.get(ALL)).status_code == 401
