"""Market data use cases: IBKR snapshots and historical bars, read at the clock's current time.

Market data is not account data: nothing here touches the database or the event log.
Snapshots need no pre-flight (the first call already carries every value) and hold no
subscription, so unsubscribing only checks the contract id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.trading import market_fields
from gatehouse.domain.trading.instruments import by_conid
from gatehouse.domain.trading.market_requests import (
    format_ibkr_time,
    parse_bar,
    parse_conid,
    parse_conids,
    parse_flag,
    parse_period,
    parse_start_time,
    plan_history,
)
from gatehouse.domain.trading.quotes import Bar
from gatehouse.service.context import ServiceContext

SERVER_ID = "gatehouse"


def millis(at: datetime) -> int:
    return int(as_utc(at).timestamp() * 1000)


def fields_at(ctx: ServiceContext, conid: int) -> dict[str, str]:
    """Every field of ``conid``'s quote now (the ticker publishes the same values)."""
    instrument = by_conid(conid)
    quote = ctx.quotes.quote(conid, ctx.clock.now())
    return market_fields.quote_fields(quote, instrument)


def snapshot(
    ctx: ServiceContext, *, conids: str | None, fields: str | None
) -> list[dict[str, Any]]:
    """``GET iserver/marketdata/snapshot``: one object per conid with the asked field ids."""
    wanted = market_fields.parse_field_ids(fields)
    chosen = parse_conids(conids)
    now = ctx.clock.now()
    quotes = ctx.quotes.quotes(now, chosen)
    answer: list[dict[str, Any]] = []
    for conid in chosen:
        quote = quotes[conid]
        values = market_fields.quote_fields(quote, by_conid(conid))
        item: dict[str, Any] = {
            "conid": conid,
            "conidEx": str(conid),
            "_updated": millis(quote.at),
            "server_id": SERVER_ID,
            market_fields.AVAILABILITY: values[market_fields.AVAILABILITY],
        }
        item.update(market_fields.select(values, wanted))
        answer.append(item)
    return answer


def _bar_view(bar: Bar) -> dict[str, Any]:
    return {
        "o": float(bar.o),
        "h": float(bar.h),
        "l": float(bar.l),
        "c": float(bar.c),
        "v": bar.v,
        "t": millis(bar.t),
    }


def history(
    ctx: ServiceContext,
    *,
    conid: str | None,
    bar: str | None,
    period: str | None,
    start_time: str | None = None,
    outside_rth: str | None = None,
) -> dict[str, Any]:
    """``GET iserver/marketdata/history``: bars of ``bar`` size over ``period``, oldest first.

    ``startTime`` (UTC, ``YYYYMMDD-HH:MM:SS``) is when the bars end; the default, and the
    latest allowed, is now. Only the regular session has bars, so ``outsideRth`` is read
    and ignored. An empty period answers ``{"error": "No data."}`` as IBKR does.
    """
    instrument = by_conid(parse_conid(conid))
    size = parse_bar(bar or "1min")
    span = parse_period(period or "1d")
    outside = parse_flag(outside_rth, field="outsideRth")
    now = ctx.clock.now()
    end = parse_start_time(start_time, now=now)
    plan = plan_history(ctx.calendar, end=end, bar=size, period=span)
    bars = [
        b
        for b in ctx.quotes.history(
            instrument.conid, end=end, bar_seconds=size.seconds, count=plan.count
        )
        if plan.keeps(b, ctx.calendar)
    ]
    if not bars:
        return {"error": "No data.", "message": "There are no bars in that period."}
    return {
        "serverId": SERVER_ID,
        "symbol": instrument.symbol,
        "text": instrument.name,
        "priceFactor": 1,
        "startTime": format_ibkr_time(bars[0].t),
        "high": f"{max(b.h for b in bars):.2f}",
        "low": f"{min(b.l for b in bars):.2f}",
        "timePeriod": span.label,
        "barLength": size.seconds,
        "mdAvailability": "S",
        "mktDataDelay": 0,
        "outsideRth": outside,
        "volumeFactor": 1,
        "priceDisplayRule": 1,
        "priceDisplayValue": "2",
        "negativeCapable": False,
        "messageVersion": 2,
        "data": [_bar_view(b) for b in bars],
        "points": len(bars) - 1,
        "travelTime": 0,
    }


def unsubscribe(ctx: ServiceContext, conid: object) -> dict[str, Any]:
    """``POST iserver/marketdata/unsubscribe``: nothing is held, so only the conid is checked."""
    parse_conid(conid)
    return {"success": True}


def unsubscribe_all(ctx: ServiceContext) -> dict[str, Any]:
    return {"unsubscribed": True}
