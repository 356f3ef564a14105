"""Statements from the ledger: realized gains by holding period (tax) and cash activity.

Dates are trade dates in New York. Renders CSV text; the PDF renderer lives elsewhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.ledger import CashEntry, CashEntryKind, RealizedLot
from gatehouse.domain.trading.transactions import (
    EXCHANGE_TIMEZONE,
    TIMEZONE_LABEL,
    Transaction,
    local_time,
    transactions,
)

_ZERO = Decimal(0)
_CENT = Decimal("0.01")


class HoldingTerm(StrEnum):
    SHORT = "short-term"
    LONG = "long-term"


@dataclass(frozen=True, slots=True)
class RealizedGain:
    """One line of the realized gains statement (a closed lot)."""

    conid: int
    symbol: str
    quantity: Decimal
    acquired: date
    sold: date
    proceeds: Decimal
    cost_basis: Decimal
    gain: Decimal
    term: HoldingTerm
    short: bool


@dataclass(frozen=True, slots=True)
class GainTotals:
    short_term_proceeds: Decimal
    short_term_cost_basis: Decimal
    short_term_gain: Decimal
    long_term_proceeds: Decimal
    long_term_cost_basis: Decimal
    long_term_gain: Decimal

    @property
    def total_gain(self) -> Decimal:
        return self.short_term_gain + self.long_term_gain


def _local(at: datetime, timezone: str) -> date:
    return at.astimezone(ZoneInfo(timezone)).date()


def _symbol(conid: int) -> str:
    instrument = find_conid(conid)
    return instrument.symbol if instrument else str(conid)


def holding_term(acquired: date, sold: date, *, short: bool = False) -> HoldingTerm:
    """Long-term when held more than one year (sold after the first anniversary).

    Gains on short sales are short-term whatever the holding period.
    """
    if short:
        return HoldingTerm.SHORT
    try:
        anniversary = acquired.replace(year=acquired.year + 1)
    except ValueError:  # acquired on 29 February
        anniversary = date(acquired.year + 1, 2, 28)
    return HoldingTerm.LONG if sold > anniversary else HoldingTerm.SHORT


def realized_gains(
    realized: Iterable[RealizedLot], year: int, *, timezone: str = EXCHANGE_TIMEZONE
) -> list[RealizedGain]:
    """The lots closed in ``year`` (by trade date), oldest sale first, amounts to the cent."""
    rows: list[RealizedGain] = []
    for lot in realized:
        sold = _local(lot.closed_at, timezone)
        if sold.year != year:
            continue
        acquired = _local(lot.opened_at, timezone)
        proceeds = lot.proceeds.quantize(_CENT)
        basis = lot.cost_basis.quantize(_CENT)
        rows.append(
            RealizedGain(
                conid=lot.conid,
                symbol=_symbol(lot.conid),
                quantity=lot.quantity,
                acquired=acquired,
                sold=sold,
                proceeds=proceeds,
                cost_basis=basis,
                gain=proceeds - basis,
                term=holding_term(acquired, sold, short=lot.short),
                short=lot.short,
            )
        )
    rows.sort(key=lambda r: (r.sold, r.acquired, r.symbol))
    return rows


def gain_totals(gains: Iterable[RealizedGain]) -> GainTotals:
    zero = _ZERO.quantize(_CENT)
    sums = {term: [zero, zero, zero] for term in HoldingTerm}
    for row in gains:
        bucket = sums[row.term]
        bucket[0] += row.proceeds
        bucket[1] += row.cost_basis
        bucket[2] += row.gain
    short, long = sums[HoldingTerm.SHORT], sums[HoldingTerm.LONG]
    return GainTotals(short[0], short[1], short[2], long[0], long[1], long[2])


def realized_gains_csv(gains: Iterable[RealizedGain]) -> str:
    """The realized gains statement as CSV text, with a totals line per holding term."""
    rows = list(gains)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "Symbol",
            "Conid",
            "Quantity",
            "Date Acquired",
            "Date Sold",
            "Proceeds",
            "Cost Basis",
            "Gain/Loss",
            "Term",
            "Short Sale",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.symbol,
                r.conid,
                r.quantity,
                r.acquired.isoformat(),
                r.sold.isoformat(),
                r.proceeds,
                r.cost_basis,
                r.gain,
                r.term,
                "yes" if r.short else "no",
            ]
        )
    totals = gain_totals(rows)
    for label, proceeds, basis, gain, term in (
        (
            "Total short-term",
            totals.short_term_proceeds,
            totals.short_term_cost_basis,
            totals.short_term_gain,
            HoldingTerm.SHORT,
        ),
        (
            "Total long-term",
            totals.long_term_proceeds,
            totals.long_term_cost_basis,
            totals.long_term_gain,
            HoldingTerm.LONG,
        ),
    ):
        writer.writerow([label, "", "", "", "", proceeds, basis, gain, term, ""])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class ActivityStatement:
    """Cash activity between two trade dates (inclusive); outflows are negative amounts."""

    start: date
    end: date
    opening_cash: Decimal
    deposits: Decimal
    withdrawals: Decimal
    trades: Decimal
    commissions: Decimal
    other: Decimal
    closing_cash: Decimal
    executions: tuple[Execution, ...]
    transactions: tuple[Transaction, ...] = ()  # trades and transfers, oldest first

    def rows(self) -> list[tuple[str, Decimal]]:
        """The summary lines, in statement order."""
        return [
            ("Opening cash", self.opening_cash),
            ("Deposits", self.deposits),
            ("Withdrawals", self.withdrawals),
            ("Trades", self.trades),
            ("Commissions", self.commissions),
            ("Interest, dividends and fees", self.other),
            ("Closing cash", self.closing_cash),
        ]


def activity(
    cash_entries: Iterable[CashEntry],
    executions: Iterable[Execution],
    start: date,
    end: date,
    *,
    timezone: str = EXCHANGE_TIMEZONE,
) -> ActivityStatement:
    """Summarise the cash journal from ``start`` to ``end`` (trade dates, inclusive)."""
    if end < start:
        raise ValueError("the statement ends before it starts")
    opening = _ZERO
    by_kind = dict.fromkeys(CashEntryKind, _ZERO)
    in_period: list[CashEntry] = []
    for entry in cash_entries:
        day = _local(entry.at, timezone)
        if day < start:
            opening += entry.amount
        elif day <= end:
            by_kind[entry.kind] += entry.amount
            in_period.append(entry)
    other = sum(
        (
            by_kind[k]
            for k in (
                CashEntryKind.INTEREST,
                CashEntryKind.DIVIDEND,
                CashEntryKind.FEE,
                CashEntryKind.ADJUSTMENT,
            )
        ),
        _ZERO,
    )
    in_range = tuple(
        sorted(
            (e for e in executions if start <= _local(e.at, timezone) <= end),
            key=lambda e: (e.at, e.execution_id),
        )
    )
    return ActivityStatement(
        start=start,
        end=end,
        opening_cash=opening,
        deposits=by_kind[CashEntryKind.DEPOSIT],
        withdrawals=by_kind[CashEntryKind.WITHDRAWAL],
        trades=by_kind[CashEntryKind.TRADE],
        commissions=by_kind[CashEntryKind.COMMISSION],
        other=other,
        closing_cash=opening + sum(by_kind.values(), _ZERO),
        executions=in_range,
        transactions=tuple(reversed(transactions(in_range, in_period))),
    )


def activity_csv(statement: ActivityStatement, *, timezone: str = EXCHANGE_TIMEZONE) -> str:
    """The activity statement as CSV text: summary lines, then one line per execution."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Activity", statement.start.isoformat(), statement.end.isoformat()])
    for label, amount in statement.rows():
        writer.writerow([label, amount])
    writer.writerow([])
    writer.writerow(
        [
            "Trade Date",
            f"Time ({TIMEZONE_LABEL})",
            "Type",
            "Symbol",
            "Side",
            "Quantity",
            "Price",
            "Commission",
            "Net Amount",
            "Reference",
        ]
    )
    for t in statement.transactions:
        writer.writerow(
            [
                _local(t.at, timezone).isoformat(),
                local_time(t.at).strftime("%H:%M:%S"),
                t.kind,
                t.symbol or "",
                t.side or "",
                "" if t.quantity is None else t.quantity,
                "" if t.price is None else t.price,
                t.commission,
                t.net_amount,
                t.reference,
            ]
        )
    return out.getvalue()
