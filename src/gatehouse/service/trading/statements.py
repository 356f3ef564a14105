"""Statements ("tax documents") of one account: a year's realized gains, and cash activity.

Reads the booked history through ``uow.statements`` (the trading core's storage, read-only)
and renders JSON, CSV (``domain.trading.statements``) or PDF (the ``StatementDocuments``
port). Only the session's own account can be read (``service.trading.accounts.owned``).
Dates are New York trade dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from gatehouse.domain.errors import InvalidInput, ServiceUnavailable
from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.statements import (
    ActivityStatement,
    GainTotals,
    RealizedGain,
    activity,
    activity_csv,
    gain_totals,
    realized_gains,
    realized_gains_csv,
)
from gatehouse.domain.trading.transactions import EXCHANGE_TIMEZONE
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading import accounts as trading_accounts
from gatehouse.service.trading.ports import StatementDocuments
from gatehouse.service.trading.views import transaction_view

FIRST_YEAR = 2000
MAX_ACTIVITY_DAYS = 5 * 366
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ZONE = ZoneInfo(EXCHANGE_TIMEZONE)


class StatementFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    PDF = "pdf"


@dataclass(frozen=True, slots=True)
class StatementFile:
    filename: str
    media_type: str
    body: bytes


def _documents(ctx: ServiceContext) -> StatementDocuments:
    if ctx.statement_documents is None:
        raise ServiceUnavailable("PDF statements are not available on this server.")
    return ctx.statement_documents


def parse_format(value: str | None) -> StatementFormat:
    text = (value or "json").strip().lower()
    if text not in StatementFormat.__members__.values():
        raise InvalidInput("'format' is json, csv or pdf.", field="format")
    return StatementFormat(text)


def _today(ctx: ServiceContext) -> date:
    return ctx.clock.now().astimezone(_ZONE).date()


def parse_year(ctx: ServiceContext, value: str | None) -> int:
    """A four-digit year from 2000 to this one."""
    text = (value or "").strip()
    this_year = _today(ctx).year
    if not (len(text) == 4 and text.isdigit() and FIRST_YEAR <= int(text) <= this_year):
        raise InvalidInput(f"'year' is a year from {FIRST_YEAR} to {this_year}.", field="year")
    return int(text)


def parse_dates(ctx: ServiceContext, start: str | None, end: str | None) -> tuple[date, date]:
    """``YYYY-MM-DD`` trade dates, start ≤ end ≤ tomorrow, at most five years apart."""
    days: list[date] = []
    for key, value in (("start", start), ("end", end)):
        text = (value or "").strip()
        try:
            if not _DATE.match(text):
                raise ValueError
            days.append(date.fromisoformat(text))
        except ValueError:
            raise InvalidInput(f"'{key}' is a date like 2026-01-31.", field=key) from None
    first, last = days
    if last < first:
        raise InvalidInput("The statement ends before it starts.", field="end")
    if last > _today(ctx) + timedelta(days=1):  # a day of slack: clients east of New York
        raise InvalidInput("The statement cannot end in the future.", field="end")
    if (last - first).days > MAX_ACTIVITY_DAYS:
        raise InvalidInput("A statement covers at most five years.", field="start")
    return first, last


def symbol_of(conid: int) -> str:
    instrument = find_conid(conid)
    return instrument.symbol if instrument else str(conid)


def _money(value: object) -> str:
    return f"{value:.2f}"


def _gain_view(row: RealizedGain) -> dict[str, Any]:
    return {
        "symbol": row.symbol,
        "conid": row.conid,
        "quantity": str(row.quantity),
        "acquired": row.acquired.isoformat(),
        "sold": row.sold.isoformat(),
        "proceeds": _money(row.proceeds),
        "cost_basis": _money(row.cost_basis),
        "gain": _money(row.gain),
        "term": row.term.value,
        "short_sale": row.short,
    }


def _totals_view(totals: GainTotals) -> dict[str, Any]:
    return {
        "short_term": {
            "proceeds": _money(totals.short_term_proceeds),
            "cost_basis": _money(totals.short_term_cost_basis),
            "gain": _money(totals.short_term_gain),
        },
        "long_term": {
            "proceeds": _money(totals.long_term_proceeds),
            "cost_basis": _money(totals.long_term_cost_basis),
            "gain": _money(totals.long_term_gain),
        },
        "total_gain": _money(totals.total_gain),
    }


async def realized(
    ctx: ServiceContext, principal: Principal, account: str, *, year: str | None, fmt: str | None
) -> dict[str, Any] | StatementFile:
    """The lots closed in ``year``, with short- and long-term totals."""
    owned = trading_accounts.owned(principal, account)
    chosen = parse_year(ctx, year)
    kind = parse_format(fmt)
    async with ctx.uow() as uow:
        lots = await uow.statements.realized_lots(owned)
    gains = realized_gains(lots, chosen)
    totals = gain_totals(gains)
    name = f"realized-{owned}-{chosen}"
    if kind is StatementFormat.CSV:
        return StatementFile(f"{name}.csv", "text/csv", realized_gains_csv(gains).encode())
    if kind is StatementFormat.PDF:
        pdf = _documents(ctx).realized_pdf(
            gains, totals, account_id=owned, year=chosen, generated_at=ctx.clock.now()
        )
        return StatementFile(f"{name}.pdf", "application/pdf", pdf)
    return {
        "account": owned,
        "year": chosen,
        "currency": "USD",
        "lots": [_gain_view(g) for g in gains],
        "totals": _totals_view(totals),
    }


def _activity_view(owned: str, statement: ActivityStatement) -> dict[str, Any]:
    return {
        "account": owned,
        "start": statement.start.isoformat(),
        "end": statement.end.isoformat(),
        "currency": "USD",
        "summary": [
            {"label": label, "amount": _money(amount)} for label, amount in statement.rows()
        ],
        "executions": [
            {
                "execution_id": e.execution_id,
                "order_id": e.order_id,
                "trade_date": e.at.astimezone(_ZONE).date().isoformat(),
                "at": e.at.isoformat(),
                "conid": e.conid,
                "symbol": symbol_of(e.conid),
                "side": str(e.side),
                "quantity": str(e.quantity),
                "price": str(e.price),
                "commission": _money(e.commission),
                "net_amount": _money(e.net_amount),
            }
            for e in statement.executions
        ],
        "timezone": EXCHANGE_TIMEZONE,
        "transactions": [transaction_view(t) for t in statement.transactions],
    }


async def activity_statement(
    ctx: ServiceContext,
    principal: Principal,
    account: str,
    *,
    start: str | None,
    end: str | None,
    fmt: str | None,
) -> dict[str, Any] | StatementFile:
    """Cash activity from ``start`` to ``end`` (inclusive) and the trades in between."""
    owned = trading_accounts.owned(principal, account)
    first, last = parse_dates(ctx, start, end)
    kind = parse_format(fmt)
    opens = datetime.combine(first, time(0), tzinfo=_ZONE)
    closes = datetime.combine(last + timedelta(days=1), time(0), tzinfo=_ZONE)
    async with ctx.uow() as uow:
        executions = await uow.statements.executions(owned, start=opens, end=closes)
        entries = await uow.statements.cash_entries(owned)
    statement = activity(entries, executions, first, last)
    name = f"activity-{owned}-{first.isoformat()}-{last.isoformat()}"
    if kind is StatementFormat.CSV:
        return StatementFile(f"{name}.csv", "text/csv", activity_csv(statement).encode())
    if kind is StatementFormat.PDF:
        pdf = _documents(ctx).activity_pdf(
            statement, account_id=owned, generated_at=ctx.clock.now()
        )
        return StatementFile(f"{name}.pdf", "application/pdf", pdf)
    return _activity_view(owned, statement)
