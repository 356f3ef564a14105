"""Watchlist rows, alert requests and layout names: what is accepted and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from gatehouse.domain.errors import InvalidInput, LayoutTooLarge, UnknownInstrument
from gatehouse.domain.lists.alerts import (
    AlertOperator,
    PriceAlert,
    parse_ibkr_request,
    parse_price,
    parse_request,
)
from gatehouse.domain.lists.layouts import MAX_DOCUMENT_BYTES, check_document
from gatehouse.domain.lists.layouts import check_name as layout_name
from gatehouse.domain.lists.watchlists import WatchlistRow, check_list_id, parse_rows
from gatehouse.domain.trading.quotes import Quote
from gatehouse.service.trading.quote_feed import QuoteFeed

AAPL, MSFT = 265598, 272093


def test_watchlist_rows_in_ibkr_form() -> None:
    rows = parse_rows([{"H": "Tech"}, {"C": AAPL}, {"C": str(MSFT)}])
    assert rows == [WatchlistRow(header="Tech"), WatchlistRow(conid=AAPL), WatchlistRow(conid=MSFT)]
    assert [r.wire() for r in rows] == [{"H": "Tech"}, {"C": AAPL}, {"C": MSFT}]
    assert parse_rows(None) == []


@pytest.mark.parametrize(
    "rows",
    [
        "AAPL",
        [AAPL],
        [{"C": AAPL, "H": "x"}],
        [{"X": 1}],
        [{}],
        [{"C": "AAPL"}],
        [{"C": True}],
        [{"H": 5}],
        [{"H": "x" * 65}],
        [{"C": AAPL}, {"C": AAPL}],
        [{"H": ""}] * 501,
    ],
)
def test_malformed_watchlist_rows_are_refused(rows: object) -> None:
    with pytest.raises(InvalidInput):
        parse_rows(rows)


def test_unknown_instruments_in_rows_are_reported_as_such() -> None:
    with pytest.raises(UnknownInstrument):
        parse_rows([{"C": 1}])


def test_watchlist_ids() -> None:
    assert check_list_id("1234") == "1234"
    assert check_list_id(1234) == "1234"
    for bad in ("", "a b", "x" * 33, None, 1.5, True, -1, "../x"):
        with pytest.raises(InvalidInput):
            check_list_id(bad)


def test_alert_requests_both_ways() -> None:
    mine = parse_request({"conid": AAPL, "operator": ">=", "price": "240.5"})
    theirs = parse_ibkr_request(
        {
            "alertName": "AAPL up",
            "alertRepeatable": 0,
            "conditions": [
                {"conidex": f"{AAPL}@SMART", "type": 1, "operator": ">=", "value": "240.5"}
            ],
        }
    )
    assert (mine.conid, mine.operator, mine.price) == (
        AAPL,
        AlertOperator.AT_OR_ABOVE,
        Decimal("240.5"),
    )
    assert (theirs.conid, theirs.operator, theirs.price, theirs.name) == (
        AAPL, AlertOperator.AT_OR_ABOVE, Decimal("240.5"), "AAPL up",
    )  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        {"conid": AAPL, "operator": ">", "price": 1},
        {"conid": AAPL, "operator": ">=", "price": 0},
        {"conid": AAPL, "operator": ">=", "price": "-1"},
        {"conid": AAPL, "operator": ">=", "price": "1.23456"},
        {"conid": AAPL, "operator": ">=", "price": "NaN"},
        {"conid": AAPL, "operator": ">=", "price": True},
        {"conid": AAPL, "operator": ">="},
        {"operator": ">=", "price": 1},
        {"conid": AAPL, "operator": ">=", "price": 1, "name": "x" * 65},
    ],
)
def test_bad_alert_requests_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        parse_request(body)


def test_ibkr_alerts_must_be_one_price_condition_once() -> None:
    condition = {"conidex": str(AAPL), "type": 1, "operator": "<=", "value": "200"}
    for body in (
        {"conditions": []},
        {"conditions": [condition, condition]},
        {"conditions": [{**condition, "type": 3}]},
        {"conditions": [condition], "alertRepeatable": 1},
    ):
        with pytest.raises(InvalidInput):
            parse_ibkr_request(body)


def test_an_alert_is_met_at_its_price() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    up = PriceAlert(1, "U1", AAPL, AlertOperator.AT_OR_ABOVE, Decimal(240), "", at)
    down = PriceAlert(1, "U1", AAPL, AlertOperator.AT_OR_BELOW, Decimal(240), "", at)
    assert up.is_met(Decimal(240)) and not up.is_met(Decimal("239.99"))
    assert down.is_met(Decimal(240)) and not down.is_met(Decimal("240.01"))
    assert parse_price("240.10") == Decimal("240.10")


def test_layout_names_and_sizes() -> None:
    assert layout_name("Main desk_2.v1-a") == "Main desk_2.v1-a"
    for bad in ("", " lead", "trail ", "a/b", "x" * 65, "ünïcode", ".hidden"):
        with pytest.raises(InvalidInput):
            layout_name(bad)
    check_document("x" * MAX_DOCUMENT_BYTES)
    with pytest.raises(LayoutTooLarge):
        check_document("x" * (MAX_DOCUMENT_BYTES + 1))


def _quote(conid: int, last: str) -> Quote:
    price = Decimal(last)
    at = datetime(2026, 1, 5, tzinfo=UTC)
    return Quote(
        conid, price, price, 100, 100, price, 100, 0, price, price, price, price, price, at
    )


def test_the_feed_hands_each_subscriber_its_own_instruments() -> None:
    feed = QuoteFeed()
    heard: list[list[int]] = []
    first = feed.subscribe([AAPL, AAPL], lambda quotes: heard.append([q.conid for q in quotes]))
    feed.subscribe([MSFT], lambda quotes: 1 / 0)  # a failing subscriber harms no one else
    assert first.conids == (AAPL,)
    assert feed.wanted() == {AAPL, MSFT}
    assert feed.deliver({AAPL: _quote(AAPL, "1"), MSFT: _quote(MSFT, "2")}) == 2
    assert heard == [[AAPL]]
    feed.unsubscribe(first)
    feed.unsubscribe(first)
    assert feed.wanted() == {MSFT}
    with pytest.raises(UnknownInstrument):
        feed.subscribe([1], print)
