"""What the assistant understood: one typed intent per request, as the API returns it.

An order is never placed, changed or cancelled from here: ``OrderPreview``,
``ModifyOrder``, ``CancelOrder`` and ``ClosePosition`` always ask the user to confirm first
(``confirm_required`` is always true).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class AccountField(StrEnum):
    """Account figures, named by their IBKR ``portfolio/{acct}/summary`` keys."""

    NET_LIQUIDATION = "netliquidation"
    BUYING_POWER = "buyingpower"
    CASH = "totalcashvalue"
    AVAILABLE_FUNDS = "availablefunds"
    EXCESS_LIQUIDITY = "excessliquidity"
    CUSHION = "cushion"
    DAY_PNL = "daypnl"


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    MARKET = "MKT"
    LIMIT = "LMT"
    STOP = "STP"
    STOP_LIMIT = "STOP_LIMIT"


class TimeInForce(StrEnum):
    DAY = "DAY"
    GTC = "GTC"


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Quote:
    symbols: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"intent": "quote", "symbols": list(self.symbols)}


@dataclass(frozen=True)
class AccountQuestion:
    field: AccountField

    def to_dict(self) -> dict[str, object]:
        return {"intent": "account", "field": self.field.value}


@dataclass(frozen=True)
class Positions:
    symbol: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"intent": "positions", "symbol": self.symbol}


@dataclass(frozen=True)
class OpenOrders:
    def to_dict(self) -> dict[str, object]:
        return {"intent": "orders"}


@dataclass(frozen=True)
class OrderPreview:
    """An order to preview (what-if) and then confirm; never placed without confirmation."""

    side: Side
    symbol: str
    order_type: OrderType
    quantity: Decimal | None = None
    cash_quantity: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    tif: TimeInForce = TimeInForce.DAY

    def to_dict(self) -> dict[str, object]:
        return {
            "intent": "order",
            "side": self.side.value,
            "symbol": self.symbol,
            "order_type": self.order_type.value,
            "quantity": _number(self.quantity),
            "cash_quantity": _number(self.cash_quantity),
            "limit_price": _number(self.limit_price),
            "stop_price": _number(self.stop_price),
            "tif": self.tif.value,
            "confirm_required": True,
        }


@dataclass(frozen=True)
class CancelOrder:
    """Cancel the working orders of ``symbol`` (all of them when ``symbol`` is None), after
    the user confirms which."""

    symbol: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"intent": "cancel_order", "symbol": self.symbol, "confirm_required": True}


@dataclass(frozen=True)
class ModifyOrder:
    """Change the working order of ``symbol``: its limit (or stop) price and/or its size,
    after the user confirms the change."""

    symbol: str
    price: Decimal | None = None
    quantity: Decimal | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "intent": "modify_order",
            "symbol": self.symbol,
            "price": _number(self.price),
            "quantity": _number(self.quantity),
            "confirm_required": True,
        }


@dataclass(frozen=True)
class ClosePosition:
    """Close the position in ``symbol`` at market: previewed like any order, then confirmed."""

    symbol: str

    def to_dict(self) -> dict[str, object]:
        return {"intent": "close_position", "symbol": self.symbol, "confirm_required": True}


@dataclass(frozen=True)
class Help:
    message: str
    examples: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"intent": "help", "message": self.message, "examples": list(self.examples)}


@dataclass(frozen=True)
class NotUnderstood:
    """A request the assistant could not read, with what it would understand instead."""

    message: str
    examples: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {"intent": "unknown", "message": self.message, "examples": list(self.examples)}


Intent = (
    Quote
    | AccountQuestion
    | Positions
    | OpenOrders
    | OrderPreview
    | CancelOrder
    | ModifyOrder
    | ClosePosition
    | Help
    | NotUnderstood
)
