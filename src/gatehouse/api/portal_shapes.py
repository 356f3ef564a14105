"""IBKR Client Portal JSON for accounts and portfolio reads: accounts lists, the summary map,
the ledger, positions (two generations), allocation and partitioned P&L.

Figures are computed as ``Decimal`` by the domain and become JSON numbers only here, the
way IBKR sends them. Query helpers for IBKR's loose GET parameters live here too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from gatehouse import __version__
from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.accounts import BrokerageAccount
from gatehouse.domain.trading.day_pnl import DayPnl, day_pnl_ratio
from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.margin import MarginSnapshot
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading.portfolio import AccountFigures, Holding, Holdings
from gatehouse.service.trading.views import cents, millis, number, position_view

PAGE_SIZE = 100
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off", ""}


def flag(value: str | None, *, name: str, default: bool = False) -> bool:
    """An IBKR GET boolean: ``True``/``False`` as Python prints them, any case."""
    if value is None:
        return default
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput(f"'{name}' must be true or false.", field=name)


def whole(value: str | None, *, name: str, default: int, low: int, high: int) -> int:
    if value is None or value.strip() == "":
        return default
    text = value.strip()
    if not text.lstrip("-").isdigit():
        raise InvalidInput(f"'{name}' must be a whole number.", field=name)
    return max(low, min(int(text), high))


# --- accounts ------------------------------------------------------------------------------
def _title(principal: Principal) -> str:
    user = principal.user
    return user.paper_username if principal.environment.value == "paper" else user.username


def portfolio_account(principal: Principal, account: BrokerageAccount) -> dict[str, Any]:
    """One item of ``portfolio/accounts`` (also ``portfolio/{acct}/meta``)."""
    acct = account.account_id
    return {
        "id": acct,
        "accountId": acct,
        "accountVan": acct,
        "accountTitle": _title(principal),
        "displayName": _title(principal),
        "accountAlias": None,
        "accountStatus": millis(account.created_at),
        "currency": account.currency,
        "type": "DEMO" if account.is_paper else "INDIVIDUAL",
        "tradingType": "STKNOPT",
        "accountType": account.account_type.value,
        "businessType": "INDEPENDENT",
        "ibEntity": "GATEHOUSE",
        "faclient": False,
        "clearingStatus": "O",
        "covestor": False,
        "noClientTrading": False,
        "trackVirtualFXPortfolio": False,
        "brokerageAccess": True,
        "PrepaidCrypto-Z": False,
        "PrepaidCrypto-P": False,
        "desc": acct,
        "parent": {
            "mmc": [],
            "accountId": "",
            "isMParent": False,
            "isMChild": False,
            "isMultiplex": False,
        },
    }


def iserver_accounts(principal: Principal, selected: str | None = None) -> dict[str, Any]:
    """``iserver/accounts``: the brokerage session's accounts and the selected one."""
    ids = principal.account_ids
    props = {
        "hasChildAccounts": False,
        "supportsCashQty": True,
        "supportsFractions": False,
        "allowCustomerTime": False,
        "noFXConv": False,
        "isProp": False,
        "autoFx": False,
    }
    return {
        "accounts": ids,
        "acctProps": {a: dict(props) for a in ids},
        "aliases": {a: a for a in ids},
        "allowFeatures": {
            "showGFIS": False,
            "allowFXConv": False,
            "allowTypeAhead": True,
            "allowEventTrading": False,
            "snapshotRefreshTimeout": 30,
            "liteUser": False,
            "allowCrypto": False,
            "allowFA": False,
        },
        "chartPeriods": {"STK": ["*"]},
        "groups": [],
        "profiles": [],
        "selectedAccount": selected or ids[0],
        "serverInfo": {"serverName": "gatehouse", "serverVersion": __version__},
        "sessionId": principal.session.public_id,
        "isFT": False,
        "isPaper": principal.environment.value == "paper",
    }


# --- summary and ledger ----------------------------------------------------------------------
def _money(f: MarginSnapshot) -> dict[str, Decimal]:
    return {
        "netliquidation": f.net_liquidation,
        "equitywithloanvalue": f.equity_with_loan,
        "previousdayequitywithloanvalue": f.previous_day_equity_with_loan,
        "initmarginreq": f.init_margin,
        "maintmarginreq": f.maint_margin,
        "fullinitmarginreq": f.init_margin,
        "fullmaintmarginreq": f.maint_margin,
        "availablefunds": f.available_funds,
        "fullavailablefunds": f.available_funds,
        "excessliquidity": f.excess_liquidity,
        "fullexcessliquidity": f.excess_liquidity,
        "lookaheadinitmarginreq": f.init_margin,
        "lookaheadmaintmarginreq": f.maint_margin,
        "lookaheadavailablefunds": f.available_funds,
        "lookaheadexcessliquidity": f.excess_liquidity,
        "totalcashvalue": f.total_cash,
        "settledcash": f.settled_cash,
        "grosspositionvalue": f.gross_position_value,
        "sma": f.sma,
        "accruedcash": Decimal(0),
        "accrueddividend": Decimal(0),
        "regtequity": f.equity_with_loan,
        "regtmargin": f.gross_position_value / 2,
    }


