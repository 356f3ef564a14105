"""How the command line shows values to people (the ``gatehouse`` commands and the clients')."""

from __future__ import annotations

from datetime import UTC, datetime


def when(value: object, *, seconds: bool = True) -> str | None:
    """An instant — a ``datetime`` or an ISO 8601 date and time — as people read it, in UTC:
    ``2026-12-05 19:35:53`` (to the minute with ``seconds=False``). None when ``value`` is not
    one (a date alone is not an instant)."""
    if isinstance(value, str):
        if len(value) < 16 or value[10:11] != "T":
            return None
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
