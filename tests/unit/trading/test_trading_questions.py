"""Order precautions: IBKR message ids, the phrases ibind matches, limits and suppression."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from gatehouse.domain.trading.orders import Order, OrderType, Side, new_order
from gatehouse.domain.trading.questions import (
    NO_MARKET_DATA,
    PRICE_PERCENTAGE_CONSTRAINT,
    STOP_ORDER_RISKS,
    TOTAL_VALUE_LIMIT,
    TRIGGER_AND_FILL,
    Question,
    order_questions,
)
from gatehouse.domain.trading.quotes import Quote

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
D = Decimal

# ibind's QuestionType phrases, matched as substrings of the question with newlines removed.
IBIND = {
    PRICE_PERCENTAGE_CONSTRAINT: "price exceeds the Percentage constraint of 3%",
    TOTAL_VALUE_LIMIT: "exceeds the Total Value Limit of",
    NO_MARKET_DATA: "You are submitting an order without market data. We strongly recommend "
    "against this as it may result in erroneous and unexpected trades.",
    STOP_ORDER_RISKS: "You are about to submit a stop order. Please be aware of the various stop "
    "order types available and the risks associated with each one.",
    TRIGGER_AND_FILL: "This order will most likely trigger and fill immediately.",
}


def quote(last: str = "100.00") -> Quote:
    price = D(last)
    return Quote(
        conid=265598,
        bid=price - D("0.02"),
        ask=price + D("0.02"),
        bid_size=100,
        ask_size=100,
        last=price,
        last_size=100,
        volume=1,
        open=price,
        high=price,
        low=price,
        close=price,
        prior_close=price,
        at=NOW,
    )


def order(
    order_type: OrderType = OrderType.LMT,
    *,
    side: Side = Side.BUY,
    quantity: int = 10,
    limit: str | None = "99.00",
    stop: str | None = None,
) -> Order:
    return new_order(
        order_id="o",
        account_id="DU1",
        conid=265598,
        side=side,
        order_type=order_type,
        quantity=D(quantity),
        limit_price=None if limit is None else D(limit),
        stop_price=None if stop is None else D(stop),
        now=NOW,
    )


def ids(questions: list[Question]) -> list[str]:
    return [q.message_id for q in questions]


def test_an_ordinary_resting_limit_order_asks_nothing() -> None:
    assert order_questions(order(), quote()) == []


def test_no_market_data() -> None:
    assert ids(order_questions(order(), None)) == [NO_MARKET_DATA]


def test_limit_far_from_the_last_price() -> None:
    assert ids(order_questions(order(limit="96.99"), quote())) == [PRICE_PERCENTAGE_CONSTRAINT]
    assert order_questions(order(limit="97.00"), quote()) == []  # exactly 3% away
    high = ids(order_questions(order(side=Side.SELL, limit="103.01"), quote()))
    assert high == [PRICE_PERCENTAGE_CONSTRAINT]


def test_total_value_limit_is_configurable() -> None:
    big = order(quantity=6000, limit="99.00")  # 594,000 USD
    questions = order_questions(big, quote())
    assert ids(questions) == [TOTAL_VALUE_LIMIT]
    assert "594,000.00 USD" in questions[0].text and "500,000 USD" in questions[0].text
    assert order_questions(big, quote(), total_value_limit=D(1_000_000)) == []
    market = order(OrderType.MKT, quantity=60, limit=None)
    assert ids(order_questions(market, quote(), total_value_limit=D(5000))) == [TOTAL_VALUE_LIMIT]


def test_stop_orders_warn_about_stop_risks() -> None:
    stop = order(OrderType.STP, side=Side.SELL, limit=None, stop="95.00")
    assert ids(order_questions(stop, quote())) == [STOP_ORDER_RISKS]


def test_marketable_limit_and_triggered_stop_will_fill_immediately() -> None:
    assert ids(order_questions(order(limit="100.02"), quote())) == [TRIGGER_AND_FILL]
    stop = order(OrderType.STP, limit=None, stop="99.00")  # buy stop already below the market
    assert ids(order_questions(stop, quote())) == [STOP_ORDER_RISKS, TRIGGER_AND_FILL]
    assert order_questions(order(OrderType.MKT, limit=None), quote()) == []


def test_suppressed_ids_are_skipped() -> None:
    far_and_big = order(quantity=10_000, limit="90.00")
    assert ids(order_questions(far_and_big, quote())) == [
        PRICE_PERCENTAGE_CONSTRAINT,
        TOTAL_VALUE_LIMIT,
    ]
    assert ids(order_questions(far_and_big, quote(), suppressed={"o163"})) == [TOTAL_VALUE_LIMIT]
    assert order_questions(far_and_big, quote(), suppressed=["o163", "o451"]) == []


def test_texts_contain_ibinds_phrases_after_its_clean_up() -> None:
    cases = [
        (order(quantity=10_000, limit="90.00"), quote()),
        (order(OrderType.STP_LIMIT, limit="101.00", stop="99.00"), None),
        (order(OrderType.STP_LIMIT, limit="101.00", stop="99.00"), quote()),
    ]
    seen = set()
    for o, q in cases:
        for question in order_questions(o, q):
            cleaned = question.text.strip().replace("\n", "")
            assert IBIND[question.message_id] in cleaned
            assert question.text.endswith("Are you sure you want to submit this order?")
            seen.add(question.message_id)
    assert seen == set(IBIND)