def _value(
    amount: float, at: int, *, currency: str | None = "USD", value: object = None
) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": currency,
        "isNull": False,
        "timestamp": at,
        "value": value,
        "severity": 0,
    }


def summary(found: AccountFigures) -> dict[str, Any]:
    """``portfolio/{acct}/summary``: lowercase keys, each ``{amount, currency, isNull,
    timestamp, value, severity}``; segment variants ``-s`` (securities) and ``-c``
    (commodities, always 0 here)."""
    f, at = found.figures, millis(found.at)
    body: dict[str, Any] = {}
    for key, amount in _money(f).items():
        value = number(cents(amount))
        body[key] = _value(value, at)
        body[f"{key}-s"] = _value(value, at)
        body[f"{key}-c"] = _value(0.0, at)
    body["buyingpower"] = _value(number(cents(f.buying_power)), at)
    body["cushion"] = _value(number(f.cushion), at, currency=None)
    body["leverage-s"] = _value(number(f.leverage), at, currency=None)
    body["daytradesremaining"] = _value(float(f.day_trades_remaining), at, currency=None)
    for day in range(1, 5):
        body[f"daytradesremainingt+{day}"] = _value(
            float(f.day_trades_remaining), at, currency=None
        )
    body["accountcode"] = _value(0.0, at, currency=None, value=found.account.account_id)
    body["accountready"] = _value(0.0, at, currency=None, value="true")
    body["accounttype"] = _value(
        0.0, at, currency=None, value=found.account.account_type.value.upper()
    )
    body["segmenttitle"] = _value(0.0, at, currency=None, value=None)
    body["tradingtype"] = _value(0.0, at, currency=None, value="STKNOPT")
    body["highestseverity"] = _value(0.0, at, currency=None)
    return body


class RenderedSummaries:
    """The summary JSON of each account for the figures of the current tick, per node.

    The service hands out the same figures object until the next quote tick or the
    account's next event, so the JSON is rendered once per tick, not once per request.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._memo: OrderedDict[str, tuple[MarginSnapshot, bytes]] = OrderedDict()

    def render(self, found: AccountFigures) -> bytes:
        key = found.account.account_id
        hit = self._memo.get(key)
        if hit is not None and hit[0] is found.figures:
            return hit[1]
        body = orjson.dumps(summary(found))
        self._memo[key] = (found.figures, body)
        self._memo.move_to_end(key)
        while len(self._memo) > self.max_entries:
            self._memo.popitem(last=False)
        return body


def iserver_summary(found: AccountFigures) -> dict[str, Any]:
    """``iserver/account/{acct}/summary``: the newer flat summary."""
    f = found.figures
    cash = number(cents(f.total_cash))
    return {
        "accountType": found.account.account_type.value.upper(),
        "status": "",
        "balance": number(cents(f.net_liquidation)),
        "SMA": number(cents(f.sma)),
        "buyingPower": number(cents(f.buying_power)),
        "availableFunds": number(cents(f.available_funds)),
        "excessLiquidity": number(cents(f.excess_liquidity)),
        "netLiquidationValue": number(cents(f.net_liquidation)),
        "equityWithLoanValue": number(cents(f.equity_with_loan)),
        "regTLoan": 0.0,
        "securitiesGVP": number(cents(f.gross_position_value)),
        "totalCashValue": cash,
        "accruedInterest": 0.0,
        "regTMargin": number(cents(f.gross_position_value / 2)),
        "initialMargin": number(cents(f.init_margin)),
        "maintenanceMargin": number(cents(f.maint_margin)),
        "cashBalances": [
            {"currency": "USD", "balance": cash, "settledCash": number(cents(f.settled_cash))}
        ],
    }


def ledger(found: AccountFigures) -> dict[str, Any]:
    """``portfolio/{acct}/ledger``: ``{"BASE": {…}, "USD": {…}}``."""
    f = found.figures
    zero = 0.0
    common: dict[str, Any] = {
        "acctcode": found.account.account_id,
        "cashbalance": number(cents(f.total_cash)),
        "settledcash": number(cents(f.settled_cash)),
        "netliquidationvalue": number(cents(f.net_liquidation)),
        "stockmarketvalue": number(cents(f.stock_market_value)),
        "unrealizedpnl": number(cents(f.unrealized_pnl)),
        "realizedpnl": number(cents(f.realized_pnl)),
        "interest": zero,
        "dividends": zero,
        "exchangerate": 1,
        "funds": zero,
        "moneyfunds": zero,
        "stockoptionmarketvalue": zero,
        "futuremarketvalue": zero,
        "futureoptionmarketvalue": zero,
        "futuresonlypnl": zero,
        "commoditymarketvalue": zero,
        "corporatebondsmarketvalue": zero,
        "tbondsmarketvalue": zero,
        "tbillsmarketvalue": zero,
        "warrantsmarketvalue": zero,
        "issueroptionsmarketvalue": zero,
        "cryptocurrencyvalue": zero,
        "cashbalancefxsegment": zero,
        "key": "LedgerList",
        "sessionid": 1,
        "severity": 0,
        "timestamp": millis(found.at) // 1000,
    }
    return {
        "BASE": {**common, "currency": "BASE", "secondkey": "BASE"},
        "USD": {**common, "currency": "USD", "secondkey": "USD", "endofbundle": 1},
    }


# --- positions -------------------------------------------------------------------------------
def position(account_id: str, item: Holding) -> dict[str, Any]:
    """A position row, with Gatehouse's ``dailyPnl``: today's P&L of the position (held
    overnight from the prior close, opened today from the fill; what TWS's pnlSingle reports)."""
    row = position_view(account_id, item.conid, item.book, item.mark, item.realized)
    return {**row, "dailyPnl": number(cents(item.day_pnl))}


def positions_page(
    found: Holdings, page: int, *, sort: str | None = None, descending: bool = False
) -> list[dict[str, Any]]:
    """``portfolio/{acct}/positions/{page}``: 100 a page, page 0 first; by ticker, or by
    ``sort`` (any position field)."""
    rows = [position(found.account.account_id, item) for item in found.items]
    key = sort if sort and rows and sort in rows[0] else "contractDesc"
    rows.sort(key=lambda r: (r[key] is None, r[key]), reverse=descending)
    return rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]


