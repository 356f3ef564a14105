"""IBKR portfolio analyst shapes (``pa/performance``, ``pa/allperiods``, ``pa/transactions``)
from the NAV history: NAVs, cumulative returns (``cps``) and monthly returns (``tpps``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.ledger import RealizedLot
from gatehouse.domain.trading.orders import Side
from gatehouse.domain.trading.performance import NavSnapshot, cumulative, monthly
from gatehouse.service.trading.views import millis

Series = Mapping[str, Sequence[NavSnapshot]]


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _head(account_id: str, days: Sequence[NavSnapshot]) -> dict[str, Any]:
    return {
        "id": account_id,
        "idType": "acct",
        "start": _ymd(days[0].day) if days else None,
        "end": _ymd(days[-1].day) if days else None,
        "baseCurrency": "USD",
    }


def _start(days: Sequence[NavSnapshot]) -> dict[str, Any] | None:
    return {"date": _ymd(days[0].day), "val": float(days[0].nav)} if days else None


def _opt(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _dates(series: Series) -> list[str]:
    return sorted({_ymd(s.day) for days in series.values() for s in days})


def performance(series: Series, period: str) -> dict[str, Any]:
    """``pa/performance``: daily ``nav`` and ``cps`` per account on shared ``dates``, and
    monthly ``tpps``. An account without a value on a date has ``null`` there."""
    dates = _dates(series)
    navs, cps, tpps = [], [], []
    months = sorted({key for days in series.values() for key, _ in monthly(days)})
    for account_id, days in series.items():
        by_day = {_ymd(s.day): s for s in days}
        growth = dict(zip((_ymd(s.day) for s in days), cumulative(days), strict=True))
        head = _head(account_id, days)
        navs_of = [float(by_day[d].nav) if d in by_day else None for d in dates]
        navs.append({**head, "startNAV": _start(days), "navs": navs_of})
        cps.append({**head, "returns": [_opt(growth.get(d)) for d in dates]})
        by_month = dict(monthly(days))
        tpps.append({**head, "returns": [_opt(by_month.get(m)) for m in months]})
    return {
        "currencyType": "base",
        "rc": 0,
        "pm": "TWR",
        "id": "getPerformanceData",
        "included": list(series),
        "period": period,
        "nav": {"data": navs, "freq": "D", "dates": dates},
        "cps": {"data": cps, "freq": "D", "dates": dates},
        "tpps": {"data": tpps, "freq": "M", "dates": months},
    }


def all_periods(by_period: Mapping[str, Series], now: datetime) -> dict[str, Any]:
    """``pa/allperiods``: for each account, every period's ``nav``, ``cps`` and ``dates``."""
    accounts = list(next(iter(by_period.values()), {}))
    body: dict[str, Any] = {
        "currencyType": "base", "rc": 0, "pm": "TWR", "id": "getPerformanceAllPeriods",
        "included": accounts, "view": accounts, "nd": 366,
    }  # fmt: skip
    for account_id in accounts:
        entry: dict[str, Any] = {
            "lastSuccessfulUpdate": now.strftime("%Y-%m-%d %H:%M:%S"),
            "baseCurrency": "USD",
            "periods": list(by_period),
        }
        for period, series in by_period.items():
            days = series[account_id]
            entry[period] = {
                "nav": [float(s.nav) for s in days],
                "cps": [float(r) for r in cumulative(days)],
                "freq": "D",
                "dates": [_ymd(s.day) for s in days],
                "startNAV": {"date": _ymd(days[0].day), "val": float(days[0].nav)}
                if days
                else None,
            }
            if days:
                entry.setdefault("start", _ymd(days[0].day))
                entry["end"] = _ymd(days[-1].day)
        body[account_id] = entry
    return body


def transactions(
    executions: Sequence[Execution], closed: Sequence[tuple[str, RealizedLot]],
    *, since: datetime, now: datetime, days: int,
) -> dict[str, Any]:  # fmt: skip
    """``pa/transactions``: trades (``type`` Buy/Sell, ``qty`` signed, ``amt`` the cash moved)
    and realized P&L rows (``rpnl``), amounts in USD."""
    rows = []
    for e in executions:
        instrument = find_conid(e.conid)
        signed = e.quantity if e.side is Side.BUY else -e.quantity
        rows.append(
            {
                "acctid": e.account_id,
                "conid": e.conid,
                "cur": "USD",
                "fxRate": 1,
                "date": e.at.strftime("%a %b %d %H:%M:%S UTC %Y"),
                "rawDate": e.at.strftime("%Y%m%d"),
                "type": "Buy" if e.side is Side.BUY else "Sell",
                "desc": instrument.name if instrument else "",
                "qty": float(signed),
                "pr": float(e.price),
                "amt": float(-(signed * e.price) - e.commission),
            }
        )
    realized = [
        {"date": lot.closed_at.strftime("%Y%m%d"), "cur": "USD", "fxRate": 1,
         "side": "S" if lot.short else "L", "acctid": account_id, "conid": str(lot.conid),
         "amt": f"{lot.proceeds - lot.cost_basis:.2f}"}
        for account_id, lot in closed
    ]  # fmt: skip
    total = sum((Decimal(r["amt"]) for r in realized), Decimal(0))
    return {
        "rc": 0, "nd": days, "id": "getTransactions", "currency": "USD",
        "from": millis(since), "to": millis(now), "includesRealTime": True,
        "transactions": rows, "rpnl": {"data": realized, "amt": f"{total:.2f}"},
    }  # fmt: skip
