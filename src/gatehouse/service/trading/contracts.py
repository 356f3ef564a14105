"""Contract look-ups in IBKR's shapes: search, stocks by symbol, definitions, info and rules.

Every bundled instrument is one US stock or ETF with one contract, so ``trsrv/stocks``
answers exactly one instrument with one ``isUS`` contract per known symbol, which is what
IBKR clients' ``stock_conid_by_symbol`` helpers need.
"""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading import instruments
from gatehouse.domain.trading.instruments import Instrument, by_conid
from gatehouse.domain.trading.market_requests import parse_conid, parse_conids, parse_flag
from gatehouse.domain.trading.orders import OrderType, TimeInForce

# IBKR's security types; only stocks (ETFs are stocks to IBKR) are listed here.
SEC_TYPES = {"STK", "OPT", "FUT", "FOP", "WAR", "IOPT", "CASH", "IND", "BOND", "CFD", "FUND",
             "CRYPTO", "BAG", "CMDTY"}  # fmt: skip
MAX_SYMBOLS = 100
_ORDER_TYPE_NAMES = {
    OrderType.MKT: "market",
    OrderType.LMT: "limit",
    OrderType.STP: "stop",
    OrderType.STP_LIMIT: "stop_limit",
    OrderType.TRAIL: "trailing_stop",
    OrderType.TRAILLMT: "trailing_stop_limit",
}
_SEARCH_LIMIT = 20


def _exchanges(instrument: Instrument) -> str:
    return f"SMART;{instrument.exchange}"


def search(*, symbol: object, name: object = None, sec_type: object = None) -> list[dict[str, Any]]:
    """``iserver/secdef/search``: by symbol prefix, or by company name when ``name`` is true."""
    if not isinstance(symbol, str) or not symbol.strip() or len(symbol) > 64:
        raise InvalidInput("Search for a 'symbol' of 1 to 64 characters.", field="symbol")
    by_name = parse_flag(name if isinstance(name, str) else str(name or ""), field="name")
    kind = "STK" if sec_type is None or sec_type == "" else str(sec_type).strip().upper()
    if kind not in SEC_TYPES:
        raise InvalidInput(f"Unknown security type {kind[:12]!r}.", field="secType")
    if kind != "STK":
        return []
    needle = " ".join(symbol.split()).upper()
    if by_name:
        found = [i for i in instruments.INSTRUMENTS if needle in i.name.upper()]
    else:
        found = instruments.search(needle, limit=_SEARCH_LIMIT)
    return [
        {
            "conid": str(i.conid),
            "companyHeader": f"{i.name} - {i.exchange}",
            "companyName": i.name,
            "symbol": i.symbol,
            "description": i.exchange,
            "restricted": None,
            "fop": None,
            "opt": None,
            "war": None,
            "sections": [{"secType": i.asset_class, "exchange": _exchanges(i)}],
        }
        for i in found[:_SEARCH_LIMIT]
    ]


def stocks(symbols: str | None) -> dict[str, list[dict[str, Any]]]:
    """``trsrv/stocks?symbols=AAPL,MSFT``; an unknown symbol maps to an empty list."""
    if symbols is None or not symbols.strip():
        raise InvalidInput("Name at least one symbol in 'symbols'.", field="symbols")
    wanted = [" ".join(s.split()).upper() for s in symbols.split(",") if s.strip()]
    if len(wanted) > MAX_SYMBOLS:
        raise InvalidInput(f"Ask for at most {MAX_SYMBOLS} symbols at a time.", field="symbols")
    answer: dict[str, list[dict[str, Any]]] = {}
    for symbol in wanted:
        found = instruments.by_symbol(symbol)
        answer[symbol] = (
            [
                {
                    "name": found.name.upper(),
                    "chineseName": "",
                    "assetClass": found.asset_class,
                    "contracts": [{"conid": found.conid, "exchange": found.exchange, "isUS": True}],
                }
            ]
            if found
            else []
        )
    return answer


def _definition(i: Instrument) -> dict[str, Any]:
    return {
        "conid": i.conid,
        "currency": i.currency,
        "time": 0,
        "chineseName": "",
        "allExchanges": f"SMART,{i.exchange}",
        "listingExchange": i.exchange,
        "countryCode": "US",
        "name": i.name.upper(),
        "assetClass": i.asset_class,
        "expiry": None,
        "lastTradingDay": None,
        "group": None,
        "putOrCall": None,
        "sector": None,
        "sectorGroup": None,
        "strike": "0",
        "ticker": i.symbol,
        "undConid": 0,
        "multiplier": 0.0,
        "type": "ETF" if i.kind is instruments.InstrumentKind.ETF else "COMMON",
        "hasOptions": False,
        "fullName": i.symbol,
        "isUS": True,
        "incrementRules": [{"lowerEdge": 0.0, "increment": 0.01}],
        "displayRule": {"magnification": 0, "displayRuleStep": [{"decimalDigits": 2}]},
    }


def definitions(conids: str | None) -> dict[str, Any]:
    """``trsrv/secdef?conids=``."""
    return {"secdef": [_definition(by_conid(c)) for c in parse_conids(conids)]}


def info(conid: str) -> dict[str, Any]:
    """``iserver/contract/{conid}/info``."""
    i = by_conid(parse_conid(conid))
    return {
        "con_id": i.conid,
        "symbol": i.symbol,
        "local_symbol": i.symbol,
        "company_name": i.name,
        "exchange": "SMART",
        "listing_exchange": i.exchange,
        "valid_exchanges": f"SMART,{i.exchange}",
        "instrument_type": i.asset_class,
        "currency": i.currency,
        "trading_class": "NMS" if i.exchange == "NASDAQ" else i.symbol,
        "category": "ETF" if i.kind is instruments.InstrumentKind.ETF else "Common Stock",
        "industry": None,
        "multiplier": "",
        "r_t_h": True,
        "allow_sell_long": False,
        "is_zero_commission_security": False,
        "contract_clarification_type": None,
        "maturity_date": None,
        "cusip": None,
        "text": None,
    }


def rules(conid: str, *, is_buy: str | None = None) -> dict[str, Any]:
    """The trading rules part of ``info-and-rules`` (what the order ticket may send)."""
    by_conid(parse_conid(conid))
    parse_flag(is_buy, field="isBuy")
    return {
        "algoEligible": False,
        "overnightEligible": False,
        "costReport": False,
        "canTradeAcctIds": [],
        "orderTypes": [_ORDER_TYPE_NAMES[t] for t in OrderType],
        "orderTypesOutside": ["limit", "stop_limit", "trailing_stop_limit"],  # outsideRTH
        "defaultSize": 100,
        "cashSize": 0.0,
        "sizeIncrement": 1,
        "tifTypes": [f"{tif.value}/o,a" for tif in TimeInForce],
        "tifDefaults": {"TIF": "DAY", "SIZE": "100.00"},
        "limitPrice": 0.0,
        "stopprice": 0.0,
        "preview": True,
        "displaySize": "100.00",
        "increment": 0.01,
        "incrementDigits": 2,
        "incrementRules": [{"lowerEdge": 0.0, "increment": 0.01}],
        "hasSecondary": False,
        "negativeCapable": False,
        "fraqTypes": [],
        "forceOrderPreview": False,
        "cqtTypes": [],
        "orderDefaults": {},
        "fraqInt": 0,
    }


def info_and_rules(conid: str, *, is_buy: str | None = None) -> dict[str, Any]:
    """``iserver/contract/{conid}/info-and-rules``."""
    return {**info(conid), "rules": rules(conid, is_buy=is_buy)}
