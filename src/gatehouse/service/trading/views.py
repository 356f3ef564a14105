"""Account data in the shapes IBKR clients read: live orders, trades, positions; and the
summary figures and transfers as Gatehouse's own exact JSON. Events carry these too.

Numbers follow IBKR: quantities and values as JSON numbers, prices of orders and trades as
strings (``"457.00"``). Gatehouse's own figures are exact decimal strings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from gatehouse.domain.clock import as_utc
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.funding import Transfer
from gatehouse.domain.trading.instruments import Instrument, find_conid
from gatehouse.domain.trading.ledger import Book
from gatehouse.domain.trading.margin import MarginSnapshot
from gatehouse.domain.trading.orders import Order, OrderType, Side
from gatehouse.domain.trading.transactions import TIMEZONE_LABEL, Transaction, local_time

CENT = Decimal("0.01")
_ZERO = Decimal(0)
ORDER_TYPE_NAMES = {
    OrderType.MKT: ("Market", "MARKET"),
    OrderType.LMT: ("Limit", "LIMIT"),
    OrderType.STP: ("Stop", "STOP"),
    OrderType.STP_LIMIT: ("Stop Limit", "STOP_LIMIT"),
    OrderType.TRAIL: ("Trail", "TRAIL"),
    OrderType.TRAILLMT: ("Trail Limit", "TRAILLMT"),
}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def number(value: Decimal) -> float:
    """A JSON number for an IBKR field (money and shares are computed as Decimal)."""
    return float(value)


def price_text(value: Decimal | None) -> str | None:
    """IBKR's price strings: at least 2 decimals (``"457.00"``, ``"12.3456"``)."""
    if value is None:
        return None
    return f"{value:.2f}" if value == value.quantize(CENT) else f"{value.normalize():f}"


def quantity_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def millis(at: datetime) -> int:
    return int(as_utc(at).timestamp() * 1000)


def symbol_of(conid: int) -> str:
    instrument = find_conid(conid)
    return instrument.symbol if instrument else str(conid)


def _instrument(conid: int) -> Instrument | None:
    return find_conid(conid)


def describe_order(order: Order) -> str:
    """IBKR's ``orderDesc``: ``"Buy 100 Limit 457.00, GTC"``."""
    verb = "Buy" if order.side is Side.BUY else "Sell"
    text = f"{verb} {quantity_text(order.quantity)} {ORDER_TYPE_NAMES[order.order_type][0]}"
    if order.order_type in (OrderType.STP_LIMIT, OrderType.TRAILLMT):
        text += f" {price_text(order.stop_price)}, {price_text(order.limit_price)}"
    elif order.limit_price is not None or order.stop_price is not None:
        text += f" {price_text(order.limit_price or order.stop_price)}"
    return f"{text}, {order.tif.value}"


def order_view(order: Order) -> dict[str, object]:
    """One order as IBKR's ``iserver/account/orders`` lists it (and the ``sor`` topic)."""
    instrument = _instrument(order.conid)
    symbol = symbol_of(order.conid)
    name, original = ORDER_TYPE_NAMES[order.order_type]
    view: dict[str, object] = {
        "acct": order.account_id,
        "account": order.account_id,
        "conid": order.conid,
        "conidex": str(order.conid),
        "orderId": int(order.order_id),
        "cashCcy": "USD",
        "sizeAndFills": f"{quantity_text(order.filled_quantity)}/{quantity_text(order.quantity)}",
        "orderDesc": describe_order(order),
        "description1": symbol,
        "ticker": symbol,
        "secType": "STK",
        "listingExchange": instrument.exchange if instrument else "",
        "companyName": instrument.name if instrument else "",
        "remainingQuantity": number(order.remaining if order.is_active else _ZERO),
        "filledQuantity": number(order.filled_quantity),
        "totalSize": number(order.quantity),
        "status": order.status.value,
        "order_ccp_status": order.status.value,
        "origOrderType": original,
        "orderType": name,
        "side": order.side.value,
        "timeInForce": order.tif.value,
        "outsideRTH": order.outside_rth,
        "supportsTaxOpt": "1",
        "bgColor": "#FFFFFF",
        "fgColor": "#000000",
        "lastExecutionTime": as_utc(order.updated_at).strftime("%y%m%d%H%M%S"),
        "lastExecutionTime_r": millis(order.updated_at),
    }
    if order.order_type in (OrderType.STP_LIMIT, OrderType.TRAILLMT):
        view["price"] = price_text(order.limit_price)
        view["auxPrice"] = price_text(order.stop_price)
    elif order.limit_price is not None or order.stop_price is not None:
        view["price"] = price_text(order.limit_price or order.stop_price)
    if order.avg_fill_price is not None:
        view["avgPrice"] = price_text(order.avg_fill_price.quantize(Decimal("0.0001")))
    if order.client_order_id:
        view["order_ref"] = order.client_order_id
    if order.parent_id:
        view["parentId"] = int(order.parent_id)
    if order.oca_group:
        view["ocaGroup"] = order.oca_group
    if order.trailing_amount is not None and order.trailing_type is not None:
        view["trailingAmount"] = number(order.trailing_amount)
        view["trailingType"] = order.trailing_type.value
    if order.reject_reason:
        view["text"] = order.reject_reason
    return view


