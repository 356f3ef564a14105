"""How numbers and times read on screen: money with separators, signed changes, prices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def number(value: Any) -> float | None:
    """A float from an IBKR value (``"229.80"``, ``229.8``, ``{"amount": …}``), else None."""
    if isinstance(value, dict):
        value = value.get("amount")
    if value is None or value == "":
        return None
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def money(value: Any, *, signed: bool = False) -> str:
    found = number(value)
    if found is None:
        return "—"
    text = f"{found:+,.2f}" if signed else f"{found:,.2f}"
    return text


def price(value: Any) -> str:
    found = number(value)
    return "—" if found is None else f"{found:,.2f}"


def percent(value: Any, *, ratio: bool = False) -> str:
    """``"1.10"`` → ``+1.10%``; with ``ratio`` 0.25 → ``25.0%``."""
    found = number(value)
    if found is None:
        return "—"
    return f"{found * 100:.1f}%" if ratio else f"{found:+.2f}%"


def quantity(value: Any) -> str:
    found = number(value)
    if found is None:
        return "—"
    return f"{found:,.0f}" if found == int(found) else f"{found:,.4f}"


def clock_time(epoch_ms: Any) -> str:
    found = number(epoch_ms)
    if found is None:
        return "—"
    return datetime.fromtimestamp(found / 1000, UTC).strftime("%H:%M:%S")


def countdown(seconds: float) -> str:
    """``125`` → ``2:05``."""
    whole = max(0, int(seconds + 0.999))
    minutes, rest = divmod(whole, 60)
    return f"{minutes}:{rest:02d}"
