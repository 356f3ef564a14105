"""The command line's tables: words for people, and what users typed shown as typed."""

from __future__ import annotations

from rich.console import Console

from gatehouse.cli.common import record_table, rows_table

TYPED = {"subject": "[red]urgent[/red] [link=https://example.com]click[/link]"}
ADDRESS = "2001:db8::1234:5678"  # ":1234:" is an emoji code to Rich


def shown(table: object) -> str:
    console = Console(width=160, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def test_cells_are_plain_text_never_markup_or_emoji() -> None:
    rows = [{"at": "2026-12-05T19:35:53.123+00:00", "address": ADDRESS, **TYPED, "ok": True}]
    table = shown(rows_table(rows, ["at", "address", "subject", "ok", "empty"]))
    assert ADDRESS in table and TYPED["subject"] in table and "🔢" not in table
    assert "2026-12-05 19:35:53" in table and "yes" in table
    assert "empty" not in table  # a column with nothing in it is left out
    record = shown(record_table({"address": ADDRESS, **TYPED, "card": None}))
    assert ADDRESS in record and TYPED["subject"] in record and "🔢" not in record
