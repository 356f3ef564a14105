"""Order use cases: place (pre-trade checks → questions → submit → an immediate match),
answer a question, modify, cancel, and the what-if preview.

Placing checks first (unknown contract, terms, funds or position — a typed error, nothing
stored), then asks the confirmation questions one at a time (each answer is a new reply
id); once all are confirmed the orders are checked again against the account as it is
then, submitted, and matched against the current quote.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from gatehouse.domain.errors import (
    InvalidOrderTransition,
    OrderNotFound,
    ReplyNotFound,
    WrongEnvironment,
)
from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.order_requests import OrderRequest, order_from_request
from gatehouse.domain.trading.orders import Order, submit
from gatehouse.domain.trading.orders import cancel as cancel_order
from gatehouse.domain.trading.orders import modify as change
from gatehouse.domain.trading.pretrade import WhatIf, check_order
from gatehouse.domain.trading.pretrade import whatif as preview
from gatehouse.domain.trading.questions import Question, order_questions
from gatehouse.domain.trading.replies import PendingReply
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork
from gatehouse.service.trading import links, tickets
from gatehouse.service.trading.accounts import owned
from gatehouse.service.trading.fills import attempt
from gatehouse.service.trading.ports import TrackedOrder
from gatehouse.service.trading.workspace import Workspace, open_account, reply_deadline


@dataclass(frozen=True)
class Prompt:
    """A question the caller must answer at ``POST iserver/reply/{reply_id}``."""

    reply_id: str
    question: Question


Placement = Prompt | list[Order]


@dataclass(frozen=True)
class Preview:
    """A what-if: the order as it would be placed, and its effect on the account."""

    order: Order
    effect: WhatIf


async def _open(
    ctx: ServiceContext, uow: UnitOfWork, principal: Principal, account_id: str
) -> Workspace:
    found = await open_account(ctx, uow, account_id, now=ctx.clock.now(), user=principal.user)
    assert found is not None
    return found


def _draft(ws: Workspace, request: OrderRequest) -> Order:
    return order_from_request(
        request, order_id=tickets.new_order_id(ws.ctx), account_id=ws.account_id, now=ws.now
    )


def _drafts(ws: Workspace, requests: Sequence[OrderRequest]) -> list[Order]:
    """New orders for a request's tickets, brackets and one-cancels-all groups linked."""
    ids = [tickets.new_order_id(ws.ctx) for _ in requests]
    return [
        order_from_request(
            request,
            order_id=order_id,
            account_id=ws.account_id,
            now=ws.now,
            parent_id=parent_id,
            oca_group=group,
        )
        for request, order_id, (parent_id, group) in zip(
            requests, ids, links.resolve(requests, ids), strict=True
        )
    ]


async def _questions(ws: Workspace, user_id: int, orders: Sequence[Order]) -> list[Question]:
    suppressed = await ws.uow.orders.suppressed(user_id)
    config = ws.ctx.trading
    return [
        question
        for order in orders
        for question in order_questions(
            order,
            ws.ctx.quotes.quote(order.conid, ws.now),
            suppressed=suppressed,
            total_value_limit=config.total_value_limit,
            price_percentage=config.price_percentage,
        )
    ]


async def _ask(
    ws: Workspace,
    principal: Principal,
    requests: Sequence[OrderRequest],
    questions: Sequence[Question],
    *,
    order_id: str | None = None,
) -> Prompt:
    assert principal.user.id is not None
    reply = PendingReply(
        reply_id=tickets.new_reply_id(ws.ctx),
        user_id=principal.user.id,
        account_id=ws.account_id,
        environment=principal.environment,
        requests=list(requests),
        questions=list(questions),
        created_at=ws.now,
        expires_at=reply_deadline(ws.ctx, ws.now),
        order_id=order_id,
    )
    await ws.uow.orders.add_reply(reply)
    return Prompt(reply.reply_id, questions[0])


def _check(
    ws: Workspace, order: Order, environment: Environment, others: Sequence[Order] = ()
) -> None:
    state = ws.state(environment)
    if others:
        state = replace(state, open_orders=[*state.open_orders, *others])
    check_order(
        order,
        account=state,
        session_environment=environment,
        quote=ws.ctx.quotes.quote(order.conid, ws.now),
    )


def _submit(
    ws: Workspace, requests: Sequence[OrderRequest], environment: Environment
) -> list[Order]:
    placed = _drafts(ws, requests)
    for order in placed:
        if order.parent_id is None:  # a child only closes what its parent opens
            _check(ws, order, environment)
        submit(order, now=ws.now, held=order.parent_id is not None)
        ws.add(order)
    for order in placed:
        attempt(ws, ws.tracked[order.order_id], ws.ctx.quotes.quote(order.conid, ws.now))
    return placed


async def place(
    ctx: ServiceContext, principal: Principal, account_id: str, bodies: Sequence[object]
) -> Placement:
    """``POST iserver/account/{acct}/orders``: a question to answer, or the placed orders."""
    account_id = owned(principal, account_id)
    now = ctx.clock.now()
    requests = tickets.parse_tickets(bodies, account_id=account_id, ctx=ctx, now=now)
    assert principal.user.id is not None
    async with ctx.uow() as uow:
        ws = await _open(ctx, uow, principal, account_id)
        await tickets.check_client_ids(uow, account_id, requests)
        drafts = _drafts(ws, requests)
        for index, draft in enumerate(drafts):
            if draft.parent_id is None:
                _check(ws, draft, principal.environment, drafts[:index])
        questions = await _questions(ws, principal.user.id, drafts)
        result: Placement
        if questions:
            result = await _ask(ws, principal, requests, questions)
        else:
            result = _submit(ws, requests, principal.environment)
        await ws.save()
        await uow.commit()
    return result


