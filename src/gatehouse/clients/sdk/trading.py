"""Orders through the SDK: placing with IBKR's question/reply loop, what-if, modify, cancel.

``place`` answers the questions the server asks (``o163`` price far from the market, ...)
with ``answers`` — True confirms all, or a function deciding per question — and returns the
placed orders. Live orders, order status and trades are IBKR's own (wide) dicts.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from gatehouse.clients.sdk.transport import Transport


class OrderTicket(TypedDict):
    """One order of an IBKR order body (docs/brokerage.md); extra IBKR keys pass through."""

    conid: int
    side: str  # BUY or SELL
    orderType: str  # MKT, LMT, STP, STP_LIMIT
    quantity: NotRequired[float]
    cashQty: NotRequired[float]
    price: NotRequired[float]
    auxPrice: NotRequired[float]
    tif: NotRequired[str]  # DAY (default), GTC, IOC
    cOID: NotRequired[str]


@dataclass(frozen=True)
class Question:
    """A question the server asks before placing (``reply_id`` answers it)."""

    reply_id: str
    messages: tuple[str, ...]
    message_ids: tuple[str, ...]

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Question:
        return cls(
            reply_id=str(body["id"]),
            messages=tuple(str(m) for m in body.get("message") or ()),
            message_ids=tuple(str(m) for m in body.get("messageIds") or ()),
        )


@dataclass(frozen=True)
class PlacedOrder:
    """An order the server accepted: its id and status (``Submitted``, ``Filled``, ...)."""

    order_id: str
    status: str
    local_order_id: str | None = None
    text: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> PlacedOrder:
        local, text = body.get("local_order_id"), body.get("text")
        return cls(
            order_id=str(body["order_id"]),
            status=str(body.get("order_status", "")),
            local_order_id=str(local) if local is not None else None,
            text=str(text) if text is not None else None,
            raw=dict(body),
        )


Step = Question | list[PlacedOrder]
Answer = Callable[[Question], bool | Awaitable[bool]]


def parse_step(body: object) -> Step:
    """A placement answer: the next question, or the placed orders (none when declined)."""
    first = body[0] if isinstance(body, list) and body else None
    if isinstance(first, dict) and "id" in first and "order_id" not in first:
        return Question.from_json(first)
    if isinstance(body, list):
        return [PlacedOrder.from_json(row) for row in body if isinstance(row, dict)]
    return []  # {"confirmed": false, ...}: nothing was placed


class Orders:
    """``iserver/account/.../orders``, ``iserver/reply``, order status, trades."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def submit(self, account: str, orders: Sequence[OrderTicket | Mapping[str, Any]]) -> Step:
        """One step: send the orders; the answer is a question or the placed orders."""
        body = await self._t.request(
            "POST", f"/iserver/account/{account}/orders", json={"orders": list(orders)}
        )
        return parse_step(body)

    async def reply(self, reply_id: str, confirmed: bool = True) -> Step:
        """Answer a question: the next question, the placed orders, or ``[]`` if declined."""
        body = await self._t.request(
            "POST", f"/iserver/reply/{reply_id}", json={"confirmed": confirmed}
        )
        return parse_step(body)

    async def answer_all(self, step: Step, answers: bool | Answer = True) -> list[PlacedOrder]:
        """Run the question loop from ``step`` to the placed orders (``[]`` if declined)."""
        while isinstance(step, Question):
            decided = answers if isinstance(answers, bool) else answers(step)
            if inspect.isawaitable(decided):
                decided = await decided
            step = await self.reply(step.reply_id, bool(decided))
        return step

    async def place(
        self,
        account: str,
        orders: OrderTicket | Mapping[str, Any] | Sequence[OrderTicket | Mapping[str, Any]],
        answers: bool | Answer = True,
    ) -> list[PlacedOrder]:
        """Place one order (or several, checked together), answering the server's questions.

        ``answers``: True confirms every question, False declines the first, or a function
        (sync or async) of a :class:`Question` returning whether to confirm it.
        """
        batch = [orders] if isinstance(orders, Mapping) else list(orders)
        return await self.answer_all(await self.submit(account, batch), answers)

    async def modify(
        self,
        account: str,
        order_id: str,
        changes: Mapping[str, Any],
        answers: bool | Answer = True,
    ) -> list[PlacedOrder]:
        """Change a working order (missing keys keep their values), through the same loop."""
        body = await self._t.request(
            "POST", f"/iserver/account/{account}/order/{order_id}", json=dict(changes)
        )
        return await self.answer_all(parse_step(body), answers)

    async def cancel(self, account: str, order_id: str) -> dict[str, Any]:
        """Cancel a working order (``-1``: every working order of the account)."""
        body: dict[str, Any] = await self._t.request(
            "DELETE", f"/iserver/account/{account}/order/{order_id}"
        )
        return body

    async def whatif(
        self, account: str, orders: OrderTicket | Mapping[str, Any] | Sequence[Any]
    ) -> dict[str, Any]:
        """The preview: ``amount``, ``equity``/``initial``/``maintenance``, ``warn``, ``error``."""
        batch = [orders] if isinstance(orders, Mapping) else list(orders)
        body: dict[str, Any] = await self._t.request(
            "POST", f"/iserver/account/{account}/orders/whatif", json={"orders": batch}
        )
        return body

    async def live(
        self, account: str | None = None, filters: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """Working orders and those changed since the last close (optionally by status)."""
        params = {"accountId": account, "filters": ",".join(filters) or None}
        body = await self._t.request("GET", "/iserver/account/orders", params=params)
        return list(body.get("orders", []))

    async def status(self, order_id: str) -> dict[str, Any]:
        """IBKR's order status (``order_status``, ``cum_fill``, ``average_price``, ...)."""
        body: dict[str, Any] = await self._t.request(
            "GET", f"/iserver/account/order/status/{order_id}"
        )
        return body

    async def trades(self, days: int = 1, account: str | None = None) -> list[dict[str, Any]]:
        """Executions of the last ``days`` (1-7), newest first."""
        params = {"days": days, "accountId": account}
        return list(await self._t.request("GET", "/iserver/account/trades", params=params))

    async def suppress(self, message_ids: Sequence[str]) -> None:
        """Stop asking these questions (e.g. ``["o163"]``) for the user."""
        await self._t.request(
            "POST", "/iserver/questions/suppress", json={"messageIds": list(message_ids)}
        )

    async def reset_suppressed(self) -> None:
        """Ask every question again."""
        await self._t.request("POST", "/iserver/questions/suppress/reset")
