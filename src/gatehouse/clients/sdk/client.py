"""``AsyncGatehouse``: sign-in, sessions, any endpoint by ``request``, and the events stream.

The brokerage calls live in namespaces on the same transport: ``accounts``, ``portfolio``,
``orders``, ``market``, ``contracts``, ``watchlists``, ``alerts``, ``layouts``, ``messages``;
see docs/sdk.md.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

import httpx

from gatehouse.clients.sdk.errors import Expired, GatehouseApiError, NotFound, WaitTimedOut
from gatehouse.clients.sdk.events import EventStream
from gatehouse.clients.sdk.known_device import DeviceTokens
from gatehouse.clients.sdk.lists import Alerts, Layouts, Messages, Watchlists
from gatehouse.clients.sdk.market import Contracts, MarketData
from gatehouse.clients.sdk.models import (
    Challenge,
    LoginChallenge,
    Session,
    challenge_from_json,
)
from gatehouse.clients.sdk.portfolio import Accounts, Portfolio
from gatehouse.clients.sdk.trading import Orders
from gatehouse.clients.sdk.transport import Params, Transport

LONG_POLL_SECONDS = 25.0


class AsyncGatehouse:
    """A client of one Gatehouse server.

    Sign in with ``login`` then ``verify`` (TOTP, SMS, card) or ``challenge("push")`` then
    ``wait``; or pass the ``token`` of a session opened earlier. Every call raises the
    typed error of the server's code (``gatehouse.clients.sdk.errors``).

    ``device_token`` is this device's known-device token (docs/signin.md: a device that signed
    in before has its own failure budget, so strangers' wrong passwords cannot lock it out):
    sent on ``login``, replaced by the new one a session brings. ``device_tokens`` keeps them
    between runs (``FileDeviceTokens``, or any ``DeviceTokens``).
    """

    def __init__(
        self,
        server: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        verify: bool | str = True,
        http: httpx.AsyncClient | None = None,
        user_agent: str = "gatehouse-sdk",
        device_token: str | None = None,
        device_tokens: DeviceTokens | None = None,
    ) -> None:
        self.transport = Transport(
            server, token=token, http=http, timeout=timeout, verify=verify, user_agent=user_agent
        )
        self.device_token = device_token
        self.device_tokens = device_tokens
        self._username = ""
        self.session: Session | None = None
        self.pending: LoginChallenge | None = None
        t = self.transport
        self.accounts = Accounts(t)
        self.portfolio = Portfolio(t)
        self.orders = Orders(t)
        self.market = MarketData(t)
        self.contracts = Contracts(t)
        self.watchlists = Watchlists(t)
        self.alerts = Alerts(t)
        self.layouts = Layouts(t)
        self.messages = Messages(t)

    @property
    def server(self) -> str:
        return self.transport.server

    @property
    def token(self) -> str | None:
        return self.transport.token

    async def __aenter__(self) -> AsyncGatehouse:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections (the session stays open; ``logout`` ends it)."""
        await self.transport.aclose()

    # --- any endpoint ---------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: Params | None = None,
        *,
        read_timeout: float | None = None,
    ) -> Any:
        """Call any endpoint: ``path`` under ``/v1/api`` (``/tickle``) or a full ``/v1/...``.

        Returns the parsed JSON answer; a refusal raises the typed error for its code.
        """
        return await self.transport.request(
            method, path, json=json, params=params, read_timeout=read_timeout
        )

    # --- sign-in --------------------------------------------------------------------------
    async def login(
        self,
        username: str,
        password: str,
        platform: str = "gateway",
        environment: str = "live",
        *,
        device_name: str = "",
    ) -> LoginChallenge:
        """The password step; the answer lists the second factors the user may use."""
        body: dict[str, Any] = {
            "username": username,
            "password": password,
            "platform": platform,
            "environment": environment,
        }
        if device_name:
            body["device_name"] = device_name
        self._username = username
        known = self.device_token
        if not known and self.device_tokens is not None:
            known = self.device_tokens.get(self.server, username)
        if known:
            body["device_token"] = known  # a known device has its own failure budget
        self.pending = LoginChallenge.from_json(await self.request("POST", "/auth/login", body))
        return self.pending

    def _login_id(self, login_id: str | None) -> str:
        if login_id is not None:
            return login_id
        if self.pending is None:
            raise NotFound("login_not_found", "Call login() first.", status=404)
        return self.pending.login_id

    async def challenge(self, factor: str, *, login_id: str | None = None) -> Challenge:
        """Ask for a challenge: ``push`` (a number to show), ``sms`` (sent) or ``card`` (cells)."""
        path = f"/auth/login/{self._login_id(login_id)}/challenge"
        return challenge_from_json(factor, await self.request("POST", path, {"factor": factor}))

    async def verify(
        self, factor: str, code: str | list[str], *, login_id: str | None = None
    ) -> Session:
        """Send the second factor's code (``totp``, ``sms``, ``card``); opens the session."""
        path = f"/auth/login/{self._login_id(login_id)}/verify"
        body = await self.request("POST", path, {"factor": factor, "code": code})
        return self._signed_in(body)

    async def wait(
        self,
        timeout: float = 120.0,  # noqa: ASYNC109 - how long the user has, not an I/O limit
        *,
        login_id: str | None = None,
    ) -> Session:
        """Wait for the push to be approved on the Key device; the session when it is.

        Raises ``PushDenied`` (denied or wrong number), ``Expired`` (the push or the sign-in
        ran out) or ``WaitTimedOut`` after ``timeout`` seconds without an answer.
        """
        ident = self._login_id(login_id)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimedOut()
            wait = min(LONG_POLL_SECONDS, remaining)
            path, params = f"/auth/login/{ident}", {"wait": round(wait, 3)}
            body = await self.request("GET", path, params=params, read_timeout=wait + 15)
            if isinstance(body, dict) and body.get("session_id"):
                return self._signed_in(body)
            state = body.get("state") if isinstance(body, dict) else None
            if state == "expired":
                raise Expired("login_expired", "The sign-in has expired; start again.", status=410)
            if isinstance(body, dict) and body.get("push") == "expired":
                raise Expired("push_expired", "The push expired; ask for another one.", status=410)
            if state != "second_factor":
                raise GatehouseApiError(
                    f"login_{state}", f"The sign-in is {state}; start again.", details=body
                )

    def _signed_in(self, body: dict[str, Any]) -> Session:
        session = Session.from_json(body)
        self.session = session
        self.pending = None
        self.transport.token = session.token
        self.transport.csrf_token = session.csrf_token
        fresh = body.get("device_token")
        if isinstance(fresh, str) and fresh and fresh != self.device_token:
            self.device_token = fresh
            if self.device_tokens is not None:
                self.device_tokens.put(self.server, self._username or session.username, fresh)
        return session

    def use_token(self, token: str | None) -> None:
        """Authenticate later requests with this session token (None: signed out)."""
        self.transport.token = token
        if token is None:
            self.session = None

    # --- sessions -------------------------------------------------------------------------
    async def tickle(self) -> dict[str, Any]:
        """Keep the session alive; IBKR's answer (``session``, ``ssoExpires``, ``iserver``)."""
        body: dict[str, Any] = await self.request("POST", "/tickle")
        return body

    async def me(self) -> Session:
        """This session, as the server sees it (no token)."""
        return Session.from_json(await self.request("GET", "/me"))

    async def sessions(self) -> list[Session]:
        """The user's live sessions on every platform (``current`` marks this one)."""
        body = await self.request("GET", "/sessions")
        return [Session.from_json(s) for s in body.get("sessions", [])]

    async def end_session(self, session_id: str) -> None:
        """End one of the user's sessions (its sockets close with the reason ``revoked``)."""
        await self.request("DELETE", f"/sessions/{session_id}")

    async def end_all_sessions(self, *, keep_current: bool = False) -> int:
        """Sign out everywhere; returns how many sessions were ended."""
        body = await self.request(
            "POST", "/sessions/end-all", params={"keep_current": str(keep_current).lower()}
        )
        return int(body.get("ended", 0))

    async def logout(self) -> None:
        """End this session; the client forgets its token."""
        await self.request("POST", "/logout")
        self.use_token(None)
        self.transport.csrf_token = None

    async def activity(self, limit: int = 50) -> list[dict[str, Any]]:
        """Recent activity of the user: the audit log, newest first."""
        body = await self.request("GET", "/me/activity", params={"limit": limit})
        return list(body.get("activity", []))

    # --- events ---------------------------------------------------------------------------
    def events(
        self,
        since: int | None = None,
        *,
        epoch: str | None = None,
        backoff_max: float = 5.0,
        idle_timeout: float = 45.0,
    ) -> EventStream:
        """Account events after ``since`` (None: from now), resuming after any disconnect."""
        return EventStream(
            self.transport,
            since=since,
            epoch=epoch,
            check_session=self.me,
            backoff_max=backoff_max,
            idle_timeout=idle_timeout,
        )
