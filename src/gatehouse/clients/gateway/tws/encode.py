"""Encoders for the messages the server sends, field for field as ib_async 2.x and ibapi
decode them at server version 178 (openOrder and completedOrder are in ``encode_orders``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gatehouse.clients.gateway.tws.messages import Out
from gatehouse.clients.gateway.tws.model import ApiExecution, ApiOrder, Contract
from gatehouse.clients.gateway.tws.protocol import Field

if TYPE_CHECKING:
    from gatehouse.clients.gateway.tws.accounts import PositionRow

Message = list[Field]


def contract_short(c: Contract, *, primary: bool = False) -> list[Field]:
    """conId … tradingClass in the 11-field form of position/execDetails/openOrder
    (``primary``: updatePortfolio's form, primaryExchange in place of exchange)."""
    return [
        c.con_id,
        c.symbol,
        c.sec_type,
        c.last_trade,
        c.strike,
        c.right,
        c.multiplier,
        c.primary_exchange if primary else c.exchange,
        c.currency,
        c.local_symbol,
        c.trading_class,
    ]


def managed_accounts(accounts: Sequence[str]) -> Message:
    return [Out.MANAGED_ACCTS, 1, ",".join(accounts)]


def next_valid_id(order_id: int) -> Message:
    return [Out.NEXT_VALID_ID, 1, order_id]


def current_time(epoch_seconds: int) -> Message:
    return [Out.CURRENT_TIME, 1, epoch_seconds]


def error(req_id: int, code: int, text: str, advanced: str = "") -> Message:
    return [Out.ERR_MSG, 2, req_id, code, text, advanced]


def position(account: str, c: Contract, quantity: float, avg_cost: float) -> Message:
    short = contract_short(c)
    return [Out.POSITION_DATA, 3, account, *short, quantity, avg_cost]


def position_end() -> Message:
    return [Out.POSITION_END, 1]


def account_value(key: str, value: str, currency: str, account: str) -> Message:
    return [Out.ACCT_VALUE, 2, key, value, currency, account]


def portfolio_value(
    c: Contract,
    quantity: float,
    market_price: float,
    market_value: float,
    avg_cost: float,
    unrealized: float,
    realized: float,
    account: str,
) -> Message:
    short = contract_short(c, primary=True)
    return [
        Out.PORTFOLIO_VALUE,
        8,
        *short,
        quantity,
        market_price,
        market_value,
        avg_cost,
        unrealized,
        realized,
        account,
    ]


def account_time(hhmm: str) -> Message:
    return [Out.ACCT_UPDATE_TIME, 1, hhmm]


def account_download_end(account: str) -> Message:
    return [Out.ACCT_DOWNLOAD_END, 1, account]


def account_summary(req_id: int, account: str, tag: str, value: str, currency: str) -> Message:
    return [Out.ACCOUNT_SUMMARY, 1, req_id, account, tag, value, currency]


def account_summary_end(req_id: int) -> Message:
    return [Out.ACCOUNT_SUMMARY_END, 1, req_id]


def account_update_multi(
    req_id: int, account: str, key: str, value: str, currency: str, model: str = ""
) -> Message:
    return [Out.ACCOUNT_UPDATE_MULTI, 1, req_id, account, model, key, value, currency]


def account_update_multi_end(req_id: int) -> Message:
    return [Out.ACCOUNT_UPDATE_MULTI_END, 1, req_id]


def position_multi(
    req_id: int, account: str, c: Contract, quantity: float, avg_cost: float, model: str = ""
) -> Message:
    short = contract_short(c)
    return [Out.POSITION_MULTI, 1, req_id, account, *short, quantity, avg_cost, model]


def position_multi_end(req_id: int) -> Message:
    return [Out.POSITION_MULTI_END, 1, req_id]


def order_status(o: ApiOrder) -> Message:
    """No version field at v178: orderId … whyHeld, mktCapPrice."""
    return [
        Out.ORDER_STATUS,
        o.order_id,
        o.status,
        o.filled,
        o.remaining,
        o.avg_fill_price,
        o.perm_id,
        o.parent_id,
        o.last_fill_price,
        o.client_id,
        o.why_held,
        0,
    ]


def open_order_end() -> Message:
    return [Out.OPEN_ORDER_END, 1]


def completed_orders_end() -> Message:
    return [Out.COMPLETED_ORDERS_END]


def exec_details(req_id: int, e: ApiExecution) -> Message:
    """No version field at v178; the last field (pendingPriceRevision) is v178's."""
    short = contract_short(e.contract)
    return [
        Out.EXECUTION_DATA,
        req_id,
        e.order_id,
        *short,
        e.exec_id,
        e.time,
        e.account,
        e.exchange,
        e.side,
        e.shares,
        e.price,
        e.perm_id,
        e.client_id,
        0,  # liquidation
        e.cum_qty,
        e.avg_price,
        e.order_ref,
        "",  # evRule
        None,  # evMultiplier
        "",  # modelCode
        1,  # lastLiquidity: added
        False,  # pendingPriceRevision
    ]


def exec_details_end(req_id: int) -> Message:
    return [Out.EXECUTION_DATA_END, 1, req_id]


def commission_report(e: ApiExecution) -> Message:
    return [
        Out.COMMISSION_REPORT,
        1,
        e.exec_id,
        e.commission,
        e.currency,
        e.realized_pnl,  # empty: not a closing trade
        None,  # yield
        None,  # yieldRedemptionDate
    ]


def contract_data(req_id: int, c: Contract, *, min_tick: float = 0.01) -> Message:
    """contractDetails at v178 (no version field: ≥ v164 size rules)."""
    order_types = "ACTIVETIM,AD,ADJUST,ALERT,ALLOC,DAY,GTC,IOC,LMT,MKT,STP,STPLMT"
    return [
        Out.CONTRACT_DATA,
        req_id,
        c.symbol,
        c.sec_type,
        c.last_trade,
        c.strike,
        c.right,
        c.exchange,
        c.currency,
        c.local_symbol,
        c.primary_exchange,  # marketName
        c.trading_class,
        c.con_id,
        min_tick,
        c.multiplier,
        order_types,
        c.valid_exchanges,
        1,  # priceMagnifier
        0,  # underConId
        c.long_name,
        c.primary_exchange,
        "",  # contractMonth
        "",  # industry
        c.category,
        "",  # subcategory
        "US/Eastern",  # timeZoneId
        "",  # tradingHours
        "",  # liquidHours
        "",  # evRule
        None,  # evMultiplier
        0,  # secIdList count
        1,  # aggGroup
        "",  # underSymbol
        "",  # underSecType
        "26,26",  # marketRuleIds
        "",  # realExpirationDate
        "ETF" if c.category == "ETF" else "COMMON",  # stockType
        1,  # minSize
        1,  # sizeIncrement
        100,  # suggestedSizeIncrement
    ]


def contract_data_end(req_id: int) -> Message:
    return [Out.CONTRACT_DATA_END, 1, req_id]


def symbol_samples(req_id: int, contracts: Sequence[Contract]) -> Message:
    fields: Message = [Out.SYMBOL_SAMPLES, req_id, len(contracts)]
    for c in contracts:
        fields += [c.con_id, c.symbol, c.sec_type, c.primary_exchange, c.currency, 0]
        fields += [c.long_name, ""]  # description, issuerId (v176)
    return fields


def tick_price(req_id: int, tick: int, price: float, size: float | None, mask: int = 0) -> Message:
    return [Out.TICK_PRICE, 6, req_id, tick, price, size, mask]


def tick_size(req_id: int, tick: int, size: float) -> Message:
    return [Out.TICK_SIZE, 6, req_id, tick, size]


def tick_string(req_id: int, tick: int, value: str) -> Message:
    return [Out.TICK_STRING, 6, req_id, tick, value]


def tick_generic(req_id: int, tick: int, value: float) -> Message:
    return [Out.TICK_GENERIC, 6, req_id, tick, value]


def tick_snapshot_end(req_id: int) -> Message:
    return [Out.TICK_SNAPSHOT_END, 1, req_id]


def market_data_type(req_id: int, kind: int) -> Message:
    return [Out.MARKET_DATA_TYPE, 1, req_id, kind]


def tick_req_params(req_id: int, min_tick: float, bbo_exchange: str, permissions: int) -> Message:
    return [Out.TICK_REQ_PARAMS, req_id, min_tick, bbo_exchange, permissions]


Bar = tuple[str, float, float, float, float, float, float, int]  # date o h l c volume wap count


def historical_data(req_id: int, start: str, end: str, bars: Sequence[Bar]) -> Message:
    fields: Message = [Out.HISTORICAL_DATA, req_id, start, end, len(bars)]
    for bar in bars:
        fields += list(bar)
    return fields


def historical_data_update(req_id: int, bar: Bar) -> Message:
    date, o, h, low, c, volume, wap, count = bar
    return [Out.HISTORICAL_DATA_UPDATE, req_id, count, date, o, c, h, low, wap, volume]


def head_timestamp(req_id: int, stamp: str) -> Message:
    return [Out.HEAD_TIMESTAMP, req_id, stamp]


def pnl(req_id: int, daily: float, unrealized: float, realized: float) -> Message:
    return [Out.PNL, req_id, daily, unrealized, realized]


def pnl_single(
    req_id: int, position: float, daily: float, unrealized: float, realized: float, value: float
) -> Message:
    return [Out.PNL_SINGLE, req_id, position, daily, unrealized, realized, value]


def pnl_single_of(req_id: int, conid: int, rows: Sequence[PositionRow]) -> Message:
    """pnlSingle for ``conid`` from the account's open positions (zeros when not held)."""
    row = next((r for r in rows if r.contract.con_id == conid), None)
    if row is None:
        return pnl_single(req_id, 0.0, 0.0, 0.0, 0.0, 0.0)
    figures = (row.daily, row.unrealized, row.realized, row.market_value)
    return pnl_single(req_id, row.position, *figures)
