"""Render account statements as PDFs (fpdf2): realized gains by tax lot, and cash activity.

Each document has a title, the account, the period, the date it was produced, a table whose
heading repeats on every page, and totals. Built-in fonts only (Latin-1), like the code card.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from gatehouse.domain.trading.statements import (
    ActivityStatement,
    GainTotals,
    RealizedGain,
)
from gatehouse.domain.trading.transactions import EXCHANGE_TIMEZONE

if TYPE_CHECKING:  # fpdf2 is imported when a statement is drawn: it takes ~0.5 s to load,
    from fpdf import FPDF  # which every CLI command and server start would otherwise pay

_MARGIN = 12.0  # mm
_ZONE = ZoneInfo(EXCHANGE_TIMEZONE)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _latin1(text: str) -> str:
    # The built-in fonts cover Latin-1 only; anything else prints as "?".
    return text.encode("latin-1", "replace").decode("latin-1")


def _document(title: str, *, generated_at: datetime, landscape: bool) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape" if landscape else "portrait", unit="mm", format="A4")
    pdf.set_creation_date(generated_at)
    pdf.set_title(title)
    pdf.set_creator("Gatehouse")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    return pdf


def _facts(pdf: FPDF, facts: Sequence[tuple[str, str]]) -> None:
    for caption, value in facts:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(32, 6, f"{caption}:")
        pdf.set_font("Helvetica", size=10)
        pdf.cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _table(
    pdf: FPDF,
    heading: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    widths: Sequence[float],
    right: Sequence[int],
    empty: str = "",
) -> None:
    from fpdf.fonts import FontFace

    align = tuple("RIGHT" if i in right else "LEFT" for i in range(len(heading)))
    pdf.set_font("Helvetica", size=8)
    with pdf.table(
        col_widths=tuple(widths),
        text_align=align,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
        line_height=5,
        width=sum(widths),
        align="LEFT",
    ) as table:
        table.row([_latin1(cell) for cell in heading])
        for row in rows:
            table.row([_latin1(cell) for cell in row])
        if not rows:
            table.row().cell(empty, colspan=len(heading), align="LEFT")
    pdf.ln(4)


def _generated(at: datetime) -> str:
    return at.astimezone(_ZONE).strftime("%Y-%m-%d %H:%M %Z")


class PdfStatements:
    """The ``StatementDocuments`` port, drawn with fpdf2."""

    def realized_pdf(
        self,
        gains: Sequence[RealizedGain],
        totals: GainTotals,
        *,
        account_id: str,
        year: int,
        generated_at: datetime,
    ) -> bytes:
        title = f"Realized gains and losses {year}"
        pdf = _document(title, generated_at=generated_at, landscape=True)
        _facts(
            pdf,
            [
                ("Account", account_id),
                ("Period", f"{year}-01-01 to {year}-12-31 (trade dates, New York)"),
                ("Currency", "USD"),
                ("Produced", _generated(generated_at)),
            ],
        )
        rows = [
            [
                g.symbol,
                str(g.quantity),
                g.acquired.isoformat(),
                g.sold.isoformat(),
                _money(g.proceeds),
                _money(g.cost_basis),
                _money(g.gain),
                g.term.value + (" (short sale)" if g.short else ""),
            ]
            for g in gains
        ]
        _table(
            pdf,
            ["Symbol", "Quantity", "Acquired", "Sold", "Proceeds", "Cost basis", "Gain/loss",
             "Term"],
            rows,
            widths=(40, 22, 26, 26, 36, 36, 36, 51),
            right=(1, 4, 5, 6),
            empty="No lots were closed in this year.",
        )  # fmt: skip
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.cell(0, 8, "Totals", new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            ["", "Proceeds", "Cost basis", "Gain/loss"],
            [
                [
                    "Short-term",
                    _money(totals.short_term_proceeds),
                    _money(totals.short_term_cost_basis),
                    _money(totals.short_term_gain),
                ],
                [
                    "Long-term",
                    _money(totals.long_term_proceeds),
                    _money(totals.long_term_cost_basis),
                    _money(totals.long_term_gain),
                ],
                ["Total", "", "", _money(totals.total_gain)],
            ],
            widths=(40, 40, 40, 40),
            right=(1, 2, 3),
        )
        return bytes(pdf.output())

    def activity_pdf(
        self, statement: ActivityStatement, *, account_id: str, generated_at: datetime
    ) -> bytes:
        title = "Account activity"
        pdf = _document(title, generated_at=generated_at, landscape=False)
        _facts(
            pdf,
            [
                ("Account", account_id),
                ("Period", f"{statement.start.isoformat()} to {statement.end.isoformat()}"),
                ("Currency", "USD"),
                ("Produced", _generated(generated_at)),
            ],
        )
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.cell(0, 8, "Cash summary", new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            ["", "Amount"],
            [[label, _money(amount)] for label, amount in statement.rows()],
            widths=(70, 40),
            right=(1,),
        )
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.cell(0, 8, "Transactions (times in New York, ET)", new_x="LMARGIN", new_y="NEXT")
        rows = [
            [
                t.trade_date.isoformat(),
                t.kind.value.capitalize(),
                t.symbol or "",
                t.side or "",
                "" if t.quantity is None else str(t.quantity),
                "" if t.price is None else _money(t.price),
                _money(t.commission) if t.symbol else "",
                _money(t.net_amount),
            ]
            for t in statement.transactions
        ]
        _table(
            pdf,
            ["Trade date", "Type", "Symbol", "Side", "Quantity", "Price", "Commission", "Net"],
            rows,
            widths=(24, 24, 18, 14, 18, 24, 24, 30),
            right=(4, 5, 6, 7),
            empty="No transactions in this period.",
        )
        return bytes(pdf.output())
