"""Gatehouse's account events as TWS messages: order changes (openOrder + orderStatus, 202 and
201), fills (execDetails + commissionReport), positions, account values, summary rows and P&L
for the clients that asked for them; and the whole state again after events were missed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gatehouse.clients.gateway.tws import accounts, encode, messages
from gatehouse.clients.gateway.tws.accounts import PositionRow

if TYPE_CHECKING:
    from gatehouse.clients.gateway.tws.server import TwsServer
    from gatehouse.clients.gateway.tws.session import Session


async def forward(server: TwsServer, kind: str, data: dict[str, Any]) -> None:
    if kind.startswith("order."):
        _order(server, kind, data)
    elif kind == "execution.created":
        _execution(server, data)
    elif kind == "position.changed":
        await server.contracts.by_conid(int(data.get("conid") or 0))
        row = accounts.position_row(server.contracts, data)
        for session in list(server.sessions.values()):
            _position(session, row, str(data.get("acctId") or server.account))
    elif kind == "balance.changed":
        await _balance(server, accounts.flatten(data), str(data.get("acctId") or server.account))


def _order(server: TwsServer, kind: str, data: dict[str, Any]) -> None:
    order = server.book.apply_view(data)
    server.send_order(order)
    owner = server.sessions.get(order.client_id) if order.order_id > 0 else None
    if owner is None:
        return
    if kind == "order.cancelled":
        owner.error(order.order_id, messages.ORDER_CANCELLED, reason="")
    elif kind == "order.rejected":
        owner.error(order.order_id, messages.ORDER_REJECTED, reason=str(data.get("text") or ""))


def _execution(server: TwsServer, data: dict[str, Any]) -> None:
    order, execution = server.book.apply_execution(data)
    if order is not None:
        targets = server.order_targets(order)
    else:
        targets = [server.sessions[0]] if 0 in server.sessions else []
    for session in targets:
        session.send(encode.exec_details(messages.NO_ID, execution))
        session.send(encode.commission_report(execution))


def _position(session: Session, row: PositionRow, account: str) -> None:
    if session.positions:
        session.send(encode.position(account, row.contract, row.position, row.avg_cost))
    if session.account_updates:
        values = (row.market_price, row.market_value, row.avg_cost, row.unrealized, row.realized)
        session.send(encode.portfolio_value(row.contract, row.position, *values, account))


async def _balance(server: TwsServer, figures: dict[str, str], account: str) -> None:
    stamp = server.now().strftime("%H:%M")
    pnl: tuple[float, float, float] | None = None
    rows: list[PositionRow] | None = None
    for session in list(server.sessions.values()):
        if session.account_updates:
            for key, value, currency in accounts.account_values(figures, account):
                session.send(encode.account_value(key, value, currency, account))
            session.send(encode.account_time(stamp))
        for req_id, tags in session.summaries.items():
            for tag, value, currency in accounts.summary_rows(figures, tags):
                session.send(encode.account_summary(req_id, account, tag, value, currency))
        if session.pnl and pnl is None:
            pnl = await accounts.pnl(server.upstream, account)  # the day's P&L: read once
        for req_id in session.pnl:
            assert pnl is not None
            session.send(encode.pnl(req_id, *pnl))
        if session.pnl_single and rows is None:  # positions with their day P&L: read once
            rows = await accounts.positions(server.upstream, server.contracts, account)
        for req_id, conid in session.pnl_single.items():
            assert rows is not None
            session.send(encode.pnl_single_of(req_id, conid, rows))


async def refresh(server: TwsServer) -> None:
    """After missed events (1101): every order, position and figure as it is now."""
    found = await server.upstream.request("GET", "iserver/account/orders")
    for row in found.get("orders", []) if isinstance(found, dict) else []:
        await server.contracts.by_conid(int(row.get("conid") or 0))
        server.send_order(server.book.apply_view(row))
    account = server.account
    rows = await accounts.positions(server.upstream, server.contracts, account)
    for session in list(server.sessions.values()):
        for row in rows:
            _position(session, row, account)
    await _balance(server, await accounts.figures(server.upstream, account), account)
