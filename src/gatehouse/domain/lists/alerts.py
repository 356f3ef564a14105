"""Price alerts: "tell me once when AAPL trades at or above 240".

An alert is armed until the last price first meets its condition; then it is triggered
(once, for good) with the price and instant that triggered it. Requests come in Gatehouse's
own JSON (``conid``, ``operator``, ``price``) or IBKR's ``iserver/account/{acct}/alert`` body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.instruments import by_conid
from gatehouse.domain.trading.market_requests import parse_conid

MAX_ARMED_ALERTS = 200
MAX_NAME = 64
_MAX_PRICE = Decimal("1000000")


class AlertOperator(StrEnum):
    AT_OR_ABOVE = ">="
    AT_OR_BELOW = "<="


@dataclass(frozen=True, slots=True)
class AlertRequest:
    conid: int
    operator: AlertOperator
    price: Decimal
    name: str = ""


@dataclass(slots=True)
class PriceAlert:
    user_id: int
    account: str
    conid: int
    operator: AlertOperator
    price: Decimal
    name: str
    created_at: datetime
    triggered_at: datetime | None = None
    triggered_price: Decimal | None = None
    id: int | None = None

    @property
    def armed(self) -> bool:
        return self.triggered_at is None

    def is_met(self, last: Decimal) -> bool:
        if self.operator is AlertOperator.AT_OR_ABOVE:
            return last >= self.price
        return last <= self.price

    def view(self) -> dict[str, object]:
        """The alert in Gatehouse's JSON."""
        return {
            "id": self.id,
            "account": self.account,
            "conid": self.conid,
            "symbol": by_conid(self.conid).symbol,
            "operator": self.operator.value,
            "price": str(self.price),
            "name": self.name,
            "status": "armed" if self.armed else "triggered",
            "created_at": self.created_at.isoformat(),
            "triggered_at": self.triggered_at.isoformat() if self.triggered_at else None,
            "triggered_price": str(self.triggered_price) if self.triggered_price else None,
        }


def parse_operator(value: object) -> AlertOperator:
    if isinstance(value, str) and value.strip() in (">=", "<="):
        return AlertOperator(value.strip())
    raise InvalidInput('\'operator\' must be ">=" or "<=".', field="operator")


def parse_price(value: object, *, field: str = "price") -> Decimal:
    """A positive price with at most 4 decimals, below a million."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"'{field}' must be a price.", field=field)
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"'{field}' must be a price.", field=field) from None
    exponent = price.as_tuple().exponent
    if (
        not price.is_finite()
        or not 0 < price < _MAX_PRICE
        or not isinstance(exponent, int)
        or exponent < -4
    ):
        raise InvalidInput(
            f"'{field}' must be a positive price below 1,000,000 with at most 4 decimals.",
            field=field,
        )
    return price.normalize() if exponent < -2 else price


def check_name(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_NAME or not value.isprintable():
        raise InvalidInput(f"An alert name is text of at most {MAX_NAME} characters.")
    return value.strip()


def parse_request(body: Mapping[str, object]) -> AlertRequest:
    """Gatehouse's ``{"conid", "operator", "price", "name"?}``."""
    return AlertRequest(
        conid=parse_conid(body.get("conid")),
        operator=parse_operator(body.get("operator")),
        price=parse_price(body.get("price")),
        name=check_name(body.get("name")),
    )


def parse_ibkr_request(body: Mapping[str, object]) -> AlertRequest:
    """IBKR's alert body with one price condition (``type`` 1), not repeatable.

    ``{"alertName", "alertRepeatable": 0, "conditions": [{"conidex": "265598@SMART",
    "type": 1, "operator": ">=", "value": "240", ...}], ...}``; other keys are ignored.
    """
    conditions = body.get("conditions")
    if not isinstance(conditions, list) or len(conditions) != 1:
        raise InvalidInput("An alert needs exactly one condition.", field="conditions")
    condition = conditions[0]
    if not isinstance(condition, dict):
        raise InvalidInput("A condition is an object.", field="conditions")
    if str(condition.get("type", 1)) != "1":
        raise InvalidInput("Only price conditions (type 1) are supported.", field="conditions")
    if body.get("alertRepeatable") not in (None, 0, "0", False):
        raise InvalidInput("Repeating alerts are not supported.", field="alertRepeatable")
    return AlertRequest(
        conid=parse_conid(condition.get("conidex", condition.get("conid")), field="conidex"),
        operator=parse_operator(condition.get("operator")),
        price=parse_price(condition.get("value"), field="value"),
        name=check_name(body.get("alertName")),
    )
