"""The assistant's words: sides, account phrases, company names, and words that are no tickers."""

from __future__ import annotations

from gatehouse.clients.ibot.intents import AccountField, Side

EXAMPLES: tuple[str, ...] = (
    "quote AAPL",
    "what's my buying power?",
    "show my positions",
    "buy 10 MSFT limit 400",
    "sell 5 AAPL at market",
)

SIDES: dict[str, Side] = {
    "buy": Side.BUY,
    "purchase": Side.BUY,
    "sell": Side.SELL,
    "short": Side.SELL,
}

# Checked in order: the first phrase found decides (specific phrases before general ones).
ACCOUNT_PHRASES: tuple[tuple[AccountField, tuple[str, ...]], ...] = (
    (AccountField.BUYING_POWER, ("buying power", "how much can i buy", "afford")),
    (AccountField.EXCESS_LIQUIDITY, ("excess liquidity", "excess liq", "excess")),
    (AccountField.CUSHION, ("margin cushion", "cushion")),
    (AccountField.AVAILABLE_FUNDS, ("available funds", "funds available", "available to trade")),
    (
        AccountField.DAY_PNL,
        (
            "p&l",
            "pnl",
            "profit",
            "loss",
            "gain",
            "gains",
            "how am i doing",
            "made today",
            "lost today",
            "up today",
            "down today",
        ),
    ),
    (
        AccountField.NET_LIQUIDATION,
        (
            "net liquidation",
            "net liq",
            "netliq",
            "nlv",
            "account value",
            "account worth",
            "portfolio value",
            "portfolio worth",
            "balance",
            "equity",
            "am i worth",
            "how much money",
            "total value",
        ),
    ),
    (AccountField.CASH, ("cash", "settled cash", "money market")),
)

POSITION_PHRASES: tuple[str, ...] = (
    "position",
    "positions",
    "holdings",
    "holding",
    "what do i own",
    "what do i hold",
    "do i own",
    "do i have",
    "do i hold",
    "my portfolio",
    "my stocks",
    "my shares",
    "portfolio",
)

ORDER_LIST_PHRASES: tuple[str, ...] = (
    "orders",
    "open orders",
    "working orders",
    "pending orders",
    "my orders",
    "order status",
)

QUOTE_WORDS: tuple[str, ...] = (
    "quote",
    "quotes",
    "price",
    "prices",
    "trading",
    "doing",
    "chart",
    "last",
    "bid",
    "ask",
    "look",
    "lookup",
    "show",
    "check",
)

HELP_PHRASES: tuple[str, ...] = (
    "help",
    "commands",
    "hello",
    "hi",
    "hey",
    "how do i",
    "what can you do",
    "how does this work",
)

COMPANIES: dict[str, str] = {
    "apple": "AAPL",
    "microsoft": "MSFT",
    "tesla": "TSLA",
    "amazon": "AMZN",
    "google": "GOOGL",
    "alphabet": "GOOGL",
    "nvidia": "NVDA",
    "meta": "META",
    "facebook": "META",
    "netflix": "NFLX",
    "ibm": "IBM",
    "intel": "INTC",
    "amd": "AMD",
    "disney": "DIS",
    "walmart": "WMT",
    "boeing": "BA",
    "coca-cola": "KO",
    "coke": "KO",
}

# Never a ticker, however typed: the words of the order grammar itself.
GRAMMAR_WORDS: frozenset[str] = frozenset(
    {
        "buy",
        "sell",
        "purchase",
        "short",
        "limit",
        "lmt",
        "market",
        "mkt",
        "stop",
        "at",
        "gtc",
        "day",
        "i",
        "a",
        "of",
        "shares",
        "share",
    }
)

# Not a ticker unless typed in capitals ("quote ALL" is Allstate; "sell all" is not).
_STOPWORD_TEXT = """
    a about after all am an and any are as ask at be bid buying can cancel canceled cancelled
    cash chart check could current currently day do does doing dollars down equity for from
    gain get give go good have hello help hey hi how i if in is it its last let lets like
    limit look lookup loss lot me mkt money much my need net no now of on open order orders
    own p pending place please portfolio position positions power price prices profit put
    quote quotes s see shall share shares should show some stock stocks tell than that the
    then this those till til to today trade trading until up usd value want was what whats
    what's when which will with worth would you your liq liquidation funds available excess
    cushion margin balance holdings holding total working status gtd pnl nlv bp many hold
    held owned there into sold bought ok okay thanks thank
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())
