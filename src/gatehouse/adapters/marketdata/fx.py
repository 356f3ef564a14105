"""Simulated foreign-exchange rates: each USD pair drifts a little around a realistic level,
as a pure function of (seed, pair, minute), so every node quotes the same rate."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from gatehouse.adapters.marketdata.price_path import uniform
from gatehouse.domain.errors import InvalidInput

# Units of each currency one US dollar buys, at the simulator's reference level.
PER_USD: dict[str, Decimal] = {
    "USD": Decimal(1),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "JPY": Decimal("151.40"),
    "CHF": Decimal("0.88"),
    "CAD": Decimal("1.36"),
    "AUD": Decimal("1.52"),
    "HKD": Decimal("7.82"),
}
_SALT_FX = 11


def _per_usd(currency: str, at: datetime, seed: int) -> Decimal:
    if currency == "USD":
        return Decimal(1)
    code = int.from_bytes(currency.encode(), "big")
    minute = int(at.timestamp()) // 60
    day, within = minute // 1440, minute % 1440
    drift = uniform(seed, code, day, _SALT_FX) - 0.5  # ±0.5% a day
    wiggle = uniform(seed, code, day, within, _SALT_FX) - 0.5  # ±0.05% a minute
    factor = Decimal(1 + drift / 100 + wiggle / 1000).quantize(Decimal("0.000001"))
    return PER_USD[currency] * factor


def fx_rate(source: str, target: str, at: datetime, *, seed: int) -> Decimal:
    """Units of ``target`` one unit of ``source`` buys at ``at`` (6 significant decimals)."""
    for currency in (source, target):
        if currency not in PER_USD:
            raise InvalidInput(
                f"Unknown currency {currency!r}; known: {', '.join(sorted(PER_USD))}.",
                field="currency",
            )
    rate = _per_usd(target, at, seed) / _per_usd(source, at, seed)
    return rate.quantize(Decimal("0.000001")) if rate < 1000 else rate.quantize(Decimal("0.01"))
