"""Reference data in IBKR's shapes: contract rules, every conid of an exchange, algos, trading
schedules (from the trading calendar), currency pairs and exchange rates (from the simulator),
the regulatory snapshot, and the clear refusal of security types not traded here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from gatehouse.domain.errors import InvalidInput, UnsupportedSecType
from gatehouse.domain.trading.instruments import INSTRUMENTS, by_conid
from gatehouse.domain.trading.market_fields import quote_fields
from gatehouse.domain.trading.market_requests import parse_conid, parse_flag
from gatehouse.service.context import ServiceContext
from gatehouse.service.trading import contracts
from gatehouse.service.trading.views import millis

TRADED = ("STK",)  # ETFs are stocks to IBKR
SCHEDULE_DAYS = 30
SYNTHETIC_FX_CONID = 15_016_000  # conids of the simulator's currency pairs start here


def refuse_sec_type(sec_type: object, *, field: str = "secType") -> None:
    """``unsupported_sec_type`` for options, futures, bonds… (``400``); stocks pass."""
    if sec_type is None or sec_type == "":
        return
    if not isinstance(sec_type, str) or len(sec_type) > 20:
        raise InvalidInput(f"'{field}' must be a security type such as STK.", field=field)
    if sec_type.strip().upper() not in TRADED:
        raise UnsupportedSecType(
            f"Security type {sec_type.strip().upper()!r} is not traded here: only stocks and "
            "ETFs (STK). Options, futures and bonds are not supported yet.",
            field=field,
        )


def contract_rules(body: Mapping[str, object]) -> dict[str, Any]:
    """``POST iserver/contract/rules {conid, isBuy?, exchange?, modifyOrder?, orderId?}``."""
    conid = body.get("conid")
    if isinstance(conid, bool) or not isinstance(conid, int | str):
        raise InvalidInput("'conid' must be an integer contract id.", field="conid")
    is_buy = body.get("isBuy")
    if is_buy is not None and not isinstance(is_buy, bool):
        raise InvalidInput("'isBuy' must be true or false.", field="isBuy")
    exchange = body.get("exchange")
    if exchange is not None and (not isinstance(exchange, str) or len(exchange) > 20):
        raise InvalidInput("'exchange' must be an exchange name.", field="exchange")
    return contracts.rules(str(conid), is_buy=None if is_buy is None else str(is_buy))


def all_conids(exchange: str | None) -> list[dict[str, Any]]:
    """``trsrv/all-conids?exchange=``: every instrument listed there (``[]`` for others)."""
    if exchange is None or not exchange.strip() or len(exchange) > 20:
        raise InvalidInput("Name an exchange, e.g. 'NASDAQ' or 'NYSE'.", field="exchange")
    wanted = exchange.strip().upper()
    return [
        {"ticker": i.symbol, "conid": i.conid, "exchange": i.exchange}
        for i in INSTRUMENTS
        if i.exchange.upper() == wanted or wanted == "SMART"
    ]


def algos(conid: str, *, algos: str | None, add_description: str | None,
          add_params: str | None) -> dict[str, Any]:  # fmt: skip
    """``iserver/contract/{conid}/algos``: the IB algos the contract supports — none here:
    Gatehouse matches orders against the quote and runs no execution algorithms."""
    by_conid(parse_conid(conid))
    for name, value in (("addDescription", add_description), ("addParams", add_params)):
        if value not in (None, "0", "1"):
            raise InvalidInput(f"'{name}' must be 0 or 1.", field=name)
    if algos is not None and (len(algos) > 200 or len(algos.split(";")) > 8):
        raise InvalidInput("At most 8 algo ids, separated by ';'.", field="algos")
    return {"algos": []}


def _hhmm(at: datetime, ctx: ServiceContext) -> str:
    return at.astimezone(ctx.calendar.zone).strftime("%H%M")


def schedule(
    ctx: ServiceContext, *, asset_class: str | None, symbol: str | None, exchange: str | None
) -> list[dict[str, Any]]:
    """``trsrv/secdef/schedule``: the trading days of the next month, each with its extended
    session (``sessions``) and regular hours (``tradingTimes``), in exchange time."""
    if not asset_class:
        raise InvalidInput("'assetClass' is required (STK).", field="assetClass")
    refuse_sec_type(asset_class, field="assetClass")
    if not symbol or len(symbol) > 20:
        raise InvalidInput("'symbol' is required.", field="symbol")
    found = [i for i in INSTRUMENTS if i.symbol.upper() == symbol.strip().upper()]
    if exchange:
        found = [i for i in found if i.exchange.upper() == exchange.strip().upper()]
    if not found:
        return []
    calendar = ctx.calendar
    day: date = calendar.local_date(ctx.clock.now())
    days = []
    for _ in range(SCHEDULE_DAYS):
        if calendar.is_trading_day(day):
            opens, closes = (_hhmm(t, ctx) for t in calendar.session_bounds(day))
            early, late = (_hhmm(t, ctx) for t in calendar.extended_bounds(day))
            days.append({
                "clearingCycleEndTime": "2000",
                "tradingScheduleDate": day.strftime("%Y%m%d"),
                "sessions": [{"openingTime": early, "closingTime": late, "prop": "LIQUID"}],
                "tradingTimes": [{"openingTime": opens, "closingTime": closes,
                                  "cancelDayOrders": "Y"}],
            })  # fmt: skip
        day += timedelta(days=1)
    instrument = found[0]
    return [{
        "id": f"p{instrument.conid}",
        "tradeVenueId": f"v{instrument.exchange}",
        "exchange": instrument.exchange,
        "description": f"{instrument.symbol} {instrument.name}",
        "timezone": calendar.timezone,
        "schedules": days,
    }]  # fmt: skip


def _currency(value: str | None, field: str) -> str:
    if value is None or not value.strip() or len(value) > 3 or not value.isalpha():
        raise InvalidInput(f"'{field}' must be a three-letter currency code.", field=field)
    return value.strip().upper()


def currency_pairs(ctx: ServiceContext, currency: str | None) -> dict[str, list[dict[str, Any]]]:
    """``iserver/currency/pairs?currency=USD``: the pairs the simulator quotes against it."""
    base = _currency(currency, "currency")
    known = ctx.quotes.currencies()
    if base not in known:
        raise InvalidInput(f"Unknown currency {base!r}; known: {', '.join(known)}.",
                           field="currency")  # fmt: skip
    return {
        base: [
            {"symbol": f"{base}.{other}", "conid": SYNTHETIC_FX_CONID + index, "ccyPair": other}
            for index, other in enumerate(known)
            if other != base
        ]
    }


def exchange_rate(ctx: ServiceContext, *, source: str | None, target: str | None) -> dict[str, Any]:
    """``iserver/exchangerate?source=USD&target=EUR``: ``{"rate": <target per source>}``."""
    rate = ctx.quotes.fx_rate(_currency(source, "source"), _currency(target, "target"),
                              ctx.clock.now())  # fmt: skip
    return {"rate": float(rate)}


def regulatory_snapshot(ctx: ServiceContext, conid: str | None) -> dict[str, Any]:
    """``md/regsnapshot?conid=``: a one-off full quote (IBKR bills these; here they are free)."""
    instrument = by_conid(parse_conid(conid))
    quote = ctx.quotes.quote(instrument.conid, ctx.clock.now())
    values = quote_fields(quote, instrument)
    return {
        "conid": instrument.conid,
        "conidEx": str(instrument.conid),
        "sizeMinTick": 1,
        "BboExchange": instrument.exchange,
        "HasDelayed": False,
        "BestBidExch": instrument.exchange,
        "BestAskExch": instrument.exchange,
        "LastExch": instrument.exchange,
        "7059": str(quote.last_size),
        "_updated": millis(quote.at),
        **values,
    }


def flag(value: str | None, field: str) -> bool:
    return parse_flag(value, field=field)
