"""Instants as the command line shows them: UTC, to the second or the minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from gatehouse.clients.display import when


def test_instants_are_shown_in_utc_and_other_values_are_not_instants() -> None:
    at = datetime(2026, 12, 5, 19, 35, 53, 123456, tzinfo=UTC)
    assert when(at) == "2026-12-05 19:35:53"
    assert when(at.isoformat()) == "2026-12-05 19:35:53"
    assert when("2026-12-05T19:35:53.1") == "2026-12-05 19:35:53"  # as SQLite keeps them
    new_york = at.astimezone(timezone(timedelta(hours=-5))).isoformat()
    assert when(new_york, seconds=False) == "2026-12-05 19:35"
    for not_one in ("2026-12-05", "U1234567", "2026-12-05 is a date", None, 17, "x" * 20):
        assert when(not_one) is None
