"""Quote helpers: mid, spread, mark, change and change percent."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from gatehouse.domain.trading.quotes import Bar, Quote

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def quote(bid: str, ask: str, last: str, prior_close: str = "100.00") -> Quote:
    return Quote(
        conid=265598,
        bid=Decimal(bid),
        ask=Decimal(ask),
        bid_size=100,
        ask_size=200,
        last=Decimal(last),
        last_size=100,
        volume=1000,
        open=Decimal("100.00"),
        high=Decimal("103.00"),
        low=Decimal("99.00"),
        close=Decimal(last),
        prior_close=Decimal(prior_close),
        at=AT,
    )


def test_mid_and_spread() -> None:
    q = quote("101.00", "101.03", "101.02")
    assert q.mid == Decimal("101.015")
    assert q.spread == Decimal("0.03")


def test_change_against_prior_close() -> None:
    q = quote("101.00", "101.03", "101.50")
    assert q.change == Decimal("1.50")
    assert q.change_pct == Decimal("1.50")
    down = quote("98.00", "98.02", "98.01", prior_close="99.00")
    assert down.change == Decimal("-0.99")
    assert down.change_pct == Decimal("-1.00")


def test_change_pct_without_prior_close_is_zero() -> None:
    assert quote("1.00", "1.01", "1.00", prior_close="0").change_pct == Decimal("0.00")


def test_mark_is_last_inside_the_spread_else_mid() -> None:
    assert quote("101.00", "101.04", "101.01").mark == Decimal("101.01")
    assert quote("101.00", "101.04", "105.00").mark == Decimal("101.02")


def test_bar_fields() -> None:
    bar = Bar(t=AT, o=Decimal(1), h=Decimal(2), l=Decimal("0.5"), c=Decimal("1.5"), v=300)
    assert (bar.o, bar.h, bar.l, bar.c, bar.v) == (1, 2, Decimal("0.5"), Decimal("1.5"), 300)
