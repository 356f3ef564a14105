"""The assistant's grammar on a table of plain-language requests, and its fallbacks."""

from __future__ import annotations

import pytest

from gatehouse.clients.ibot import parse
from gatehouse.clients.ibot.intents import OrderPreview

Q = "quote"
A = "account"
ORDER = "order"
HOW_MANY = "How many shares of MSFT do you want to buy? For example: buy 10 MSFT limit 100."

# (request, intent, the fields of the answer that must match)
TABLE: list[tuple[str, str, dict[str, object]]] = [
    # quotes
    ("quote AAPL", Q, {"symbols": ["AAPL"]}),
    ("price of msft", Q, {"symbols": ["MSFT"]}),
    ("What is the price of Apple?", Q, {"symbols": ["AAPL"]}),
    ("AAPL?", Q, {"symbols": ["AAPL"]}),
    ("nvda", Q, {"symbols": ["NVDA"]}),
    ("how is tsla doing", Q, {"symbols": ["TSLA"]}),
    ("quotes for aapl and msft", Q, {"symbols": ["AAPL", "MSFT"]}),
    ("what's amzn trading at", Q, {"symbols": ["AMZN"]}),
    ("show me google", Q, {"symbols": ["GOOGL"]}),
    ("quote BP", Q, {"symbols": ["BP"]}),
    ("quote ALL", Q, {"symbols": ["ALL"]}),
    ("last price IBM", Q, {"symbols": ["IBM"]}),
    # account figures
    ("what's my buying power", A, {"field": "buyingpower"}),
    ("Buying power?", A, {"field": "buyingpower"}),
    ("how much can I buy", A, {"field": "buyingpower"}),
    ("cash", A, {"field": "totalcashvalue"}),
    ("how much cash do I have", A, {"field": "totalcashvalue"}),
    ("what is my account worth", A, {"field": "netliquidation"}),
    ("net liq", A, {"field": "netliquidation"}),
    ("account balance", A, {"field": "netliquidation"}),
    ("what's my margin cushion", A, {"field": "cushion"}),
    ("excess liquidity", A, {"field": "excessliquidity"}),
    ("available funds", A, {"field": "availablefunds"}),
    ("what's my p&l today", A, {"field": "daypnl"}),
    ("how am I doing today", A, {"field": "daypnl"}),
    # positions and orders
    ("positions", "positions", {"symbol": None}),
    ("what do I own", "positions", {"symbol": None}),
    ("show my holdings", "positions", {"symbol": None}),
    ("how many shares of aapl do I have", "positions", {"symbol": "AAPL"}),
    ("open orders", "orders", {}),
    ("show my working orders", "orders", {}),
    # orders: always a preview to confirm
    (
        "buy 10 MSFT limit 400",
        ORDER,
        {"side": "BUY", "symbol": "MSFT", "order_type": "LMT", "quantity": 10, "limit_price": 400},
    ),
    (
        "sell 5 aapl at market",
        ORDER,
        {"side": "SELL", "symbol": "AAPL", "order_type": "MKT", "quantity": 5},
    ),
    (
        "buy 10 shares of msft at $400",
        ORDER,
        {"order_type": "LMT", "quantity": 10, "limit_price": 400},
    ),
    ("Buy 100 AAPL @ 150.25", ORDER, {"symbol": "AAPL", "limit_price": 150.25}),
    ("buy msft 10 @ 400", ORDER, {"symbol": "MSFT", "quantity": 10, "limit_price": 400}),
    ("purchase 3 nvidia at 120", ORDER, {"side": "BUY", "symbol": "NVDA", "quantity": 3}),
    ("sell 20 tsla stop 180", ORDER, {"order_type": "STP", "stop_price": 180, "limit_price": None}),
    (
        "buy 100 aapl stop 150 limit 151",
        ORDER,
        {"order_type": "STOP_LIMIT", "stop_price": 150, "limit_price": 151},
    ),
    ("buy 10 MSFT limit 400 good till cancelled", ORDER, {"tif": "GTC"}),
    ("buy 10 msft lmt 400 gtc", ORDER, {"tif": "GTC", "order_type": "LMT"}),
    ("buy $500 of aapl", ORDER, {"cash_quantity": 500, "quantity": None, "order_type": "MKT"}),
    ("buy 1k shares of ibm at market", ORDER, {"quantity": 1000, "order_type": "MKT"}),
    ("BUY 10 MSFT LMT 400", ORDER, {"symbol": "MSFT", "limit_price": 400}),
    ("short 50 spy at 500", ORDER, {"side": "SELL", "symbol": "SPY", "limit_price": 500}),
    ("buy 10 msft", ORDER, {"order_type": "MKT", "quantity": 10}),
    # changing what is already there: cancel, modify, close — each confirmed on the page
    ("cancel my MSFT order", "cancel_order", {"symbol": "MSFT", "confirm_required": True}),
    ("Cancel the apple order please", "cancel_order", {"symbol": "AAPL"}),
    ("cancel all my orders", "cancel_order", {"symbol": None}),
    ("cancel", "unknown", {}),
    ("modify my MSFT order to 405", "modify_order", {"symbol": "MSFT", "price": 405}),
    ("change my msft order to 20 shares", "modify_order", {"quantity": 20, "price": None}),
    ("change the limit on my tsla order to 180.50", "modify_order", {"price": 180.5}),
    ("modify my order to 405", "unknown", {}),
    ("modify my MSFT order", "unknown", {}),
    ("close my AAPL position", "close_position", {"symbol": "AAPL", "confirm_required": True}),
    ("close out my TSLA position", "close_position", {"symbol": "TSLA"}),
    ("flatten nvda", "close_position", {"symbol": "NVDA"}),
    ("sell all my aapl", "close_position", {"symbol": "AAPL"}),
    ("close my position", "unknown", {}),
    ("buy 10 msft good till cancelled", ORDER, {"tif": "GTC", "quantity": 10}),
    # help
    ("help", "help", {}),
    ("what can you do?", "help", {}),
    ("hi", "help", {}),
    # not understood, with something helpful
    ("flibber the jabberwock", "unknown", {}),
    (
        "buy msft",
        "unknown",
        {"message": HOW_MANY},
    ),
    ("buy 10 msft limit", "unknown", {}),
    ("buy 1.5 aapl", "unknown", {}),
    ("buy 10", "unknown", {}),
    ("", "unknown", {}),
    ("quote", "unknown", {}),
]


