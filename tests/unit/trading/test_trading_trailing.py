"""Trailing stops: where the stop sits, that it only ever tightens, and when it triggers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gatehouse.domain.trading.matching import stop_touched
from gatehouse.domain.trading.orders import OrderType, Side, TrailType, new_order
from gatehouse.domain.trading.quotes import Quote
from gatehouse.domain.trading.trailing import ratchet, trail_distance, trailing_stop

D = Decimal
NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
prices = st.decimals(min_value=D("1.00"), max_value=D("500.00"), places=2)


def quote(last: Decimal) -> Quote:
    return Quote(conid=1, bid=last - D("0.01"), ask=last + D("0.01"), bid_size=100,
                 ask_size=100, last=last, last_size=100, volume=1, open=last, high=last,
                 low=last, close=last, prior_close=last, at=NOW)  # fmt: skip


def trail(side: Side, amount: str, kind: TrailType, stop: str, limit: str | None = None):
    return new_order(
        order_id="1", account_id="DU1", conid=1, side=side,
        order_type=OrderType.TRAILLMT if limit else OrderType.TRAIL, quantity=D(100),
        stop_price=D(stop), limit_price=D(limit) if limit else None,
        trailing_amount=D(amount), trailing_type=kind, now=NOW,
    )  # fmt: skip


def test_distance_is_the_amount_or_a_percentage_of_the_price() -> None:
    assert trail_distance(D("200"), D("1.5"), TrailType.AMOUNT) == D("1.5")
    assert trail_distance(D("200"), D("2"), TrailType.PERCENT) == D("4.00")
    assert trail_distance(D("33.33"), D("1"), TrailType.PERCENT) == D("0.33")


def test_a_sell_stop_follows_the_price_up_and_never_down() -> None:
    order = trail(Side.SELL, "1", TrailType.AMOUNT, stop="99")
    assert ratchet(order, D("102"), now=NOW) and order.stop_price == D("101")
    assert not ratchet(order, D("101.50"), now=NOW) and order.stop_price == D("101")
    assert not stop_touched(order, quote(D("101.50")))
    assert stop_touched(order, quote(D("101.00")))  # the price fell back to the stop


def test_a_buy_stop_follows_the_price_down_and_a_trailing_limit_keeps_its_offset() -> None:
    order = trail(Side.BUY, "5", TrailType.PERCENT, stop="105", limit="106")
    assert ratchet(order, D("90"), now=NOW)
    assert order.stop_price == D("94.50") and order.limit_price == D("95.50")
    assert not ratchet(order, D("95"), now=NOW) and order.stop_price == D("94.50")
    assert stop_touched(order, quote(D("94.60")))  # the ask reached the stop


def test_a_triggered_trail_no_longer_moves() -> None:
    order = trail(Side.SELL, "1", TrailType.AMOUNT, stop="99")
    order.stop_triggered = True
    assert not ratchet(order, D("150"), now=NOW) and order.stop_price == D("99")


@given(
    side=st.sampled_from(Side),
    kind=st.sampled_from(TrailType),
    amount=st.decimals(min_value=D("0.01"), max_value=D("20"), places=2),
    path=st.lists(prices, min_size=1, max_size=40),
)
def test_the_stop_only_tightens_and_sits_one_trail_from_the_best_price(
    side: Side, kind: TrailType, amount: Decimal, path: list[Decimal]
) -> None:
    stop = None
    for price in path:
        new = trailing_stop(side, price, amount, kind, stop)
        if stop is not None:  # a sell stop never falls, a buy stop never rises
            assert new >= stop if side is Side.SELL else new <= stop
        stop = new
    assert stop is not None
    expected = (
        max(max(p - trail_distance(p, amount, kind), D("0.01")) for p in path)
        if side is Side.SELL
        else min(p + trail_distance(p, amount, kind) for p in path)
    )
    assert stop == expected
