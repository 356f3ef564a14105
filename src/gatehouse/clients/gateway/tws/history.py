"""Historical bars for TWS clients: TWS's duration (``2 D``), bar size (``5 mins``) and end
time turned into Gatehouse's ``iserver/marketdata/history`` query, and its bars into TWS's."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gatehouse.clients.gateway.tws.encode import Bar
from gatehouse.clients.gateway.tws.upstream import Upstream

_BARS = {
    "1 min": "1min",
    "2 mins": "2min",
    "3 mins": "3min",
    "5 mins": "5min",
    "10 mins": "10min",
    "15 mins": "15min",
    "20 mins": "20min",
    "30 mins": "30min",
    "1 hour": "1h",
    "2 hours": "2h",
    "3 hours": "3h",
    "4 hours": "4h",
    "8 hours": "8h",
    "1 day": "1d",
    "1 week": "1w",
    "1 W": "1w",
}
WHAT = {"TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK", "ADJUSTED_LAST", "HISTORICAL_VOLATILITY"}


class HistoryError(ValueError):
    """A request Gatehouse's history cannot serve (error 162 with this text)."""


def bar_size(text: str) -> str:
    found = _BARS.get(" ".join(text.split()))
    if found is None:
        raise HistoryError(f"Invalid bar size '{text}' (Gatehouse serves 1 min to 1 week)")
    return found


def period(duration: str) -> str:
    """``"60 S"`` → ``"1min"``, ``"2 D"`` → ``"2d"``, ``"1 W"``, ``"3 M"``, ``"1 Y"``."""
    parts = duration.split()
    if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) <= 0:
        raise HistoryError(f"Invalid duration '{duration}'")
    count, unit = int(parts[0]), parts[1].upper()
    if unit == "S":
        return f"{max(1, math.ceil(count / 60))}min"
    if unit in ("D", "W", "M", "Y"):
        return f"{count}{unit.lower()}"
    raise HistoryError(f"Invalid duration unit '{parts[1]}'")


def end_time(text: str) -> str:
    """TWS's end time (``""``, ``20240105 16:00:00 US/Eastern``, ``20240105-21:00:00``,
    ``20240105 21:00:00 UTC``) as Gatehouse's ``startTime`` (UTC ``YYYYMMDD-HH:MM:SS``)."""
    text = text.strip()
    if not text:
        return ""
    try:
        if "-" in text[:9]:
            at = datetime.strptime(text[:17], "%Y%m%d-%H:%M:%S").replace(tzinfo=UTC)
        else:
            date, clock, *zone = text.split()
            at = datetime.strptime(f"{date} {clock}", "%Y%m%d %H:%M:%S")
            at = at.replace(tzinfo=ZoneInfo(zone[0]) if zone else UTC)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise HistoryError(f"Invalid end date/time '{text}'") from exc
    return at.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")


def stamp(at: datetime, format_date: int, daily: bool) -> str:
    if format_date == 2:
        return str(int(at.timestamp()))
    return at.strftime("%Y%m%d") if daily else at.strftime("%Y%m%d %H:%M:%S") + " UTC"


async def fetch(upstream: Upstream, conid: int, bar: str, span: str, end: str) -> Any:
    params = {"conid": str(conid), "bar": bar, "period": span}
    if end:
        params["startTime"] = end
    return await upstream.request("GET", "iserver/marketdata/history", params=params)


def bars_from(found: Any, format_date: int, daily: bool) -> list[Bar]:
    rows = found.get("data") if isinstance(found, dict) else None
    bars: list[Bar] = []
    for row in rows or []:
        at = datetime.fromtimestamp(int(row["t"]) / 1000, UTC)
        o, h, low, c = (float(row[k]) for k in ("o", "h", "l", "c"))
        wap = round((h + low + c) / 3, 4)
        bars.append((stamp(at, format_date, daily), o, h, low, c, float(row.get("v", 0)), wap, 1))
    return bars
