"""Request handlers for the connection and the account: startApi, ids, time, accounts,
positions, account updates and summary, P&L, executions; and the table of every handler."""

from __future__ import annotations

from gatehouse.clients.gateway.tws import accounts, encode, messages
from gatehouse.clients.gateway.tws.handlers_market import MARKET_HANDLERS
from gatehouse.clients.gateway.tws.handlers_orders import ORDER_HANDLERS
from gatehouse.clients.gateway.tws.messages import In
from gatehouse.clients.gateway.tws.requests import Request
from gatehouse.clients.gateway.tws.session import Handler, Session

FARM_NOTICES = (messages.FARM_MARKET_DATA_OK, messages.FARM_HMDS_OK, messages.FARM_SECDEF_OK)


async def start_api(session: Session, req: Request) -> None:
    if session.client_id is not None:
        return
    await session.server.load_accounts()
    await session.server.wait_ready()
    refused = session.server.register(session, int(req["client_id"]))
    if refused is not None:
        session.error(messages.NO_ID, messages.ALREADY_CONNECTED, refused)
        await session.writer.drain()
        await session.close()
        return
    assert session.client_id is not None
    session.send(encode.managed_accounts(session.server.accounts))
    session.send(encode.next_valid_id(session.server.book.next_id(session.client_id)))
    for code in FARM_NOTICES:
        session.error(messages.NO_ID, code)
    if not session.server.connected:
        session.error(messages.NO_ID, messages.UPSTREAM_LOST)


async def req_ids(session: Session, req: Request) -> None:
    assert session.client_id is not None
    session.send(encode.next_valid_id(session.server.book.next_id(session.client_id)))


async def req_managed_accounts(session: Session, req: Request) -> None:
    session.send(encode.managed_accounts(session.server.accounts))


async def req_current_time(session: Session, req: Request) -> None:
    session.send(encode.current_time(int(session.server.now().timestamp())))


async def req_market_data_type(session: Session, req: Request) -> None:
    session.market_data_type = int(req["value"]) if int(req["value"]) in (1, 2, 3, 4) else 1


def _account(session: Session, wanted: str) -> str | None:
    """The account a request names ("" or "All": the session's), None if it is not ours."""
    if wanted in ("", "All") or wanted in session.server.accounts:
        return wanted if wanted in session.server.accounts else session.server.account
    return None


async def ignore(session: Session, req: Request) -> None:
    """A cancel of something that holds no subscription here."""


async def req_positions(session: Session, req: Request) -> None:
    server = session.server
    session.positions = True
    for row in await accounts.positions(server.upstream, server.contracts, server.account):
        session.send(encode.position(server.account, row.contract, row.position, row.avg_cost))
    session.send(encode.position_end())


async def cancel_positions(session: Session, req: Request) -> None:
    session.positions = False


async def req_account_updates(session: Session, req: Request) -> None:
    account = _account(session, str(req["account"]))
    if not req["subscribe"]:
        session.account_updates = None
        return
    if account is None:
        session.error(messages.NO_ID, messages.UNSUPPORTED, f"Unknown account {req['account']}")
        return
    server = session.server
    session.account_updates = account
    figures = await accounts.figures(server.upstream, account)
    for key, value, currency in accounts.account_values(figures, account):
        session.send(encode.account_value(key, value, currency, account))
    for row in await accounts.positions(server.upstream, server.contracts, account):
        session.send(
            encode.portfolio_value(
                row.contract,
                row.position,
                row.market_price,
                row.market_value,
                row.avg_cost,
                row.unrealized,
                row.realized,
                account,
            )
        )
    session.send(encode.account_time(server.now().strftime("%H:%M")))
    session.send(encode.account_download_end(account))


async def req_account_summary(session: Session, req: Request) -> None:
    req_id, server = int(req["req_id"]), session.server
    session.summaries[req_id] = str(req["tags"])
    figures = await accounts.figures(server.upstream, server.account)
    for tag, value, currency in accounts.summary_rows(figures, str(req["tags"])):
        session.send(encode.account_summary(req_id, server.account, tag, value, currency))
    session.send(encode.account_summary_end(req_id))


async def cancel_account_summary(session: Session, req: Request) -> None:
    session.summaries.pop(int(req["req_id"]), None)


