"""Order precautions: the questions of IBKR's question/reply loop that an order must clear.

Texts embed the phrases IBKR clients (ibind's ``QuestionType``) match as substrings, and
carry IBKR's message ids, which users may suppress (``iserver/questions/suppress``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.matching import marketable
from gatehouse.domain.trading.orders import Order, OrderType, Side
from gatehouse.domain.trading.quotes import Quote

PRICE_PERCENTAGE_CONSTRAINT = "o163"
NO_MARKET_DATA = "o354"
TRIGGER_AND_FILL = "o403"
TOTAL_VALUE_LIMIT = "o451"
STOP_ORDER_RISKS = "o10331"

# The questions Gatehouse asks (any of them may be suppressed).
RAISED_MESSAGE_IDS = (
    PRICE_PERCENTAGE_CONSTRAINT,
    NO_MARKET_DATA,
    TRIGGER_AND_FILL,
    TOTAL_VALUE_LIMIT,
    STOP_ORDER_RISKS,
)
# IBKR's published list of suppressible message ids (the Client Portal API's "suppressible
# ids", as ibind ships them). A program suppresses its usual list at start-up, so every one
# is accepted; those Gatehouse never asks are kept and simply never come up.
IBKR_MESSAGE_IDS = (
    "o163", "o354", "o382", "o383", "o403", "o451", "o2136", "o2137", "o2165", "o10082",
    "o10138", "o10151", "o10152", "o10153", "o10164", "o10223", "o10288", "o10331", "o10332",
    "o10333", "o10334", "o10335", "p6", "p12",
)  # fmt: skip

DEFAULT_TOTAL_VALUE_LIMIT = Decimal(500_000)
DEFAULT_PRICE_PERCENTAGE = Decimal(3)
_CONFIRM = "\nAre you sure you want to submit this order?"


@dataclass(frozen=True, slots=True)
class Question:
    message_id: str
    text: str


def _describe(order: Order) -> str:
    instrument = find_conid(order.conid)
    symbol = instrument.symbol if instrument else str(order.conid)
    text = f"{order.side} {order.quantity} {symbol}"
    if order.limit_price is not None:
        text += f" @ {order.limit_price}"
    elif order.stop_price is not None:
        text += f" STP {order.stop_price}"
    return text


def _reference(quote: Quote) -> Decimal | None:
    if quote.last > 0:
        return quote.last
    if quote.bid > 0 and quote.ask > 0:
        return quote.mid
    return None


def _estimated_value(order: Order, quote: Quote | None) -> Decimal | None:
    price = order.limit_price or order.stop_price
    if price is None and quote is not None:
        touch = quote.ask if order.side is Side.BUY else quote.bid
        price = touch if touch > 0 else _reference(quote)
    return None if price is None else order.quantity * price


def order_questions(
    order: Order,
    quote: Quote | None,
    *,
    suppressed: Collection[str] = (),
    total_value_limit: Decimal = DEFAULT_TOTAL_VALUE_LIMIT,
    price_percentage: Decimal = DEFAULT_PRICE_PERCENTAGE,
) -> list[Question]:
    """The questions to ask, in order, before ``order`` is placed (empty: place it at once).

    ``quote`` is the instrument's current quote, ``None`` without market data. Ids in
    ``suppressed`` are skipped. Keep ``price_percentage`` at 3 for ibind, which matches
    the text "price exceeds the Percentage constraint of 3%".
    """
    questions: list[Question] = []
    description = _describe(order)

    if quote is None:
        questions.append(
            Question(
                NO_MARKET_DATA,
                "You are submitting an order without market data. We strongly recommend "
                "against this as it may result in erroneous and unexpected trades." + _CONFIRM,
            )
        )

    reference = None if quote is None else _reference(quote)
    if order.limit_price is not None and reference is not None:
        away = abs(order.limit_price - reference) * 100 / reference
        if away > price_percentage:
            percent = f"{price_percentage.normalize():f}"
            questions.append(
                Question(
                    PRICE_PERCENTAGE_CONSTRAINT,
                    f'The following order "{description}" price exceeds the Percentage '
                    f"constraint of {percent}%." + _CONFIRM,
                )
            )

    value = _estimated_value(order, quote)
    if value is not None and value > total_value_limit:
        questions.append(
            Question(
                TOTAL_VALUE_LIMIT,
                f'The following order "{description}" value estimate of {value:,.2f} USD '
                f"exceeds the Total Value Limit of {total_value_limit:,.0f} USD." + _CONFIRM,
            )
        )

    if order.is_stop:
        questions.append(
            Question(
                STOP_ORDER_RISKS,
                "You are about to submit a stop order. Please be aware of the various stop "
                "order types available and the risks associated with each one." + _CONFIRM,
            )
        )

    if order.order_type is not OrderType.MKT and quote is not None and marketable(order, quote):
        questions.append(
            Question(
                TRIGGER_AND_FILL,
                "This order will most likely trigger and fill immediately." + _CONFIRM,
            )
        )

    skip = set(suppressed)
    return [q for q in questions if q.message_id not in skip]
