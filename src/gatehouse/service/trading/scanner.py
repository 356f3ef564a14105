"""Market scanners over the simulator's universe, in IBKR's two shapes (``iserver/scanner``
and ``hmds/scanner``): top % gainers and losers, most active, gainers since the open, with
price, volume and change filters — computed from the quotes of this instant."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.instruments import INSTRUMENTS, Instrument
from gatehouse.domain.trading.quotes import Quote
from gatehouse.service.context import ServiceContext
from gatehouse.service.trading.reference import refuse_sec_type

MAX_ISERVER = 50
MAX_HMDS = 250
_ZERO = Decimal(0)


@dataclass(frozen=True)
class ScanType:
    code: str
    name: str
    column: str
    key: Callable[[Quote], Decimal]  # sorted by this, highest first
    keep: Callable[[Quote], bool]
    shown: Callable[[Quote], str]


def _open_change(q: Quote) -> Decimal:
    return _ZERO if q.open == 0 else (q.last - q.open) * 100 / q.open


SCAN_TYPES: dict[str, ScanType] = {
    s.code: s
    for s in (
        ScanType("TOP_PERC_GAIN", "Top % Gainers", "Chg%", lambda q: q.change_pct,
                 lambda q: q.change_pct > 0, lambda q: f"{q.change_pct:+.2f}%"),
        ScanType("TOP_PERC_LOSE", "Top % Losers", "Chg%", lambda q: -q.change_pct,
                 lambda q: q.change_pct < 0, lambda q: f"{q.change_pct:+.2f}%"),
        ScanType("MOST_ACTIVE", "Most Active", "Volume", lambda q: Decimal(q.volume),
                 lambda q: q.volume > 0, lambda q: f"{q.volume:,}"),
        ScanType("TOP_OPEN_PERC_GAIN", "Top % Gainers Since Open", "Chg% Open", _open_change,
                 lambda q: _open_change(q) > 0, lambda q: f"{_open_change(q):+.2f}%"),
    )
}  # fmt: skip

FILTERS: dict[str, tuple[str, Callable[[Quote, Decimal], bool]]] = {
    "priceAbove": ("Price Above", lambda q, v: q.last > v),
    "priceBelow": ("Price Below", lambda q, v: q.last < v),
    "volumeAbove": ("Volume Above", lambda q, v: q.volume > v),
    "changePercAbove": ("Change % Above", lambda q, v: q.change_pct > v),
    "changePercBelow": ("Change % Below", lambda q, v: q.change_pct < v),
}
LOCATIONS = {"STK.US.MAJOR": None, "STK.US": None, "STK.NASDAQ": "NASDAQ", "STK.NYSE": "NYSE",
             "STK.ARCA": "ARCA"}  # fmt: skip


def parameters() -> dict[str, Any]:
    """``iserver/scanner/params`` (and ``hmds/scanner/params``): what a scan may ask for."""
    return {
        "scan_type_list": [
            {"display_name": s.name, "code": s.code, "instruments": ["STK"]}
            for s in SCAN_TYPES.values()
        ],
        "instrument_list": [
            {"display_name": "US Stocks", "type": "STK", "filters": sorted(FILTERS)}
        ],
        "filter_list": [
            {"group": code, "display_name": name, "code": code, "type": "non-range"}
            for code, (name, _) in FILTERS.items()
        ],
        "location_tree": [
            {"display_name": "US Stocks", "type": "STK", "locations": [
                {"display_name": code, "type": code, "locations": []} for code in LOCATIONS
            ]}
        ],
    }  # fmt: skip


def _text(body: Mapping[str, object], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise InvalidInput(f"'{key}' must be given as text.", field=key)
    return value.strip()


def _filters(raw: object) -> list[tuple[Callable[[Quote, Decimal], bool], Decimal]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        raise InvalidInput("'filter' must be a list of {code, value} objects.", field="filter")
    chosen = []
    for item in raw:
        code = item.get("code") if isinstance(item, dict) else None
        if code not in FILTERS:
            raise InvalidInput(f"Unknown filter code {code!r}; use {', '.join(FILTERS)}.",
                               field="filter")  # fmt: skip
        value = item.get("value")
        try:
            number = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise InvalidInput(f"Filter {code!r} needs a numeric 'value'.", field="filter")
        chosen.append((FILTERS[str(code)][1], number))
    return chosen


def scan(
    ctx: ServiceContext, *, instrument: str | None, scan_code: str | None, location: str | None,
    filters: object, limit: int,
) -> tuple[ScanType, list[tuple[Instrument, Quote]]]:  # fmt: skip
    """The instruments a scan finds, best first, at most ``limit``."""
    if instrument is not None and instrument.split(".")[0].upper() != "STK":
        refuse_sec_type(instrument.split(".")[0], field="instrument")
    kind = SCAN_TYPES.get((scan_code or "").upper())
    if kind is None:
        raise InvalidInput(f"Unknown scan type {scan_code!r}; use {', '.join(SCAN_TYPES)}.",
                           field="type")  # fmt: skip
    place = (location or "STK.US.MAJOR").upper()
    if place not in LOCATIONS:
        raise InvalidInput(f"Unknown location {location!r}; use {', '.join(LOCATIONS)}.",
                           field="location")  # fmt: skip
    exchange, chosen = LOCATIONS[place], _filters(filters)
    quotes = ctx.quotes.quotes(ctx.clock.now(), [i.conid for i in INSTRUMENTS])
    found = [
        (i, quotes[i.conid])
        for i in INSTRUMENTS
        if (exchange is None or i.exchange == exchange)
        and kind.keep(quotes[i.conid])
        and all(test(quotes[i.conid], value) for test, value in chosen)
    ]
    found.sort(key=lambda pair: (-kind.key(pair[1]), pair[0].symbol))
    return kind, found[:limit]


def iserver_run(ctx: ServiceContext, body: Mapping[str, object]) -> dict[str, Any]:
    """``POST iserver/scanner/run {instrument, type, location, filter}`` (at most 50)."""
    kind, found = scan(
        ctx, instrument=_text(body, "instrument"), scan_code=_text(body, "type"),
        location=_text(body, "location", required=False), filters=body.get("filter"),
        limit=MAX_ISERVER,
    )  # fmt: skip
    return {
        "contracts": [
            {"server_id": str(n), "column_name": kind.column, "symbol": i.symbol,
             "conidex": str(i.conid), "con_id": i.conid, "available_chart_periods": "#R|1",
             "company_name": i.name, "scan_data": kind.shown(q), "contract_description_1": i.symbol,
             "listing_exchange": i.exchange, "sec_type": "STK"}
            for n, (i, q) in enumerate(found)
        ],
        "scan_data_column_name": kind.column,
    }  # fmt: skip


def hmds_run(ctx: ServiceContext, body: Mapping[str, object]) -> dict[str, Any]:
    """``POST hmds/scanner/run {instrument, location, scanCode, secType, filter, maxItems}``."""
    refuse_sec_type(_text(body, "secType", required=False), field="secType")
    most = body.get("maxItems", MAX_HMDS)
    if isinstance(most, bool) or not isinstance(most, int) or not 1 <= most <= MAX_HMDS:
        raise InvalidInput(f"'maxItems' must be 1 to {MAX_HMDS}.", field="maxItems")
    kind, found = scan(
        ctx, instrument=_text(body, "instrument"), scan_code=_text(body, "scanCode"),
        location=_text(body, "location", required=False), filters=body.get("filter"), limit=most,
    )  # fmt: skip
    contracts: Sequence[dict[str, Any]] = [
        {"inScanTime": ctx.clock.now().strftime("%Y%m%d-%H:%M:%S"), "contractID": i.conid,
         "symbol": i.symbol, "secType": "STK", "exchange": i.exchange,
         "scanData": kind.shown(q), "rank": n}
        for n, (i, q) in enumerate(found)
    ]  # fmt: skip
    return {
        "total": len(contracts), "size": len(contracts), "offset": 0,
        "scanTime": ctx.clock.now().strftime("%Y%m%d-%H:%M:%S"), "id": f"scanner-{kind.code}",
        "Contracts": {"Contract": list(contracts)},
    }  # fmt: skip
