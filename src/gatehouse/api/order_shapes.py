"""IBKR Client Portal JSON for orders: questions, placement answers, order status, cancel
answers and the what-if preview."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.orders import Order, OrderStatus, OrderType, Side
from gatehouse.domain.trading.pretrade import MarginChange
from gatehouse.service.trading.orders import Placement, Preview, Prompt
from gatehouse.service.trading.views import (
    ORDER_TYPE_NAMES,
    describe_order,
    price_text,
    quantity_text,
    symbol_of,
)

_STATUS_TEXT = {
    OrderStatus.PENDING_SUBMIT: "Order Pending Submit",
    OrderStatus.PRE_SUBMITTED: "Order Submitted",
    OrderStatus.SUBMITTED: "Order Submitted",
    OrderStatus.FILLED: "Order Filled",
    OrderStatus.CANCELLED: "Order Cancelled",
    OrderStatus.INACTIVE: "Order Inactive",
}


def question(prompt: Prompt) -> list[dict[str, Any]]:
    """``[{"id","message":[…],"isSuppressed":false,"messageIds":[…]}]``."""
    return [
        {
            "id": prompt.reply_id,
            "message": [prompt.question.text],
            "isSuppressed": False,
            "messageIds": [prompt.question.message_id],
        }
    ]


def placed(orders: Sequence[Order]) -> list[dict[str, Any]]:
    """``[{"order_id","order_status","encrypt_message"}]``, one per order."""
    out = []
    for order in orders:
        row: dict[str, Any] = {
            "order_id": order.order_id,
            "order_status": order.status.value,
            "encrypt_message": "1",
        }
        if order.client_order_id:
            row["local_order_id"] = order.client_order_id
        if order.reject_reason:
            row["text"] = order.reject_reason
        out.append(row)
    return out


def placement(result: Placement) -> list[dict[str, Any]]:
    return question(result) if isinstance(result, Prompt) else placed(result)


def not_confirmed() -> dict[str, Any]:
    return {"confirmed": False, "message": "The order was not confirmed; nothing was placed."}


def _size(value: Decimal) -> str:
    return str(float(value))


def status(order: Order) -> dict[str, Any]:
    """``iserver/account/order/status/{id}``: IBKR's snake_case order status."""
    instrument = find_conid(order.conid)
    symbol = symbol_of(order.conid)
    description = describe_order(order)
    verb, _, rest = description.partition(" ")
    terminal = order.status.is_terminal
    body: dict[str, Any] = {
        "sub_type": None,
        "request_id": "0",
        "server_id": "0",
        "order_id": int(order.order_id),
        "conidex": str(order.conid),
        "conid": order.conid,
        "symbol": symbol,
        "side": "B" if order.side is Side.BUY else "S",
        "contract_description_1": symbol,
        "listing_exchange": instrument.exchange if instrument else "",
        "company_name": instrument.name if instrument else "",
        "option_acct": "c",
        "size": _size(order.quantity),
        "total_size": _size(order.quantity),
        "cum_fill": _size(order.filled_quantity),
        "size_and_fills": f"{quantity_text(order.filled_quantity)}/{quantity_text(order.quantity)}",
        "currency": "USD",
        "account": order.account_id,
        "order_clearing_account": order.account_id,
        "order_type": ORDER_TYPE_NAMES[order.order_type][1],
        "order_status": order.status.value,
        "order_ccp_status": order.status.value,
        "order_status_description": _STATUS_TEXT[order.status],
        "tif": order.tif.value,
        "fg_color": "#FFFFFF",
        "bg_color": "#000000",
        "order_not_editable": terminal,
        "editable_fields": "",
        "cannot_cancel_order": terminal,
        "deactivate_order": False,
        "sec_type": "STK",
        "available_chart_periods": "#R|1",
        "order_description": description,
        "order_description_with_contract": f"{verb} {rest.split(' ', 1)[0]} {symbol} "
        + rest.split(" ", 1)[1],
        "alert_active": 1,
        "child_order_type": "0",
        "outside_rth": order.outside_rth,
        "allowed_duplicate_opposite": True,
        "order_time": order.created_at.strftime("%y%m%d%H%M%S"),
        "commission": f"{order.commission:.2f}",
    }
    if order.limit_price is not None:
        body["limit_price"] = price_text(order.limit_price)
        body["exit_strategy_display_price"] = price_text(order.limit_price)
    if order.stop_price is not None:
        body["stop_price"] = price_text(order.stop_price)
    if order.avg_fill_price is not None:
        body["average_price"] = price_text(order.avg_fill_price.quantize(Decimal("0.0001")))
    if order.client_order_id:
        body["order_ref"] = order.client_order_id
    if order.reject_reason:
        body["reject_reason"] = order.reject_reason
    if order.order_type in (OrderType.STP_LIMIT, OrderType.TRAILLMT) and order.stop_price:
        body["aux_price"] = price_text(order.stop_price)
    if order.parent_id:
        body["parent_order_id"] = order.parent_id
    if order.trailing_amount is not None and order.trailing_type is not None:
        body["trailing_amount"] = price_text(order.trailing_amount)
        body["trailing_type"] = order.trailing_type.value
    return body


def cancelled(account_id: str, orders: Sequence[Order], order_id: str) -> dict[str, Any]:
    """``{msg, order_id, conid, account}`` (``-1``: every working order, listed)."""
    if order_id.strip() == "-1":
        return {
            "msg": "Request was submitted",
            "order_id": -1,
            "conid": -1,
            "account": account_id,
            "order_ids": [int(o.order_id) for o in orders],
        }
    order = orders[0]
    return {
        "msg": "Request was submitted",
        "order_id": int(order.order_id),
        "conid": order.conid,
        "account": account_id,
    }


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _change(change: MarginChange) -> dict[str, str]:
    return {
        "current": _money(change.current),
        "change": _money(change.change),
        "after": _money(change.after),
    }


def whatif(preview: Preview) -> dict[str, Any]:
    """IBKR's what-if: ``amount{amount,commission,total}``, ``equity|initial|maintenance
    {current,change,after}`` (formatted strings, as IBKR sends them), ``warn``, ``error``."""
    result, order_quantity = preview.effect, preview.order.quantity
    return {
        "amount": {
            "amount": f"{_money(result.amount)} USD ({quantity_text(order_quantity)} Shares)",
            "commission": f"{_money(result.commission)} USD",
            "total": f"{_money(result.total)} USD",
        },
        "equity": _change(result.equity),
        "initial": _change(result.initial),
        "maintenance": _change(result.maintenance),
        "warn": result.warn,
        "error": result.error,
    }
