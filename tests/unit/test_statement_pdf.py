"""The statement PDFs: valid documents whose text carries the account, period and totals."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

from gatehouse.adapters.documents.statement_pdf import PdfStatements
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import CashEntry, CashEntryKind, RealizedLot
from gatehouse.domain.trading.orders import Side
from gatehouse.domain.trading.statements import activity, gain_totals, realized_gains

AT = datetime(2026, 1, 5, 15, tzinfo=UTC)


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(hour=15, tzinfo=UTC)


def _text(pdf: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_many_lots_flow_onto_more_pages_with_totals_at_the_end() -> None:
    lot = RealizedLot(265598, Decimal(3), _day("2024-01-02"), _day("2025-03-04"),
                      Decimal("700.10"), Decimal("650.05"))  # fmt: skip
    gains = realized_gains([lot] * 80, 2025)
    pdf = PdfStatements().realized_pdf(
        gains, gain_totals(gains), account_id="U7654321", year=2025, generated_at=AT
    )
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") >= 2
    text = _text(pdf)
    if text is not None:
        assert "U7654321" in text and "2025-01-01 to 2025-12-31" in text
        assert "4,004.00" in text  # 80 × 50.05 long-term gain


def test_an_empty_period_still_makes_a_statement() -> None:
    statement = activity(
        [CashEntry(CashEntryKind.DEPOSIT, Decimal(500), _day("2025-01-02"), "deposit")],
        [Execution("E1", "O1", "U1", 265598, Side.BUY, Decimal(1), Decimal(10), Decimal(1),
                   _day("2025-06-01"))],
        date(2025, 3, 1),
        date(2025, 3, 31),
    )  # fmt: skip
    pdf = PdfStatements().activity_pdf(statement, account_id="U1", generated_at=AT)
    text = _text(pdf)
    assert pdf.startswith(b"%PDF")
    if text is not None:
        assert "No transactions in this period." in text and "500.00" in text
