"""The assistant's grammar: plain-language requests → one typed intent, deterministically.

No model, no network: a tokenizer and a few ordered rules. Orders come first (a request
with "buy" or "sell" is an order or a question about one), then account figures, positions,
orders, quotes and help. See docs/web.md for the grammar with examples.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from gatehouse.clients.ibot.intents import (
    AccountQuestion,
    CancelOrder,
    ClosePosition,
    Help,
    Intent,
    ModifyOrder,
    NotUnderstood,
    OpenOrders,
    OrderPreview,
    OrderType,
    Positions,
    Quote,
    Side,
    TimeInForce,
)
from gatehouse.clients.ibot.vocabulary import (
    ACCOUNT_PHRASES,
    COMPANIES,
    EXAMPLES,
    GRAMMAR_WORDS,
    HELP_PHRASES,
    ORDER_LIST_PHRASES,
    POSITION_PHRASES,
    QUOTE_WORDS,
    SIDES,
    STOPWORDS,
)

MAX_LENGTH = 500
_TOKEN = re.compile(r"\$?\d[\d,]*(?:\.\d+)?k?|[A-Za-z][A-Za-z0-9.&'\-]*|@|\?")
_TICKER = re.compile(r"[A-Za-z]{1,5}(?:\.[A-Za-z])?")


class _Tokens:
    """The words of a request: as typed (for tickers) and lower-cased (for grammar)."""

    def __init__(self, text: str) -> None:
        self.raw = [t.rstrip(".'") or t for t in _TOKEN.findall(text)]
        self.low = [t.lower() for t in self.raw]
        self.text = " ".join(self.low)

    def has(self, *words: str) -> bool:
        return any(w in self.low for w in words)

    def phrase(self, phrases: tuple[str, ...]) -> bool:
        padded = f" {self.text} "
        return any(f" {p} " in padded for p in phrases)


def _number(token: str) -> Decimal | None:
    cleaned = token.lstrip("$").replace(",", "")
    scale = Decimal(1000) if cleaned.endswith("k") else Decimal(1)
    try:
        value = Decimal(cleaned.rstrip("k")) * scale
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def _symbols(tokens: _Tokens) -> list[str]:
    """Ticker-like words: company names first, then words typed in capitals, then others."""
    named: list[str] = []
    capital: list[str] = []
    other: list[str] = []
    for raw, low in zip(tokens.raw, tokens.low, strict=True):
        if low in COMPANIES:
            named.append(COMPANIES[low])
        elif not _TICKER.fullmatch(raw) or low in GRAMMAR_WORDS:
            continue
        elif raw.isupper() and len(raw) > 1:
            capital.append(raw)
        elif low not in STOPWORDS:
            other.append(raw.upper())
    found: list[str] = []
    for symbol in (*named, *capital, *other):
        if symbol not in found:
            found.append(symbol)
    return found


def parse(text: str) -> Intent:
    """The intent of ``text``; ``NotUnderstood`` (with examples) when there is none."""
    if not text.strip():
        return NotUnderstood("Ask me about a stock, your account, or an order.", EXAMPLES)
    if len(text) > MAX_LENGTH:
        return NotUnderstood("That is a long request: please ask one thing at a time.", EXAMPLES)
    tokens = _Tokens(text)
    if not tokens.low:
        return NotUnderstood("I could not find any words in that.", EXAMPLES)
    asked = next((f for f, phrases in ACCOUNT_PHRASES if tokens.phrase(phrases)), None)
    side = next((SIDES[w] for w in tokens.low if w in SIDES), None)
    has_number = any(_number(w) is not None for w in tokens.low)
    if side is None or not has_number:
        changed = _change(tokens, side)  # cancel / modify / close an order or a position
        if changed is not None:
            return changed
    if side is not None and (asked is None or has_number):
        return _order(tokens, side)  # "how much can I buy" is a question, not an order
    if asked is not None:
        return AccountQuestion(asked)
    if tokens.phrase(POSITION_PHRASES):
        symbols = _symbols(tokens)
        return Positions(symbols[0] if symbols else None)
    if tokens.phrase(ORDER_LIST_PHRASES):
        return OpenOrders()
    words = [w for w in tokens.low if w != "?"]
    if tokens.phrase(HELP_PHRASES) or not words:
        return Help(
            "I can look up quotes, answer questions about your account, "
            "and prepare orders for you to review and confirm.",
            EXAMPLES,
        )
    symbols = _symbols(tokens)
    if tokens.has(*QUOTE_WORDS) or (symbols and len(symbols) == len(words)):
        if symbols:
            return Quote(tuple(symbols[:10]))
        return NotUnderstood("Which symbol? For example: quote AAPL.", EXAMPLES)
    return NotUnderstood(
        f"Sorry, I did not understand “{text.strip()[:80]}”. "
        "I can get quotes, answer account questions and prepare orders for you to confirm.",
        EXAMPLES,
    )


_CHANGE_WORDS = ("modify", "change", "amend", "update", "move", "replace")
_VERBS = (*_CHANGE_WORDS, "cancel", "kill", "withdraw", "close", "flatten", "exit", "out")


def _change(tokens: _Tokens, side: Side | None) -> Intent | None:
    """Cancelling or modifying a working order, or closing a position; None otherwise."""
    low = tokens.low
    symbols = [s for s in _symbols(tokens) if s.lower() not in _VERBS]
    symbol = symbols[0] if symbols else None
    if low[0] in ("cancel", "kill", "withdraw") or tokens.phrase(("cancel my", "cancel the")):
        if symbol is None and not tokens.has("all", "every", "everything", "orders"):
            return NotUnderstood("Which order? For example: cancel my MSFT order.", EXAMPLES)
        return CancelOrder(symbol)
    if low[0] in _CHANGE_WORDS and tokens.has("order", "orders", "limit", "stop", "price"):
        if symbol is None:
            return NotUnderstood("Which order? For example: modify my MSFT order to 405.", EXAMPLES)
        price: Decimal | None = None
        quantity: Decimal | None = None
        for i, word in enumerate(low):
            value = _number(word)
            if value is None:
                continue
            if i + 1 < len(low) and low[i + 1] in ("shares", "share", "shs"):
                quantity = value
            else:
                price = value
        if price is None and quantity is None:
            return NotUnderstood(
                f"To what? For example: modify my {symbol} order to 405, or to 20 shares.",
                EXAMPLES,
            )
        if quantity is not None and quantity != quantity.to_integral_value():
            return NotUnderstood("Orders are for whole shares: use a whole number.", EXAMPLES)
        return ModifyOrder(symbol, price=price, quantity=quantity)
    closing = low[0] in ("close", "flatten", "exit") and not tokens.has(
        "price", "quote", "closing", "yesterday"
    )
    if closing or (side is Side.SELL and tokens.has("all", "everything", "entire")):
        if symbol is None:
            return NotUnderstood("Which position? For example: close my AAPL position.", EXAMPLES)
        return ClosePosition(symbol)
    return None


def _order(tokens: _Tokens, side: Side) -> Intent:
    quantity: Decimal | None = None
    cash: Decimal | None = None
    limit: Decimal | None = None
    stop: Decimal | None = None
    market = want_limit = False
    tif = TimeInForce.DAY
    low = tokens.low
    i = 0
    while i < len(low):
        word = low[i]
        following = _number(low[i + 1]) if i + 1 < len(low) else None
        if word in ("market", "mkt"):
            market = True
        elif word in ("limit", "lmt"):
            want_limit = True
            if following is not None:
                limit, i = following, i + 1
        elif word == "stop" and following is not None:
            stop, i = following, i + 1
        elif word in ("at", "@", "for", "price") and following is not None:
            limit, i = following, i + 1
        elif word in ("gtc", "gtd") or (word == "good" and "cancel" in tokens.text):
            tif = TimeInForce.GTC
        elif (value := _number(word)) is not None:
            next_word = low[i + 1] if i + 1 < len(low) else ""
            if word.startswith("$") or next_word in ("dollars", "usd", "worth"):
                cash = value
            elif quantity is None:
                quantity = value
            elif limit is None:
                limit = value
        i += 1
    symbols = _symbols(tokens)
    verb = side.value.lower()
    if not symbols:
        return NotUnderstood(
            f"What do you want to {verb}? For example: {verb} 10 AAPL at market.", EXAMPLES
        )
    symbol = symbols[0]
    if quantity is None and cash is None:
        return NotUnderstood(
            f"How many shares of {symbol} do you want to {verb}? "
            f"For example: {verb} 10 {symbol} limit 100.",
            EXAMPLES,
        )
    if quantity is not None and quantity != quantity.to_integral_value():
        return NotUnderstood("Orders are for whole shares: use a whole number.", EXAMPLES)
    if stop is not None:
        kind = OrderType.STOP_LIMIT if limit is not None else OrderType.STOP
    elif market and not want_limit:
        kind, limit = OrderType.MARKET, None
    elif limit is not None:
        kind = OrderType.LIMIT
    elif want_limit:
        return NotUnderstood(
            f"At what limit price? For example: {verb} 10 {symbol} limit 100.", EXAMPLES
        )
    else:
        kind = OrderType.MARKET
    return OrderPreview(
        side=side,
        symbol=symbol,
        order_type=kind,
        quantity=quantity if cash is None else None,
        cash_quantity=cash,
        limit_price=limit,
        stop_price=stop,
        tif=tif,
    )