async def req_account_updates_multi(session: Session, req: Request) -> None:
    req_id = int(req["req_id"])
    account = _account(session, str(req["account"]))
    if account is None:
        session.error(req_id, messages.UNSUPPORTED, f"Unknown account {req['account']}")
        return
    session.updates_multi.add(req_id)
    figures = await accounts.figures(session.server.upstream, account)
    for key, value, currency in accounts.account_values(figures, account):
        session.send(encode.account_update_multi(req_id, account, key, value, currency))
    session.send(encode.account_update_multi_end(req_id))


async def cancel_account_updates_multi(session: Session, req: Request) -> None:
    session.updates_multi.discard(int(req["req_id"]))


async def req_positions_multi(session: Session, req: Request) -> None:
    req_id, server = int(req["req_id"]), session.server
    account = _account(session, str(req["account"])) or server.account
    for row in await accounts.positions(server.upstream, server.contracts, account):
        session.send(
            encode.position_multi(req_id, account, row.contract, row.position, row.avg_cost)
        )
    session.send(encode.position_multi_end(req_id))


async def req_pnl(session: Session, req: Request) -> None:
    req_id = int(req["req_id"])
    session.pnl.add(req_id)
    daily, unrealized, realized = await accounts.pnl(
        session.server.upstream, session.server.account
    )
    session.send(encode.pnl(req_id, daily, unrealized, realized))


async def req_pnl_single(session: Session, req: Request) -> None:
    req_id, conid, server = int(req["req_id"]), int(req["con_id"]), session.server
    session.pnl_single[req_id] = conid
    rows = await accounts.positions(server.upstream, server.contracts, server.account)
    session.send(encode.pnl_single_of(req_id, conid, rows))


async def cancel_pnl(session: Session, req: Request) -> None:
    session.pnl.discard(int(req["req_id"]))
    session.pnl_single.pop(int(req["req_id"]), None)


async def req_executions(session: Session, req: Request) -> None:
    req_id, server = int(req["req_id"]), session.server
    rows = await server.upstream.request("GET", "iserver/account/trades", params={"days": "7"})
    for row in reversed(rows if isinstance(rows, list) else []):
        _order, execution = server.book.apply_execution(row)
        if not _matches(req, execution.client_id, row, execution.time):
            continue
        session.send(encode.exec_details(req_id, execution))
        session.send(encode.commission_report(execution))
    session.send(encode.exec_details_end(req_id))


def _matches(req: Request, client_id: int, row: dict[str, object], time: str) -> bool:
    """IBKR's ExecutionFilter: clientId (0: any), account, time (from), symbol, side."""
    if req["client_id"] and req["client_id"] != client_id:
        return False
    if req["account"] and req["account"] != row.get("account"):
        return False
    if req["symbol"] and str(req["symbol"]).upper() != row.get("symbol"):
        return False
    if req["sec_type"] and str(req["sec_type"]).upper() != "STK":
        return False
    side = str(req["side"]).upper()
    if side and side[:1] != str(row.get("side", ""))[:1]:
        return False
    since = str(req["time"]).replace("-", " ").strip()
    return not since or time[:17] >= since[:17]


HANDLERS: dict[int, Handler] = {
    In.START_API: start_api,
    In.REQ_IDS: req_ids,
    In.REQ_MANAGED_ACCTS: req_managed_accounts,
    In.REQ_CURRENT_TIME: req_current_time,
    In.REQ_MARKET_DATA_TYPE: req_market_data_type,
    In.REQ_POSITIONS: req_positions,
    In.CANCEL_POSITIONS: cancel_positions,
    In.REQ_ACCT_DATA: req_account_updates,
    In.REQ_ACCOUNT_SUMMARY: req_account_summary,
    In.CANCEL_ACCOUNT_SUMMARY: cancel_account_summary,
    In.REQ_ACCOUNT_UPDATES_MULTI: req_account_updates_multi,
    In.CANCEL_ACCOUNT_UPDATES_MULTI: cancel_account_updates_multi,
    In.REQ_POSITIONS_MULTI: req_positions_multi,
    In.CANCEL_POSITIONS_MULTI: ignore,
    In.REQ_PNL: req_pnl,
    In.CANCEL_PNL: cancel_pnl,
    In.REQ_PNL_SINGLE: req_pnl_single,
    In.CANCEL_PNL_SINGLE: cancel_pnl,
    In.REQ_EXECUTIONS: req_executions,
    **ORDER_HANDLERS,
    **MARKET_HANDLERS,
}