async def reply(
    ctx: ServiceContext, principal: Principal, reply_id: str, *, confirmed: bool
) -> Placement | None:
    """``POST iserver/reply/{id}``: the next question, the placed orders, or ``None`` when
    the answer was no (nothing is placed). A reply id is answered once."""
    now = ctx.clock.now()
    assert principal.user.id is not None
    async with ctx.uow() as uow:
        pending = await uow.orders.take_reply(reply_id, user_id=principal.user.id)
        if pending is None or pending.is_expired(now):
            raise ReplyNotFound()
        if not confirmed:
            await uow.commit()
            return None
        if pending.environment is not principal.environment:
            raise WrongEnvironment(
                f"This question belongs to a {pending.environment} session; answer it there."
            )
        owned(principal, pending.account_id)
        ws = await _open(ctx, uow, principal, pending.account_id)
        result: Placement
        if len(pending.questions) > 1:
            result = await _ask(
                ws, principal, pending.requests, pending.questions[1:], order_id=pending.order_id
            )
        elif pending.order_id is not None:
            result = [_modify(ws, pending.order_id, pending.requests[0], principal.environment)]
        else:
            result = _submit(ws, pending.requests, principal.environment)
        await ws.save()
        await uow.commit()
    return result


async def _working(ws: Workspace, order_id: str) -> TrackedOrder:
    tracked = ws.tracked.get(order_id)
    if tracked is not None and tracked.order.is_active:
        return tracked
    existing = await ws.uow.orders.get(order_id, account_ids=[ws.account_id])
    if existing is None:
        raise OrderNotFound(f"No order {order_id!r} in account {ws.account_id}.")
    raise InvalidOrderTransition(
        f"Order {order_id} is {existing.status}: it can no longer be changed or cancelled.",
        order_id=order_id,
        status=existing.status.value,
    )


def _modified(order: Order, request: OrderRequest, now: datetime) -> Order:
    trial = copy.copy(order)
    change(
        trial,
        quantity=request.quantity,
        limit_price=request.limit_price,
        stop_price=request.stop_price,
        tif=request.tif,
        now=now,
    )
    return trial


def _modify(ws: Workspace, order_id: str, request: OrderRequest, environment: Environment) -> Order:
    tracked = ws.tracked.get(order_id)
    if tracked is None or not tracked.order.is_active:
        status = tracked.order.status.value if tracked else "gone"
        raise InvalidOrderTransition(
            f"Order {order_id} is {status}: it can no longer be changed.", order_id=order_id
        )
    _check(ws, _modified(tracked.order, request, ws.now), environment)
    order = tracked.order
    change(
        order,
        quantity=request.quantity,
        limit_price=request.limit_price,
        stop_price=request.stop_price,
        tif=request.tif,
        now=ws.now,
    )
    attempt(ws, tracked, ws.ctx.quotes.quote(order.conid, ws.now))
    return order


async def modify(
    ctx: ServiceContext, principal: Principal, account_id: str, order_id: str, body: object
) -> Placement:
    """``POST iserver/account/{acct}/order/{id}``: through the same question loop."""
    account_id = owned(principal, account_id)
    assert principal.user.id is not None
    async with ctx.uow() as uow:
        ws = await _open(ctx, uow, principal, account_id)
        tracked = await _working(ws, order_id)
        request = tickets.modification(body, tracked.order, ctx=ctx, now=ws.now)
        trial = _modified(tracked.order, request, ws.now)
        _check(ws, trial, principal.environment)
        questions = await _questions(ws, principal.user.id, [trial])
        result: Placement
        if questions:
            result = await _ask(ws, principal, [request], questions, order_id=order_id)
        else:
            result = [_modify(ws, order_id, request, principal.environment)]
        await ws.save()
        await uow.commit()
    return result


async def cancel(
    ctx: ServiceContext, principal: Principal, account_id: str, order_id: str
) -> list[Order]:
    """``DELETE iserver/account/{acct}/order/{id}``; ``-1`` cancels every working order."""
    account_id = owned(principal, account_id)
    async with ctx.uow() as uow:
        ws = await _open(ctx, uow, principal, account_id)
        if order_id.strip() == "-1":
            targets = ws.working_orders()
        else:
            targets = [(await _working(ws, order_id.strip())).order]
        for order in targets:
            if order.is_active:  # a bracket child may have gone with its parent
                cancel_order(order, now=ws.now)
            links.settle(ws)
        await ws.save()
        await uow.commit()
    return targets


async def whatif(
    ctx: ServiceContext, principal: Principal, account_id: str, bodies: Sequence[object]
) -> Preview:
    """``POST iserver/account/{acct}/orders/whatif``: the first order's preview."""
    account_id = owned(principal, account_id)
    now = ctx.clock.now()
    request = tickets.parse_tickets(bodies[:1], account_id=account_id, ctx=ctx, now=now)[0]
    async with ctx.uow() as uow:
        ws = await open_account(ctx, uow, account_id, now=now, user=principal.user, lock=False)
        assert ws is not None
        await uow.commit()  # the accounts, if this opened them
        order = _draft(ws, request)
        effect = preview(
            order,
            account=ws.state(principal.environment),
            session_environment=principal.environment,
            quote=ctx.quotes.quote(order.conid, now),
        )
    return Preview(order, effect)
