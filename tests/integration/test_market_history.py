"""``iserver/marketdata/history`` and ``hmds/history``: bars that agree with the snapshots.

Runs on the real trading calendar (09:30–16:00 New York); the fake clock starts on Monday
2026-01-05 at 10:00 New York.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from tests.support.market import AAPL, SPY, signed_in

HISTORY = "/v1/api/iserver/marketdata/history"
SNAPSHOT = "/v1/api/iserver/marketdata/snapshot"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"market_always_open": False}


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


async def test_intraday_and_daily_bars_end_at_the_snapshot_price(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    snap = (await client.get(SNAPSHOT, params={"conids": AAPL}, headers=headers)).json()[0]
    bars = await client.get(
        HISTORY, params={"conid": AAPL, "bar": "5min", "period": "1d"}, headers=headers
    )
    assert bars.status_code == 200, bars.text
    body = bars.json()
    assert body["symbol"] == "AAPL" and body["text"] == "Apple Inc"
    assert body["mdAvailability"] == "S" and body["barLength"] == 300
    assert body["priceFactor"] == 1 and body["timePeriod"] == "1d"
    data = body["data"]
    assert data[0]["t"] == _ms(datetime(2026, 1, 5, 14, 30, tzinfo=UTC))  # the session's open
    assert body["startTime"] == "20260105-14:30:00"
    assert [b["t"] for b in data] == sorted(b["t"] for b in data)
    assert all(b["t"] - a["t"] == 300_000 for a, b in itertools.pairwise(data))
    assert body["points"] == len(data) - 1 == 6
    assert f"{data[-1]['c']:.2f}" == snap["31"]
    assert all(b["l"] <= min(b["o"], b["c"]) <= max(b["o"], b["c"]) <= b["h"] for b in data)
    assert float(body["high"]) == max(b["h"] for b in data)

    daily = (
        await client.get(
            HISTORY, params={"conid": AAPL, "bar": "1d", "period": "1w"}, headers=headers
        )
    ).json()["data"]
    days = [datetime.fromtimestamp(b["t"] / 1000, UTC).date().isoformat() for b in daily]
    assert days == ["2025-12-30", "2025-12-31", "2026-01-02", "2026-01-05"]  # 1 Jan: holiday
    assert f"{daily[-1]['c']:.2f}" == snap["31"]
    assert (
        f"{daily[-1]['o']:.2f}"
        == (
            await client.get(SNAPSHOT, params={"conids": AAPL, "fields": "7295"}, headers=headers)
        ).json()[0]["7295"]
    )

    alias = await client.get(
        "/v1/api/hmds/history", params={"conid": AAPL, "bar": "5min", "period": "1d"},
        headers=headers,
    )  # fmt: skip
    assert alias.json()["data"] == data


async def test_a_start_time_ends_the_bars_in_the_past(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    friday = datetime(2026, 1, 2, 20, 0, tzinfo=UTC)  # 15:00 New York
    body = (
        await client.get(
            HISTORY,
            params={"conid": SPY, "bar": "1h", "period": "1d", "startTime": "20260102-20:00:00",
                    "outsideRth": "False", "exchange": "ARCA"},
            headers=headers,
        )
    ).json()  # fmt: skip
    quote = runtime.ctx.quotes.quote(SPY, friday)
    assert body["data"][-1]["c"] == float(quote.last)
    assert body["data"][-1]["t"] == _ms(datetime(2026, 1, 2, 19, 30, tzinfo=UTC))
    assert len(body["data"]) == 6  # 09:30 … 14:30 New York


async def test_a_period_without_bars_says_no_data(client, alice, clock):
    headers = await signed_in(client, alice, clock)
    saturday = {"conid": AAPL, "bar": "1min", "period": "30min", "startTime": "20260103-18:00:00"}
    answer = await client.get(HISTORY, params=saturday, headers=headers)
    assert answer.status_code == 200 and answer.json()["error"] == "No data."


async def test_bad_history_requests_get_stable_errors(client, alice, clock):
    headers = await signed_in(client, alice, clock)
    good = {"conid": AAPL, "bar": "5min", "period": "1d"}
    cases = [
        ({**good, "bar": "7min"}, 400, "invalid_input"),
        ({**good, "bar": "five"}, 400, "invalid_input"),
        ({**good, "bar": "1m"}, 400, "invalid_input"),
        ({**good, "period": "0d"}, 400, "invalid_input"),
        ({**good, "period": "16y"}, 400, "invalid_input"),
        ({**good, "period": "1x"}, 400, "invalid_input"),
        ({**good, "startTime": "2026-01-02"}, 400, "invalid_input"),
        ({**good, "outsideRth": "maybe"}, 400, "invalid_input"),
        ({"bar": "5min", "period": "1d"}, 400, "invalid_input"),
        ({**good, "conid": "AAPL"}, 400, "invalid_input"),
        ({**good, "conid": "1"}, 404, "unknown_instrument"),
    ]
    for params, status, code in cases:
        answer = await client.get(HISTORY, params=params, headers=headers)
        assert (answer.status_code, answer.json().get("error")) == (status, code), params
