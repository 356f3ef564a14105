"""The gateway's map of orders: a TWS client's (clientId, orderId) ↔ Gatehouse's order id
(and its ``cOID``, ``tws-<clientId>-<orderId>-<run>``), permIds, and each order's fills.
Gatehouse's live-order JSON and execution events become the TWS records here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gatehouse.clients.gateway.tws.contracts import ContractBook
from gatehouse.clients.gateway.tws.model import ApiExecution, ApiOrder

_ORDER_TYPES_OUT = {
    "Market": "MKT",
    "Limit": "LMT",
    "Stop": "STP",
    "Stop Limit": "STP LMT",
    "MARKET": "MKT",
    "LIMIT": "LMT",
    "STOP": "STP",
    "STOP_LIMIT": "STP LMT",
    "Trail": "TRAIL",
    "TRAIL": "TRAIL",
    "Trail Limit": "TRAIL LIMIT",
    "TRAILLMT": "TRAIL LIMIT",
}
ACTIVE = {"PendingSubmit", "PreSubmitted", "Submitted", "PendingCancel"}
_REF = re.compile(r"^tws-(\d+)-(\d+)-[0-9a-z]+$")


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_ref(ref: str | None) -> tuple[int, int] | None:
    """(clientId, orderId) of a cOID this gateway wrote, else None."""
    match = _REF.match(ref or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


class OrderBook:
    def __init__(self, contracts: ContractBook, run: str) -> None:
        self.contracts = contracts
        self.run = run
        self._by_key: dict[tuple[int, int], ApiOrder] = {}
        self._by_gatehouse: dict[str, ApiOrder] = {}
        self._fills: dict[str, list[ApiExecution]] = {}  # Gatehouse order id → its fills
        self._seen_exec: set[str] = set()
        self.next_ids: dict[int, int] = {}  # clientId → highest orderId seen

    def ref_for(self, client_id: int, order_id: int) -> str:
        return f"tws-{client_id}-{order_id}-{self.run}"

    def get(self, client_id: int, order_id: int) -> ApiOrder | None:
        return self._by_key.get((client_id, order_id))

    def by_gatehouse(self, gatehouse_id: str) -> ApiOrder | None:
        return self._by_gatehouse.get(gatehouse_id)

    def orders(self) -> list[ApiOrder]:
        return list(self._by_gatehouse.values())

    def remember(self, order: ApiOrder) -> None:
        if order.order_id > 0:
            self._by_key[(order.client_id, order.order_id)] = order
            high = self.next_ids.get(order.client_id, 0)
            self.next_ids[order.client_id] = max(high, order.order_id)
        if order.gatehouse_id:
            self._by_gatehouse[order.gatehouse_id] = order

    def forget(self, order: ApiOrder) -> None:
        """Drop an order Gatehouse refused (its id may be used again)."""
        if self._by_key.get((order.client_id, order.order_id)) is order:
            del self._by_key[(order.client_id, order.order_id)]

    def next_id(self, client_id: int) -> int:
        return self.next_ids.get(client_id, 0) + 1

    def apply_view(self, view: Mapping[str, Any]) -> ApiOrder:
        """The TWS record of a Gatehouse live-order object (an ``order.*`` event's data)."""
        gatehouse_id = str(view.get("orderId", ""))
        order = self._by_gatehouse.get(gatehouse_id)
        if order is None:
            ids = parse_ref(view.get("order_ref"))
            if ids is not None:
                order = self._by_key.get(ids)
        conid = int(view.get("conid") or 0)
        contract = self.contracts.cached(
            conid, str(view.get("ticker") or ""), str(view.get("listingExchange") or "")
        )
        order_type = _ORDER_TYPES_OUT.get(str(view.get("orderType")), "MKT")
        price, aux = _number(view.get("price")), _number(view.get("auxPrice"))
        lmt = price if order_type in ("LMT", "STP LMT", "TRAIL LIMIT") else None
        stop = aux if order_type in ("STP LMT", "TRAIL LIMIT") else price
        stop = stop if order_type != "LMT" else None
        total = _number(view.get("totalSize")) or 0.0
        filled = _number(view.get("filledQuantity")) or 0.0
        status = str(view.get("status") or "Submitted")
        if order is None:
            ids = parse_ref(view.get("order_ref")) or (0, 0)
            order = ApiOrder(
                order_id=ids[1],
                client_id=ids[0],
                perm_id=_perm_id(gatehouse_id),
                contract=contract,
                action=str(view.get("side") or "BUY"),
                quantity=total,
                order_type=order_type,
                lmt_price=lmt,
                aux_price=stop,
                tif=str(view.get("timeInForce") or "DAY"),
                account=str(view.get("acct") or ""),
                order_ref=str(view.get("order_ref") or ""),
            )
        order.gatehouse_id = gatehouse_id
        order.perm_id = _perm_id(gatehouse_id)
        order.contract = contract
        order.quantity, order.lmt_price, order.aux_price = total, lmt, stop
        self._links(order, view)
        _trailing(order, view, stop)
        order.order_type = order_type
        order.tif = str(view.get("timeInForce") or order.tif)
        order.status = status
        order.filled = filled
        order.remaining = max(total - filled, 0.0) if status in ACTIVE else 0.0
        order.avg_fill_price = _number(view.get("avgPrice")) or order.avg_fill_price
        order.why_held = ""
        if status not in ACTIVE:
            order.completed_time = _completed_time(view.get("lastExecutionTime_r"))
            order.completed_status = str(view.get("text") or status)
        self.remember(order)
        return order

    def _links(self, order: ApiOrder, view: Mapping[str, Any]) -> None:
        """parentId as the client's id of the parent (0 when it is not a TWS order of the
        same client); ocaGroup as Gatehouse named it (``B<id>`` for a bracket's children)."""
        parent = self._by_gatehouse.get(str(view.get("parentId") or ""))
        if parent is not None and parent.client_id == order.client_id:
            order.parent_id = parent.order_id
        order.oca_group = str(view.get("ocaGroup") or "")
        order.oca_type = 1 if order.oca_group else 0
        order.outside_rth = bool(view.get("outsideRTH"))

    def apply_execution(self, data: Mapping[str, Any]) -> tuple[ApiOrder | None, ApiExecution]:
        """The TWS execution of an ``execution.created`` event (and its order, if known)."""
        gatehouse_id = str(data.get("order_id", ""))
        order = self._by_gatehouse.get(gatehouse_id)
        conid = int(data.get("conid") or 0)
        contract = order.contract if order else self.contracts.cached(conid, str(data["symbol"]))
        fills = self._fills.setdefault(gatehouse_id, [])
        for known in fills:
            if known.exec_id == str(data.get("execution_id")):
                return order, known
        shares = float(data.get("size") or 0)
        price = float(data.get("price") or 0)
        cum = sum(f.shares for f in fills) + shares
        value = sum(f.shares * f.price for f in fills) + shares * price
        ids = parse_ref(data.get("order_ref"))
        execution = ApiExecution(
            exec_id=str(data["execution_id"]),
            order_id=order.order_id if order else (ids[1] if ids else 0),
            client_id=order.client_id if order else (ids[0] if ids else 0),
            perm_id=_perm_id(gatehouse_id),
            contract=contract,
            time=_exec_time(data.get("trade_time_r"), data.get("trade_time")),
            account=str(data.get("account") or (order.account if order else "")),
            exchange=contract.primary_exchange or "SMART",
            side="BOT" if str(data.get("side", "B")).upper().startswith("B") else "SLD",
            shares=shares,
            price=price,
            cum_qty=cum,
            avg_price=round(value / cum, 6) if cum else 0.0,
            order_ref=str(data.get("order_ref") or ""),
            commission=float(data.get("commission") or 0),
        )
        self._seen_exec.add(execution.exec_id)
        fills.append(execution)
        if order is not None:
            order.last_fill_price = price
        return order, execution

    def seen(self, exec_id: str) -> bool:
        return exec_id in self._seen_exec


def _trailing(order: ApiOrder, view: Mapping[str, Any], stop: float | None) -> None:
    """A trailing order as TWS shows it: auxPrice the trail in money (or trailingPercent),
    trailStopPrice the stop now, a TRAIL LIMIT's lmtPriceOffset its limit's distance."""
    order.trailing_percent = order.trail_stop_price = order.lmt_price_offset = None
    if not order.order_type.startswith("TRAIL"):
        return
    amount = _number(view.get("trailingAmount"))
    percent = str(view.get("trailingType")) == "%"
    order.aux_price = None if percent else amount
    order.trailing_percent = amount if percent else None
    order.trail_stop_price = stop
    if order.order_type == "TRAIL LIMIT" and stop is not None and order.lmt_price is not None:
        gap = stop - order.lmt_price if order.action == "SELL" else order.lmt_price - stop
        order.lmt_price_offset = round(gap, 6)


def _perm_id(gatehouse_id: str) -> int:
    try:
        return int(gatehouse_id)
    except ValueError:
        return abs(hash(gatehouse_id)) % (1 << 31)


def _completed_time(millis: Any) -> str:
    try:
        at = datetime.fromtimestamp(int(millis) / 1000, UTC)
    except (TypeError, ValueError):
        at = datetime.now(UTC)
    return at.strftime("%Y%m%d %H:%M:%S") + " UTC"


def _exec_time(millis: Any, text: Any) -> str:
    try:
        return datetime.fromtimestamp(int(millis) / 1000, UTC).strftime("%Y%m%d %H:%M:%S UTC")
    except (TypeError, ValueError):
        raw = str(text or "")
        return raw.replace("-", " ") + " UTC" if raw else ""
