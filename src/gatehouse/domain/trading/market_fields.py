"""IBKR market data field ids: what each means, and a quote rendered as ``{"<id>": "<text>"}``.

The Client Portal API (snapshots and the ``smd`` WebSocket topic) names every value by a
numeric field id and sends it as a string; these are the ids Gatehouse fills.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.instruments import Instrument
from gatehouse.domain.trading.quotes import Quote

LAST = "31"
SYMBOL = "55"
HIGH = "70"
LOW = "71"
CHANGE = "82"
CHANGE_PCT = "83"
BID = "84"
ASK_SIZE = "85"
ASK = "86"
VOLUME = "87"
BID_SIZE = "88"
SEC_TYPE = "6070"
AVAILABILITY = "6509"
COMPANY_NAME = "7051"
OPEN = "7295"
CLOSE = "7296"
MARK = "7635"
PRIOR_CLOSE = "7741"
VOLUME_LONG = "7762"

FIELD_NAMES: dict[str, str] = {
    LAST: "last price",
    SYMBOL: "symbol",
    HIGH: "session high",
    LOW: "session low",
    CHANGE: "change since the prior close",
    CHANGE_PCT: "change since the prior close, percent",
    BID: "bid price",
    ASK_SIZE: "ask size (shares)",
    ASK: "ask price",
    VOLUME: "session volume, abbreviated (K, M)",
    BID_SIZE: "bid size (shares)",
    SEC_TYPE: "security type",
    AVAILABILITY: "market data availability (R real time, p snapshot, B book)",
    COMPANY_NAME: "company name",
    OPEN: "session open",
    CLOSE: "session close (the last trade while the session is open)",
    MARK: "mark price (last trade kept inside the bid/ask)",
    PRIOR_CLOSE: "prior session close",
    VOLUME_LONG: "session volume, in shares",
}

# Real-time, snapshot, book: the simulator's data is all three.
AVAILABLE = "RpB"
MAX_FIELDS = 100


def _price(value: Decimal) -> str:
    return f"{value:.2f}"


def compact_volume(shares: int) -> str:
    """Field 87's style: ``2.04M``, ``15.3K``, ``900``."""
    for scale, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if shares >= scale:
            text = f"{shares / scale:.2f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return str(shares)


def quote_fields(quote: Quote, instrument: Instrument) -> dict[str, str]:
    """Every field Gatehouse knows, for one quote."""
    return {
        LAST: _price(quote.last),
        SYMBOL: instrument.symbol,
        HIGH: _price(quote.high),
        LOW: _price(quote.low),
        CHANGE: _price(quote.change),
        CHANGE_PCT: f"{quote.change_pct:.2f}",
        BID: _price(quote.bid),
        ASK_SIZE: str(quote.ask_size),
        ASK: _price(quote.ask),
        VOLUME: compact_volume(quote.volume),
        BID_SIZE: str(quote.bid_size),
        SEC_TYPE: instrument.asset_class,
        AVAILABILITY: AVAILABLE,
        COMPANY_NAME: instrument.name,
        OPEN: _price(quote.open),
        CLOSE: _price(quote.close),
        MARK: _price(quote.mark),
        PRIOR_CLOSE: _price(quote.prior_close),
        VOLUME_LONG: str(quote.volume),
    }


def select(fields: dict[str, str], wanted: Iterable[str]) -> dict[str, str]:
    """The ``wanted`` fields that exist (unknown ids are skipped, as IBKR does)."""
    return {key: fields[key] for key in wanted if key in fields}


def parse_field_ids(text: str | None) -> tuple[str, ...]:
    """``"31,84,86"`` → ``("31", "84", "86")``; empty or absent means every known field.

    Ids must be numbers; ids Gatehouse does not fill are accepted and left out of answers.
    """
    if text is None or not text.strip():
        return tuple(FIELD_NAMES)
    ids: list[str] = []
    for part in text.split(","):
        item = part.strip()
        if not item.isdigit() or len(item) > 6:
            raise InvalidInput(f"Field ids are numbers like 31 or 84, not {item[:20]!r}.")
        key = str(int(item))
        if key not in ids:
            ids.append(key)
    if len(ids) > MAX_FIELDS:
        raise InvalidInput(f"Ask for at most {MAX_FIELDS} fields at a time.", field="fields")
    return tuple(ids)
