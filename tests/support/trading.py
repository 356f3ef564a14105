"""Brokerage test helpers: a signed-in trader over HTTP, ibind's question loop, a scripted
market, service-level principals, and reading the event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from gatehouse.bootstrap import Runtime
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.users import Environment, Platform
from gatehouse.domain.sync.events import AccountEvent
from gatehouse.domain.trading.quotes import Bar, Quote
from gatehouse.service.identity import sessions
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading import matching_engine
from tests.support.signin import bearer, full_signin

AAPL = 265598
F = 9599491  # Ford, about $10: big share counts stay cheap
SPY = 756733
D = Decimal

# ibind's QuestionType phrases, each answered "yes" (ibind matches them as substrings).
IBIND_ANSWERS = {
    "price exceeds the Percentage constraint of 3%": True,
    "exceeds the Total Value Limit of": True,
    "You are submitting an order without market data": True,
    "You are about to submit a stop order": True,
    "This order will most likely trigger and fill immediately.": True,
}


@dataclass
class Trader:
    """A signed-in client of one account (bearer token), speaking the portal API."""

    client: httpx.AsyncClient
    token: str
    account: str
    asked: list[str] = field(default_factory=list)  # every question text seen

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(f"/v1/api/{path}", headers=self.headers, params=params)

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.client.post(f"/v1/api/{path}", headers=self.headers, json=body)

    async def delete(self, path: str, body: Any = None) -> httpx.Response:
        return await self.client.request(
            "DELETE", f"/v1/api/{path}", headers=self.headers, json=body
        )

    async def place(self, *orders: dict[str, Any], account: str | None = None) -> httpx.Response:
        return await self.post(
            f"iserver/account/{account or self.account}/orders", {"orders": list(orders)}
        )

    async def answer(
        self, response: httpx.Response, answers: dict[str, bool] | None = None
    ) -> list[dict[str, Any]]:
        """ibind's ``handle_questions``: answer until the first element has no message."""
        answers = IBIND_ANSWERS if answers is None else answers
        assert response.status_code == 200, response.text
        body = response.json()
        for _ in range(10):
            first = body[0] if isinstance(body, list) else body
            if "message" not in first:
                return list(body)
            text = first["message"][0]
            self.asked.append(text)
            matches = [key for key in answers if key in text]
            if not matches:
                raise ValueError(f"no answer for question: {text}")
            if not answers[matches[0]]:
                raise RuntimeError(f"question refused: {text}")
            reply = await self.post(f"iserver/reply/{first['id']}", {"confirmed": True})
            assert reply.status_code == 200, reply.text
            body = reply.json()
        raise AssertionError("too many questions")

    async def order(self, **order: Any) -> dict[str, Any]:
        """Place one order through the whole question loop; the placed order's answer."""
        return (await self.answer(await self.place(order)))[0]


async def trader(
    client: httpx.AsyncClient, user: Any, clock: FakeClock, environment: str = "paper"
) -> Trader:
    session = await full_signin(client, user, clock, environment=environment)
    account = user.paper_account if environment == "paper" else user.live_account
    found = Trader(client, session["token"], account)
    preflight = await found.get("iserver/accounts")  # as ibind does; opens the accounts
    assert preflight.status_code == 200, preflight.text
    return found


async def principal(runtime: Runtime, username: str, environment: str = "paper") -> Principal:
    """A principal for calling use cases directly (a gateway session, opened now)."""
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        assert user is not None
        grant = await sessions.create(
            runtime.ctx,
            uow,
            user,
            platform=Platform.GATEWAY,
            environment=Environment(environment),
            device_name="test",
            client_address="127.0.0.1",
            user_agent="pytest",
        )
        await uow.commit()
    return Principal(grant.user, grant.session)


async def step(runtime: Runtime, clock: FakeClock, seconds: float = 1.0) -> Any:
    """Move the clock on and run one matching-engine step."""
    clock.advance(seconds)
    return await matching_engine.step(runtime.ctx, clock.now())


async def events(runtime: Runtime, username: str, since: int = 0) -> list[AccountEvent]:
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        assert user is not None and user.id is not None
        return list(await uow.events.since(user.id, since))


async def last_seq(runtime: Runtime, username: str) -> int:
    found = await events(runtime, username)
    return found[-1].seq if found else 0


class ScriptedMarket:
    """Market data the test sets by hand: one quote per conid, a new tick every second."""

    def __init__(self) -> None:
        self._quotes: dict[int, dict[str, Any]] = {}

    def set(
        self,
        conid: int,
        *,
        bid: str,
        ask: str,
        size: int = 1000,
        ask_size: int | None = None,
        bid_size: int | None = None,
        last: str | None = None,
    ) -> None:
        self._quotes[conid] = {
            "bid": D(bid),
            "ask": D(ask),
            "bid_size": bid_size or size,
            "ask_size": ask_size or size,
            "last": D(last) if last else (D(bid) + D(ask)) / 2,
        }

    def quote(self, conid: int, at: datetime) -> Quote:
        from gatehouse.domain.errors import UnknownInstrument

        if conid not in self._quotes:
            raise UnknownInstrument(f"No quote for {conid}.")
        q = self._quotes[conid]
        tick = at.astimezone(UTC).replace(microsecond=0)
        return Quote(
            conid=conid,
            bid=q["bid"],
            ask=q["ask"],
            bid_size=q["bid_size"],
            ask_size=q["ask_size"],
            last=q["last"],
            last_size=100,
            volume=1000,
            open=q["last"],
            high=q["last"],
            low=q["last"],
            close=q["last"],
            prior_close=q["last"],
            at=tick,
        )

    def quotes(self, at: datetime, conids: Any = None) -> dict[int, Quote]:
        return {c: self.quote(c, at) for c in (conids or self._quotes)}

    def prices(self, at: datetime) -> dict[int, Decimal]:
        return {c: q.last for c, q in self.quotes(at).items()}

    def history(self, conid: int, *, end: datetime, bar_seconds: int, count: int) -> list[Bar]:
        return []

    def next_tick(self, at: datetime) -> datetime:
        return at.replace(microsecond=0) + timedelta(seconds=1)
