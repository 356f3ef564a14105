"""Account figures, positions and P&L read from Gatehouse's REST API and named as TWS names
them (accountSummary tags, updateAccountValue keys, position and portfolio rows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gatehouse.clients.gateway.tws.contracts import ContractBook
from gatehouse.clients.gateway.tws.model import Contract
from gatehouse.clients.gateway.tws.upstream import Upstream

# TWS tag → Gatehouse's summary key (lowercase, as portfolio/{acct}/summary and the
# balance.changed event name them); currency "" for the figures that are not money.
_MONEY = {
    "NetLiquidation": "netliquidation",
    "TotalCashValue": "totalcashvalue",
    "SettledCash": "settledcash",
    "BuyingPower": "buyingpower",
    "EquityWithLoanValue": "equitywithloanvalue",
    "PreviousDayEquityWithLoanValue": "previousdayequitywithloanvalue",
    "GrossPositionValue": "grosspositionvalue",
    "RegTEquity": "equitywithloanvalue",
    "RegTMargin": "initmarginreq",
    "SMA": "sma",
    "InitMarginReq": "initmarginreq",
    "MaintMarginReq": "maintmarginreq",
    "AvailableFunds": "availablefunds",
    "ExcessLiquidity": "excessliquidity",
    "FullInitMarginReq": "initmarginreq",
    "FullMaintMarginReq": "maintmarginreq",
    "FullAvailableFunds": "availablefunds",
    "FullExcessLiquidity": "excessliquidity",
    "LookAheadInitMarginReq": "initmarginreq",
    "LookAheadMaintMarginReq": "maintmarginreq",
    "LookAheadAvailableFunds": "availablefunds",
    "LookAheadExcessLiquidity": "excessliquidity",
    "StockMarketValue": "stockmarketvalue",
    "UnrealizedPnL": "unrealizedpnl",
    "RealizedPnL": "realizedpnl",
}
_PLAIN = {
    "Cushion": "cushion",
    "Leverage": "leverage",
    "DayTradesRemaining": "daytradesremaining",
    "DayTradesRemainingT+1": "daytradesremaining",
    "DayTradesRemainingT+2": "daytradesremaining",
    "DayTradesRemainingT+3": "daytradesremaining",
    "DayTradesRemainingT+4": "daytradesremaining",
}
_LEDGER = {  # $LEDGER tags, per currency (BASE and USD)
    "CashBalance": "totalcashvalue",
    "TotalCashBalance": "totalcashvalue",
    "NetLiquidationByCurrency": "netliquidation",
    "StockMarketValue": "stockmarketvalue",
    "UnrealizedPnL": "unrealizedpnl",
    "RealizedPnL": "realizedpnl",
}
ALL_TAGS = ["AccountType", *_MONEY, *_PLAIN, "AccruedCash", "HighestSeverity"]

Row = tuple[str, str, str]  # tag, value, currency


def flatten(summary: Mapping[str, Any]) -> dict[str, str]:
    """``portfolio/{acct}/summary`` entries or a ``balance.changed`` event as key → text."""
    flat: dict[str, str] = {}
    for key, entry in summary.items():
        name = "leverage" if key == "leverage-s" else key
        if isinstance(entry, Mapping):
            value = entry.get("value")
            flat[name] = str(value if value is not None else entry.get("amount", ""))
        elif entry is not None:
            flat[name] = str(entry)
    return flat


def summary_rows(figures: Mapping[str, str], tags: str) -> list[Row]:
    """The accountSummary rows for a comma list of tags (``$LEDGER`` / ``$LEDGER:ALL``)."""
    rows: list[Row] = []
    wanted = [t.strip() for t in tags.split(",") if t.strip()]
    for tag in wanted:
        if tag.startswith("$LEDGER"):
            rows += ledger_rows(figures, all_currencies=tag == "$LEDGER:ALL")
        elif tag == "AccountType":
            rows.append((tag, figures.get("accounttype", "").upper(), ""))
        elif tag in _MONEY and _MONEY[tag] in figures:
            rows.append((tag, figures[_MONEY[tag]], "USD"))
        elif tag in _PLAIN and _PLAIN[tag] in figures:
            rows.append((tag, figures[_PLAIN[tag]], ""))
        elif tag == "AccruedCash":
            rows.append((tag, "0.00", "USD"))
        elif tag in ("HighestSeverity", "LookAheadNextChange"):
            rows.append((tag, "0", ""))
    return rows


def ledger_rows(figures: Mapping[str, str], *, all_currencies: bool = True) -> list[Row]:
    currencies = ("BASE", "USD") if all_currencies else ("BASE",)
    return [
        (tag, figures[key], currency)
        for currency in currencies
        for tag, key in _LEDGER.items()
        if key in figures
    ]


def account_values(figures: Mapping[str, str], account: str) -> list[Row]:
    """updateAccountValue rows: the summary tags (money in USD) and the ledger."""
    rows: list[Row] = [("AccountCode", account, ""), ("Currency", "USD", "USD")]
    rows += summary_rows(figures, ",".join(ALL_TAGS))
    rows += ledger_rows(figures)
    return rows


async def figures(upstream: Upstream, account: str) -> dict[str, str]:
    return flatten(await upstream.request("GET", f"portfolio/{account}/summary"))


@dataclass
class PositionRow:
    contract: Contract
    position: float
    avg_cost: float
    market_price: float
    market_value: float
    unrealized: float
    realized: float
    daily: float = 0.0  # today's P&L of the position (rows of the positions list carry it)


def position_row(contracts: ContractBook, row: Mapping[str, Any]) -> PositionRow:
    """A ``portfolio/{acct}/positions`` row or a ``position.changed`` event."""
    conid = int(row.get("conid") or 0)
    contract = contracts.cached(
        conid, str(row.get("ticker") or ""), str(row.get("listingExchange") or "")
    )
    return PositionRow(
        contract=contract,
        position=float(row.get("position") or 0),
        avg_cost=float(row.get("avgCost") or 0),
        market_price=float(row.get("mktPrice") or 0),
        market_value=float(row.get("mktValue") or 0),
        unrealized=float(row.get("unrealizedPnl") or 0),
        realized=float(row.get("realizedPnl") or 0),
        daily=float(row.get("dailyPnl") or 0),
    )


async def positions(upstream: Upstream, contracts: ContractBook, account: str) -> list[PositionRow]:
    rows: list[PositionRow] = []
    for page in range(50):
        found = await upstream.request("GET", f"portfolio/{account}/positions/{page}")
        if not isinstance(found, list) or not found:
            break
        for row in found:
            await contracts.by_conid(int(row.get("conid") or 0))
            rows.append(position_row(contracts, row))
        if len(found) < 100:
            break
    return rows


async def pnl(upstream: Upstream, account: str) -> tuple[float, float, float]:
    """(daily, unrealized, realized) P&L of the account."""
    found = await upstream.request("GET", "iserver/account/pnl/partitioned")
    rows = found.get("upnl", {}) if isinstance(found, Mapping) else {}
    row = rows.get(f"{account}.Core", {}) if isinstance(rows, Mapping) else {}
    figures_now = await figures(upstream, account)
    return (
        float(row.get("dpl") or 0),
        float(row.get("upl") or 0),
        float(figures_now.get("realizedpnl") or 0),
    )
