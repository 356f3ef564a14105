"""Statements: realized gains by holding period for a tax year, cash activity, and CSV output."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import (
    Book,
    CashEntryKind,
    RealizedLot,
    apply_execution,
    deposit,
    record_cash,
    withdraw,
)
from gatehouse.domain.trading.orders import Side
from gatehouse.domain.trading.statements import (
    HoldingTerm,
    activity,
    activity_csv,
    gain_totals,
    holding_term,
    realized_gains,
    realized_gains_csv,
)

D = Decimal
AAPL, IBM = 265598, 8314


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


@pytest.mark.parametrize(
    ("acquired", "sold", "short", "term"),
    [
        (date(2024, 1, 10), date(2025, 1, 10), False, HoldingTerm.SHORT),  # exactly one year
        (date(2024, 1, 10), date(2025, 1, 11), False, HoldingTerm.LONG),
        (date(2024, 2, 29), date(2025, 2, 28), False, HoldingTerm.SHORT),
        (date(2024, 2, 29), date(2025, 3, 1), False, HoldingTerm.LONG),
        (date(2020, 1, 1), date(2025, 1, 1), True, HoldingTerm.SHORT),  # short sales
    ],
)
def test_holding_term(acquired: date, sold: date, short: bool, term: HoldingTerm) -> None:
    assert holding_term(acquired, sold, short=short) is term


def lot(
    opened: datetime,
    closed: datetime,
    proceeds: str,
    basis: str,
    *,
    short: bool = False,
    conid: int = AAPL,
) -> RealizedLot:
    return RealizedLot(conid, D(10), opened, closed, D(proceeds), D(basis), short)


def test_realized_gains_for_a_tax_year_use_new_york_trade_dates() -> None:
    realized = [
        lot(utc(2024, 3, 1, 15), utc(2025, 6, 2, 15), "1500.004", "1000.001"),  # long-term
        lot(utc(2025, 3, 1, 15), utc(2025, 6, 2, 15), "900", "1000", conid=IBM),  # short-term
        lot(utc(2025, 3, 1, 15), utc(2026, 1, 1, 3), "100", "50"),  # 31 Dec 2025 in New York
        lot(utc(2025, 3, 1, 15), utc(2026, 1, 2, 15), "100", "50"),  # 2026: excluded
    ]
    rows = realized_gains(realized, 2025)
    assert [(r.symbol, r.sold, r.term) for r in rows] == [
        ("AAPL", date(2025, 6, 2), HoldingTerm.LONG),
        ("IBM", date(2025, 6, 2), HoldingTerm.SHORT),
        ("AAPL", date(2025, 12, 31), HoldingTerm.SHORT),
    ]
    assert rows[0].proceeds == D("1500.00") and rows[0].gain == D("500.00")
    totals = gain_totals(rows)
    assert totals.long_term_gain == D("500.00")
    assert totals.short_term_gain == D(-100) + D(50)
    assert totals.short_term_proceeds == D(1000)
    assert totals.total_gain == D("450.00")


def test_realized_gains_csv() -> None:
    rows = realized_gains([lot(utc(2025, 1, 2, 15), utc(2025, 2, 3, 15), "110", "100")], 2025)
    table = list(csv.reader(io.StringIO(realized_gains_csv(rows))))
    assert table[0][:8] == [
        "Symbol",
        "Conid",
        "Quantity",
        "Date Acquired",
        "Date Sold",
        "Proceeds",
        "Cost Basis",
        "Gain/Loss",
    ]
    assert table[1] == [
        "AAPL",
        "265598",
        "10",
        "2025-01-02",
        "2025-02-03",
        "110.00",
        "100.00",
        "10.00",
        "short-term",
        "no",
    ]
    assert table[2][0] == "Total short-term" and table[2][7] == "10.00"
    assert table[3][0] == "Total long-term" and table[3][7] == "0.00"


def test_activity_summary_reconciles_opening_and_closing_cash() -> None:
    book = Book()
    deposit(book, D(5000), at=utc(2025, 12, 15, 15))
    buy = Execution("e1", "o1", "DU1", AAPL, Side.BUY, D(10), D(100), D(1), utc(2026, 1, 5, 15))
    sell = Execution("e2", "o2", "DU1", AAPL, Side.SELL, D(4), D(110), D(1), utc(2026, 1, 7, 15))
    late = Execution("e3", "o3", "DU1", AAPL, Side.SELL, D(1), D(120), D(1), utc(2026, 2, 2, 15))
    deposit(book, D(1000), at=utc(2026, 1, 2, 15))
    for e in (buy, sell, late):
        apply_execution(book, e)
    withdraw(book, D(200), at=utc(2026, 1, 20, 15))
    record_cash(
        book, CashEntryKind.INTEREST, D("1.25"), at=utc(2026, 1, 31, 15), description="Interest"
    )

    statement = activity(book.entries, [late, sell, buy], date(2026, 1, 1), date(2026, 1, 31))
    assert statement.opening_cash == 5000
    assert statement.deposits == 1000 and statement.withdrawals == -200
    assert statement.trades == D(-1000) + D(440)
    assert statement.commissions == -2
    assert statement.other == D("1.25")
    assert statement.closing_cash == D(5000) + 1000 - 200 - 560 - 2 + D("1.25")
    assert [e.execution_id for e in statement.executions] == ["e1", "e2"]
    assert statement.rows()[0] == ("Opening cash", D(5000))
    assert statement.rows()[-1] == ("Closing cash", statement.closing_cash)

    text = activity_csv(statement)
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Activity", "2026-01-01", "2026-01-31"]
    assert ["Deposits", "1000"] in table
    sale = ["2026-01-07", "10:00:00", "trade", "AAPL", "SELL", "4", "110", "1", "439", "e2"]
    assert sale in table
    # deposits and withdrawals are listed with the trades, oldest first, signed net amounts
    assert [row[2] for row in table[-4:]] == ["deposit", "trade", "trade", "withdrawal"]
    assert table[-1][8] == "-200" and table[-4][8] == "1000"
    assert [row[8] for row in table[-3:-1]] == ["-1001", "439"]  # the buy's commission included


def test_activity_rejects_an_inverted_range() -> None:
    with pytest.raises(ValueError):
        activity([], [], date(2026, 2, 1), date(2026, 1, 1))