@pytest.mark.parametrize(("text", "intent", "fields"), TABLE, ids=[t[0] or "empty" for t in TABLE])
def test_phrasings(text, intent, fields):
    answer = parse(text).to_dict()
    assert answer["intent"] == intent, answer
    for name, value in fields.items():
        assert answer[name] == value, (name, answer)


def test_the_table_is_large():
    assert len(TABLE) >= 40


@pytest.mark.parametrize("text", [t for t, intent, _ in TABLE if intent == ORDER])
def test_every_order_must_be_confirmed(text):
    found = parse(text)
    assert isinstance(found, OrderPreview)
    assert found.to_dict()["confirm_required"] is True


CHANGES = ("cancel_order", "modify_order", "close_position")


@pytest.mark.parametrize("text", [t for t, intent, _ in TABLE if intent in CHANGES])
def test_every_cancel_modify_and_close_must_be_confirmed(text):
    assert parse(text).to_dict()["confirm_required"] is True


@pytest.mark.parametrize("text", ["please do the thing", "buy", "quote", "x" * 600])
def test_not_understood_always_comes_with_examples(text):
    answer = parse(text).to_dict()
    assert answer["intent"] == "unknown"
    assert answer["message"] and len(answer["examples"]) >= 3


def test_parsing_is_deterministic():
    assert [parse("buy 10 MSFT limit 400").to_dict() for _ in range(3)] == [
        parse("buy 10 MSFT limit 400").to_dict()
    ] * 3
