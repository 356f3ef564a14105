"""Market requests: contract details, matching symbols, market data (streaming and
snapshot), market data type, historical bars (and keepUpToDate), head timestamp."""

from __future__ import annotations

from datetime import timedelta

from gatehouse.clients.gateway.tws import encode, history, messages
from gatehouse.clients.gateway.tws.market import BarSubscription, Subscription
from gatehouse.clients.gateway.tws.messages import In
from gatehouse.clients.gateway.tws.requests import Request
from gatehouse.clients.gateway.tws.session import Handler, Session
from gatehouse.clients.gateway.tws.upstream import UpstreamError

HEAD_YEARS = 15  # the simulator serves up to 15 years of bars


async def req_contract_details(session: Session, req: Request) -> None:
    req_id = int(req["req_id"])
    contract = await session.server.contracts.resolve(req["contract"])
    if contract is None:
        session.error(req_id, messages.NO_SECURITY_DEFINITION)
        return
    session.send(encode.contract_data(req_id, contract))
    session.send(encode.contract_data_end(req_id))


async def req_matching_symbols(session: Session, req: Request) -> None:
    req_id = int(req["req_id"])
    pattern = str(req["pattern"]).strip()
    found = await session.server.contracts.search(pattern) if pattern else []
    session.send(encode.symbol_samples(req_id, found))


async def req_mkt_data(session: Session, req: Request) -> None:
    req_id = int(req["req_id"])
    contract = await session.server.contracts.resolve(req["contract"])
    if contract is None:
        session.error(req_id, messages.NO_SECURITY_DEFINITION)
        return
    snapshot = bool(req["snapshot"] or req["regulatory_snapshot"])
    session.send(encode.market_data_type(req_id, 1))
    if not snapshot:
        session.send(encode.tick_req_params(req_id, 0.01, "SMART", 3))
    session.server.market.subscribe(Subscription(session, req_id, contract.con_id, snapshot))


async def cancel_mkt_data(session: Session, req: Request) -> None:
    session.server.market.cancel(session, int(req["req_id"]))


async def req_historical_data(session: Session, req: Request) -> None:
    req_id, server = int(req["req_id"]), session.server
    contract = await server.contracts.resolve(req["contract"])
    if contract is None:
        session.error(req_id, messages.NO_SECURITY_DEFINITION)
        return
    try:
        if str(req["what"]).upper() not in history.WHAT:
            raise history.HistoryError(f"Invalid whatToShow '{req['what']}'")
        bar = history.bar_size(str(req["bar_size"]))
        span = history.period(str(req["duration"]))
        end = history.end_time(str(req["end"]))
        if req["keep_up_to_date"] and end:
            raise history.HistoryError("keepUpToDate needs an empty end date/time")
        found = await history.fetch(server.upstream, contract.con_id, bar, span, end)
    except history.HistoryError as exc:
        session.error(req_id, messages.HISTORICAL_DATA_ERROR, reason=str(exc))
        return
    except UpstreamError as exc:
        if exc.status == 0:
            raise
        session.error(req_id, messages.HISTORICAL_DATA_ERROR, reason=exc.message)
        return
    daily = bar in ("1d", "1w")
    bars = history.bars_from(found, int(req["format_date"]), daily)
    if not bars:
        reason = f"HMDS query returned no data: {contract.symbol}@SMART Trades"
        session.error(req_id, messages.HISTORICAL_DATA_ERROR, reason=reason)
        return
    now = server.now()
    start = history.stamp(now - timedelta(days=1), 1, False)
    session.send(encode.historical_data(req_id, start, history.stamp(now, 1, False), bars))
    if req["keep_up_to_date"]:
        server.market.subscribe_bars(
            BarSubscription(session, req_id, contract.con_id, bar, int(req["format_date"]), daily)
        )


async def cancel_historical_data(session: Session, req: Request) -> None:
    req_id = int(req["req_id"])
    if not session.server.market.cancel(session, req_id):
        session.error(req_id, messages.NO_HISTORICAL_QUERY, ticker=req_id)


async def req_head_timestamp(session: Session, req: Request) -> None:
    req_id = int(req["req_id"])
    contract = await session.server.contracts.resolve(req["contract"])
    if contract is None:
        session.error(req_id, messages.NO_SECURITY_DEFINITION)
        return
    first = session.server.now() - timedelta(days=365 * HEAD_YEARS)
    first = first.replace(hour=14, minute=30, second=0, microsecond=0)
    if int(req["format_date"]) == 2:
        stamp = str(int(first.timestamp()))
    else:
        stamp = first.strftime("%Y%m%d-%H:%M:%S")
    session.send(encode.head_timestamp(req_id, stamp))


async def cancel_head_timestamp(session: Session, req: Request) -> None:
    """The head timestamp is answered at once: nothing to cancel."""


MARKET_HANDLERS: dict[int, Handler] = {
    In.REQ_CONTRACT_DATA: req_contract_details,
    In.REQ_MATCHING_SYMBOLS: req_matching_symbols,
    In.REQ_MKT_DATA: req_mkt_data,
    In.CANCEL_MKT_DATA: cancel_mkt_data,
    In.REQ_HISTORICAL_DATA: req_historical_data,
    In.CANCEL_HISTORICAL_DATA: cancel_historical_data,
    In.REQ_HEAD_TIMESTAMP: req_head_timestamp,
    In.CANCEL_HEAD_TIMESTAMP: cancel_head_timestamp,
}
