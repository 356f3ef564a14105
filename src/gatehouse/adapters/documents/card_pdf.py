"""Render a security code card for the user: an A4 PDF to print, or aligned text for a terminal.

Shown once, at issue time; Gatehouse keeps only hashes of the cells afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from fpdf import FPDF

from gatehouse.domain.identity.factors.card import COLUMNS, ROWS

TITLE = "Gatehouse security code card"
INSTRUCTIONS = (
    "When signing in you will be asked for two cells, e.g. C4 and H9. "
    "Each cell is asked once. Keep this card private."
)

_MARGIN = 20.0  # mm
_HEADER_WIDTH = 15.0
_CELL_WIDTH = 15.5
_CELL_HEIGHT = 11.0


def render_card_pdf(
    cells: Mapping[str, str], *, username: str, card_id: str, issued_at: datetime
) -> bytes:
    """The card as a one-page A4 PDF: title, owner, serial, issue date, grid, instructions."""
    _require_full_grid(cells)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(issued_at)
    pdf.set_title(TITLE)
    pdf.set_creator("Gatehouse")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()

    pdf.set_font("Helvetica", style="B", size=20)
    pdf.cell(0, 12, _latin1(TITLE), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", size=11)
    for caption, value in (
        ("Username", username),
        ("Card serial", card_id),
        ("Issued", issued_at.strftime("%Y-%m-%d")),
    ):
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.cell(30, 7, f"{caption}:")
        pdf.set_font("Courier", size=11)
        pdf.cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    pdf.set_fill_color(225, 225, 225)
    pdf.set_draw_color(90, 90, 90)
    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(_HEADER_WIDTH, _CELL_HEIGHT, "", border=1, fill=True)
    for column in COLUMNS:
        pdf.cell(_CELL_WIDTH, _CELL_HEIGHT, str(column), border=1, align="C", fill=True)
    pdf.ln(_CELL_HEIGHT)
    for row in ROWS:
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.cell(_HEADER_WIDTH, _CELL_HEIGHT, row, border=1, align="C", fill=True)
        pdf.set_font("Courier", style="B", size=14)
        for column in COLUMNS:
            pdf.cell(_CELL_WIDTH, _CELL_HEIGHT, cells[f"{row}{column}"], border=1, align="C")
        pdf.ln(_CELL_HEIGHT)

    pdf.ln(8)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, INSTRUCTIONS, align="L")
    return bytes(pdf.output())


def render_card_text(cells: Mapping[str, str]) -> str:
    """The card's grid as aligned monospace text, one line per row under a column header."""
    _require_full_grid(cells)
    lines = ["   " + "".join(f"{column:^6}" for column in COLUMNS)]
    for row in ROWS:
        lines.append(f"{row}  " + "".join(f"{cells[f'{row}{c}']:^6}" for c in COLUMNS))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _require_full_grid(cells: Mapping[str, str]) -> None:
    missing = [f"{r}{c}" for r in ROWS for c in COLUMNS if f"{r}{c}" not in cells]
    if missing:
        raise ValueError(f"the card is missing cells: {', '.join(missing[:5])}")


def _latin1(text: str) -> str:
    # The PDF's built-in fonts cover Latin-1 only; anything else prints as "?".
    return text.encode("latin-1", "replace").decode("latin-1")
