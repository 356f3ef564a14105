"""Security code card documents: a valid PDF that carries every cell, and an aligned text grid."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gatehouse.adapters.documents.card_pdf import render_card_pdf, render_card_text
from gatehouse.domain.identity.factors import card
from gatehouse.domain.randomness import SeededTokens

ISSUED = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


@pytest.fixture
def cells() -> dict[str, str]:
    return card.issue_card(tokens=SeededTokens(17))


def page_text(pdf: bytes) -> str:
    """The page content streams, inflated: enough to find the strings the page draws."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.DOTALL)
    parts = []
    for raw in streams:
        try:
            parts.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            parts.append(raw.decode("latin-1"))
    return "\n".join(parts)


def test_pdf_is_a_complete_pdf_document(cells: dict[str, str]) -> None:
    pdf = render_card_pdf(cells, username="alice", card_id="CARD-0001", issued_at=ISSUED)
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4 in points
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1  # one page


def test_pdf_draws_heading_owner_and_every_cell(cells: dict[str, str]) -> None:
    pdf = render_card_pdf(cells, username="alice", card_id="CARD-0001", issued_at=ISSUED)
    drawn = page_text(pdf)
    for expected in ("Gatehouse security code card", "alice", "CARD-0001", "2026-01-05"):
        assert f"({expected})" in drawn
    for value in cells.values():
        assert f"({value})" in drawn
    for label in card.ROWS:
        assert f"({label})" in drawn
    assert "(10)" in drawn
    assert "Each cell is asked once" in drawn


def test_pdf_differs_per_card() -> None:
    one = render_card_pdf(
        card.issue_card(tokens=SeededTokens(1)), username="a", card_id="c", issued_at=ISSUED
    )
    two = render_card_pdf(
        card.issue_card(tokens=SeededTokens(2)), username="a", card_id="c", issued_at=ISSUED
    )
    assert one != two


def test_pdf_accepts_a_username_outside_latin1(cells: dict[str, str]) -> None:
    pdf = render_card_pdf(cells, username="Ωmega-用户", card_id="C-2", issued_at=ISSUED)
    assert pdf.startswith(b"%PDF")
    assert "(?mega-??)" in page_text(pdf)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_extracts_with_a_real_reader(cells: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "card.pdf"
    path.write_bytes(
        render_card_pdf(cells, username="alice", card_id="CARD-0001", issued_at=ISSUED)
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Gatehouse security code card" in text
    assert "CARD-0001" in text
    for row in card.ROWS:
        line = next(ln for ln in text.splitlines() if ln.split()[:1] == [row])
        assert line.split()[1:] == [cells[f"{row}{c}"] for c in card.COLUMNS]


def test_text_grid_has_every_cell_in_its_row_and_column(cells: dict[str, str]) -> None:
    text = render_card_text(cells)
    lines = text.splitlines()
    assert lines[0].split() == [str(c) for c in card.COLUMNS]
    assert [line.split()[0] for line in lines[1:]] == list(card.ROWS)
    for line in lines[1:]:
        row, *values = line.split()
        assert values == [cells[f"{row}{c}"] for c in card.COLUMNS]


def test_text_grid_columns_line_up(cells: dict[str, str]) -> None:
    header, *rows = render_card_text(cells).splitlines()
    # Each value sits under its column number: the same character positions on every row.
    header_at = [m.start() for m in re.finditer(r"\d+", header)]
    for row, line in zip(card.ROWS, rows, strict=True):
        values_at = [m.start() for m in re.finditer(r"\S+", line)][1:]
        assert [line[at : at + 3] for at in values_at] == [cells[f"{row}{c}"] for c in card.COLUMNS]
        for number_at, value_at in zip(header_at, values_at, strict=True):
            assert 0 <= number_at - value_at <= 1


@pytest.mark.parametrize("render", ["pdf", "text"])
def test_an_incomplete_card_is_refused(cells: dict[str, str], render: str) -> None:
    del cells["J10"]
    with pytest.raises(ValueError, match="J10"):
        if render == "pdf":
            render_card_pdf(cells, username="a", card_id="c", issued_at=ISSUED)
        else:
            render_card_text(cells)
