"""Price alerts: create, list, delete, and fire once when the last price meets the condition.

Events, each in the same transaction as its change: ``alert.created`` (the alert's view),
``alert.deleted`` (``id``) and ``alert.fired`` (the view, now with ``triggered_at`` and
``triggered_price``). Firing is race-free across nodes: the database marks an alert
triggered only if it was still armed, and only that winner records ``alert.fired``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gatehouse.domain.errors import AlertNotFound, InvalidInput, LimitReached
from gatehouse.domain.lists.alerts import (
    MAX_ARMED_ALERTS,
    AlertRequest,
    PriceAlert,
    parse_ibkr_request,
    parse_request,
)
from gatehouse.domain.trading.market_requests import format_ibkr_time
from gatehouse.domain.trading.quotes import Quote
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork
from gatehouse.service.trading import accounts as trading_accounts


def _user_id(principal: Principal) -> int:
    assert principal.user.id is not None
    return principal.user.id


async def _record(
    ctx: ServiceContext, uow: UnitOfWork, alert: PriceAlert, kind: str, data: dict[str, object]
) -> None:
    await uow.events.append(
        user_id=alert.user_id, type=f"alert.{kind}", account=alert.account, data=data,
        at=ctx.clock.now(),
    )  # fmt: skip


async def _create(
    ctx: ServiceContext, principal: Principal, request: AlertRequest, account: str
) -> PriceAlert:
    alert = PriceAlert(
        user_id=_user_id(principal),
        account=account,
        conid=request.conid,
        operator=request.operator,
        price=request.price,
        name=request.name,
        created_at=ctx.clock.now(),
    )
    async with ctx.uow() as uow:
        if await uow.alerts.count_armed(alert.user_id) >= MAX_ARMED_ALERTS:
            raise LimitReached(f"You can keep at most {MAX_ARMED_ALERTS} armed alerts.")
        await uow.alerts.add(alert)
        await _record(ctx, uow, alert, "created", alert.view())
        await uow.commit()
    return alert


async def create(
    ctx: ServiceContext, principal: Principal, body: Mapping[str, object]
) -> dict[str, Any]:
    """``POST /v1/api/alerts {conid, operator: ">="|"<=", price, name?}``."""
    alert = await _create(ctx, principal, parse_request(body), principal.account_ids[0])
    return alert.view()


async def list_all(ctx: ServiceContext, principal: Principal) -> dict[str, Any]:
    async with ctx.uow() as uow:
        found = await uow.alerts.for_user(_user_id(principal))
    return {"alerts": [a.view() for a in found]}


def parse_alert_id(value: object) -> int:
    text = str(value).strip()
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput("An alert id is a number.", field="id")
    return int(text)


async def _delete(ctx: ServiceContext, uow: UnitOfWork, alert: PriceAlert) -> None:
    assert alert.id is not None
    await uow.alerts.remove(alert.user_id, alert.id)
    await _record(ctx, uow, alert, "deleted", {"id": alert.id})


async def delete(ctx: ServiceContext, principal: Principal, alert_id: object) -> dict[str, Any]:
    key = parse_alert_id(alert_id)
    async with ctx.uow() as uow:
        found = await uow.alerts.get(_user_id(principal), key)
        if found is None:
            raise AlertNotFound()
        await _delete(ctx, uow, found)
        await uow.commit()
    return {"id": key, "deleted": True}


# --- IBKR's iserver/account/{acct}/alert(s) ------------------------------------------------
def _ibkr_view(alert: PriceAlert) -> dict[str, Any]:
    return {
        "order_id": alert.id,
        "account": alert.account,
        "alert_name": alert.name or f"{alert.operator.value} {alert.price}",
        "alert_active": 1 if alert.armed else 0,
        "order_time": format_ibkr_time(alert.created_at),
        "alert_triggered": not alert.armed,
        "alert_repeatable": 0,
    }


async def create_ibkr(
    ctx: ServiceContext, principal: Principal, account: str, body: Mapping[str, object]
) -> dict[str, Any]:
    """``POST iserver/account/{acct}/alert`` with one price condition."""
    owned = trading_accounts.owned(principal, account)
    alert = await _create(ctx, principal, parse_ibkr_request(body), owned)
    return {
        "request_id": None,
        "order_id": alert.id,
        "success": True,
        "text": "Submitted",
        "order_status": None,
        "warning_message": None,
    }


async def list_ibkr(ctx: ServiceContext, principal: Principal, account: str) -> list[Any]:
    """``GET iserver/account/{acct}/alerts``."""
    owned = trading_accounts.owned(principal, account)
    async with ctx.uow() as uow:
        found = await uow.alerts.for_user(_user_id(principal))
    return [_ibkr_view(a) for a in found if a.account == owned]


async def delete_ibkr(
    ctx: ServiceContext, principal: Principal, account: str, alert_id: object
) -> dict[str, Any]:
    """``DELETE iserver/account/{acct}/alert/{id}``; id 0 deletes all of the account's alerts."""
    owned = trading_accounts.owned(principal, account)
    key = parse_alert_id(alert_id)
    async with ctx.uow() as uow:
        mine = [a for a in await uow.alerts.for_user(_user_id(principal)) if a.account == owned]
        chosen = mine if key == 0 else [a for a in mine if a.id == key]
        if key != 0 and not chosen:
            raise AlertNotFound()
        for alert in chosen:
            await _delete(ctx, uow, alert)
        await uow.commit()
    return {
        "request_id": None,
        "order_id": key,
        "success": True,
        "text": "Request was submitted",
        "failure_list": None,
    }


# --- the ticker's side -----------------------------------------------------------------------
async def armed(ctx: ServiceContext) -> Sequence[PriceAlert]:
    """Every armed alert of every user."""
    async with ctx.uow() as uow:
        return await uow.alerts.armed()


async def fire_crossed(
    ctx: ServiceContext, alerts: Sequence[PriceAlert], quotes: Mapping[int, Quote]
) -> list[PriceAlert]:
    """Trigger the armed ``alerts`` whose condition the quotes' last prices meet, once each."""
    met = [a for a in alerts if a.armed and a.conid in quotes and a.is_met(quotes[a.conid].last)]
    if not met:
        return []
    fired: list[PriceAlert] = []
    async with ctx.uow() as uow:
        for alert in met:
            assert alert.id is not None
            quote = quotes[alert.conid]
            if not await uow.alerts.trigger(alert.id, at=quote.at, price=quote.last):
                continue  # another node fired it first, or it was deleted
            alert.triggered_at, alert.triggered_price = quote.at, quote.last
            await _record(ctx, uow, alert, "fired", alert.view())
            fired.append(alert)
        await uow.commit()
    return fired