def trade_view(execution: Execution) -> dict[str, object]:
    """One execution as IBKR's ``iserver/account/trades`` lists it (and the ``str`` topic)."""
    instrument = _instrument(execution.conid)
    symbol = symbol_of(execution.conid)
    exchange = instrument.exchange if instrument else ""
    verb = "Bought" if execution.side is Side.BUY else "Sold"
    size = quantity_text(execution.quantity)
    view: dict[str, object] = {
        "execution_id": execution.execution_id,
        "symbol": symbol,
        "supports_tax_opt": "1",
        "side": "B" if execution.side is Side.BUY else "S",
        "order_description": f"{verb} {size} @ {price_text(execution.price)} on {exchange}",
        "trade_time": as_utc(execution.at).strftime("%Y%m%d-%H:%M:%S"),
        "trade_time_r": millis(execution.at),
        "size": number(execution.quantity),
        "price": price_text(execution.price),
        "exchange": exchange,
        "commission": f"{execution.commission:.2f}",
        "net_amount": number(execution.value),
        "account": execution.account_id,
        "accountCode": execution.account_id,
        "company_name": instrument.name if instrument else "",
        "contract_description_1": symbol,
        "sec_type": "STK",
        "listing_exchange": exchange,
        "conid": execution.conid,
        "conidEx": str(execution.conid),
        "order_id": int(execution.order_id),
        "clearing_id": "GH",
        "clearing_name": "Gatehouse",
        "liquidation_trade": "0",
        "is_event_trading": "0",
    }
    if execution.client_order_id:
        view["order_ref"] = execution.client_order_id
    return view


def position_view(
    account_id: str, conid: int, book: Book, mark: Decimal, realized: Decimal = _ZERO
) -> dict[str, object]:
    """One position as IBKR's ``portfolio/{acct}/positions`` lists it (flat: position 0)."""
    instrument = _instrument(conid)
    symbol = symbol_of(conid)
    held = book.position(conid)
    basis = book.cost_basis(conid)
    value = held * mark
    average_cost = basis / held if held else _ZERO
    paid = sum((lot.quantity * lot.price for lot in book.lots.get(conid, ())), _ZERO)
    average_price = paid / held if held else _ZERO
    return {
        "acctId": account_id,
        "conid": conid,
        "contractDesc": symbol,
        "ticker": symbol,
        "name": instrument.name if instrument else symbol,
        "fullName": symbol,
        "position": number(held),
        "mktPrice": number(mark),
        "mktValue": number(cents(value)),
        "avgCost": number(average_cost),
        "avgPrice": number(average_price),
        "unrealizedPnl": number(cents(value - basis) if held else _ZERO),
        "realizedPnl": number(cents(realized)),
        "currency": "USD",
        "assetClass": "STK",
        "type": (instrument.kind.value.upper() if instrument else "STOCK"),
        "listingExchange": instrument.exchange if instrument else "",
        "countryCode": "US",
        "isUS": True,
        "multiplier": 0.0,
        "expiry": None,
        "putOrCall": None,
        "strike": "0",
        "undConid": 0,
        "hasOptions": False,
        "pageSize": 100,
    }


def balance_view(account_id: str, figures: MarginSnapshot) -> dict[str, object]:
    """The summary figures under IBKR's lowercase keys, as exact decimal strings."""
    money = {
        "netliquidation": figures.net_liquidation,
        "totalcashvalue": figures.total_cash,
        "settledcash": figures.settled_cash,
        "equitywithloanvalue": figures.equity_with_loan,
        "previousdayequitywithloanvalue": figures.previous_day_equity_with_loan,
        "initmarginreq": figures.init_margin,
        "maintmarginreq": figures.maint_margin,
        "availablefunds": figures.available_funds,
        "excessliquidity": figures.excess_liquidity,
        "buyingpower": figures.buying_power,
        "grosspositionvalue": figures.gross_position_value,
        "stockmarketvalue": figures.stock_market_value,
        "sma": figures.sma,
        "unrealizedpnl": figures.unrealized_pnl,
        "realizedpnl": figures.realized_pnl,
    }
    view: dict[str, object] = {"acctId": account_id, "currency": "USD"}
    view.update({key: str(cents(value)) for key, value in money.items()})
    view["cushion"] = str(figures.cushion)
    view["leverage"] = str(figures.leverage)
    view["daytradesremaining"] = figures.day_trades_remaining
    view["accounttype"] = figures.account_type.value
    return view


def transfer_view(transfer: Transfer) -> dict[str, object]:
    return {
        "transfer_id": transfer.transfer_id,
        "account_id": transfer.account_id,
        "type": transfer.kind.value,
        "direction": "deposit" if transfer.kind.value == "deposit" else "withdraw",
        "amount": str(transfer.amount),
        "currency": "USD",
        "status": transfer.status.value,
        "created_at": as_utc(transfer.created_at).isoformat(),
        "settles_at": as_utc(transfer.settles_at).isoformat(),
        "settled_at": as_utc(transfer.settled_at).isoformat() if transfer.settled_at else None,
    }


def transaction_view(t: Transaction) -> dict[str, object]:
    """A transaction (``domain/trading/transactions``) as the pages and statements show it:
    signed net amount with the commission, the trade date and time in New York."""
    local = local_time(t.at)
    return {
        "id": t.reference,
        "kind": t.kind.value,
        "trade_date": t.trade_date.isoformat(),
        "time": local.strftime("%H:%M:%S"),
        "timezone": TIMEZONE_LABEL,
        "at": as_utc(t.at).isoformat(),
        "description": t.description,
        "conid": t.conid,
        "symbol": t.symbol,
        "side": t.side,
        "quantity": None if t.quantity is None else quantity_text(t.quantity),
        "price": price_text(t.price),
        "commission": str(cents(t.commission)),
        "net_amount": str(cents(t.net_amount)),
    }