def positions_v2(found: Holdings) -> list[dict[str, Any]]:
    """``portfolio2/{acct}/positions``: the newer, lighter shape."""
    out = []
    for item in found.items:
        row = position(found.account.account_id, item)
        out.append(
            {
                "position": row["position"],
                "conid": str(item.conid),
                "avgCost": row["avgCost"],
                "avgPrice": row["avgPrice"],
                "currency": "USD",
                "description": row["contractDesc"],
                "isLastToLoq": False,
                "marketPrice": row["mktPrice"],
                "marketValue": row["mktValue"],
                "realizedPnl": row["realizedPnl"],
                "secType": "STK",
                "timestamp": millis(found.at) // 1000,
                "unrealizedPnl": row["unrealizedPnl"],
                "dailyPnl": row["dailyPnl"],
                "assetClass": "STK",
                "sector": "Others",
                "group": row["type"],
                "model": "",
            }
        )
    return out


def allocation(found: Holdings) -> dict[str, Any]:
    """``portfolio/{acct}/allocation``: market value by asset class, sector and group."""
    long: dict[str, dict[str, Decimal]] = {"assetClass": {}, "sector": {}, "group": {}}
    short: dict[str, dict[str, Decimal]] = {"assetClass": {}, "sector": {}, "group": {}}
    for item in found.items:
        value = item.book.position(item.conid) * item.mark
        side = long if value >= 0 else short
        instrument = find_conid(item.conid)
        group = instrument.kind.value.upper() if instrument else "STOCK"
        for dimension, name in (("assetClass", "STK"), ("sector", "Others"), ("group", group)):
            bucket = side[dimension]
            bucket[name] = bucket.get(name, Decimal(0)) + value
    cash = found.figures.total_cash
    (long if cash >= 0 else short)["assetClass"]["CASH"] = cash

    def shaped(values: Mapping[str, Decimal]) -> dict[str, float]:
        return {k: number(cents(v)) for k, v in values.items()}

    return {
        dimension: {"long": shaped(long[dimension]), "short": shaped(short[dimension])}
        for dimension in ("assetClass", "sector", "group")
    }


def pnl_row(found: AccountFigures, day: DayPnl) -> dict[str, Any]:
    """One ``iserver/account/pnl/partitioned`` row. ``dpl`` is the day P&L
    (``domain/trading/day_pnl``: NLV now − NLV at the start of the day − net deposits today);
    Gatehouse's ``dplRatio`` is it over the NLV at the start of the day plus today's net
    deposits (``day_pnl_ratio``; null when that base is 0 or less)."""
    f = found.figures
    ratio = day_pnl_ratio(day.total, net_liquidation=f.net_liquidation)
    return {
        "rowType": 1,
        "dpl": number(cents(day.total)),
        "dplRatio": None if ratio is None else number(ratio),
        "nl": number(cents(f.net_liquidation)),
        "upl": number(cents(f.unrealized_pnl)),
        "el": number(cents(f.excess_liquidity)),
        "mv": number(cents(f.stock_market_value)),
        "uel": number(cents(f.excess_liquidity)),
    }


def pnl(rows: Mapping[str, tuple[AccountFigures, DayPnl]]) -> dict[str, Any]:
    return {"upnl": {f"{acct}.Core": pnl_row(*row) for acct, row in rows.items()}}
