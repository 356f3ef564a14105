"""Keeps the Gateway signed in: device sign-in, tickles, the events stream (a revoked device
or session stops it at once, with the reason), sign-in again after expiry, reconnection with
backoff after a server restart, and read-only service while a full second factor is due."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gatehouse.clients.gateway.logs import say
from gatehouse.clients.gateway.state import GatewayState
from gatehouse.clients.sdk import (
    AsyncGatehouse,
    ConnectionLost,
    Event,
    FactorUnavailable,
    GatehouseApiError,
    Locked,
    NotSignedIn,
    PushDenied,
    RateLimited,
    ServerError,
    SessionEnded,
)
from gatehouse.clients.sdk import devices as sdk_devices

# Session end reasons (domain.identity.sessions.EndReason) after which the gateway stops for
# good; after the others (logout, idle, expired) it signs in again.
STOP_REASONS = {"revoked", "signed_out_everywhere", "password_changed", "support"}
DEVICE_GONE = {"device_not_recognized"}
RENEW_BEFORE = 120.0  # seconds before the end of its lifetime a session is replaced
MAX_BACKOFF = 10.0
RENEWAL_RETRY = 900.0  # seconds between push requests for the full second factor


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Stop(Exception):
    """The gateway must stop serving; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SessionKeeper:
    def __init__(
        self,
        state: GatewayState,
        key: Ed25519PrivateKey,
        client: AsyncGatehouse,
        *,
        tickle_seconds: float = 60.0,
        on_stop: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.state = state
        self.key = key
        self.client = client
        self.tickle_seconds = tickle_seconds
        self.on_stop = on_stop
        self._signed_in = asyncio.Event()
        self._lost = asyncio.Event()
        self.first_attempt = asyncio.Event()  # set once the first sign-in succeeded or failed
        self._seq: int | None = None
        self._epoch: str | None = None

    # --- what the listener asks -----------------------------------------------------------
    async def fresh_token(self, stale: str | None) -> str | None:
        """The current token if it is not ``stale``; else wait (10 s at most) for a new one."""
        if self.state.stopped:
            return None
        if self.state.token is not None and self.state.token != stale:
            return self.state.token
        if stale is not None and self.state.token == stale:
            self._lost.set()
            self._signed_in.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._signed_in.wait(), 10.0)
        return None if self.state.stopped else self.state.token

    # --- the loop ---------------------------------------------------------------------------
    async def run(self) -> str:
        """Serve until stopped; returns the reason it stopped."""
        backoff = 0.5
        try:
            while True:
                try:
                    try:
                        await self._sign_in()
                    finally:
                        self.first_attempt.set()
                    backoff = 0.5
                    reason = await self._hold()
                except (ConnectionLost, ServerError, RateLimited, Locked) as error:
                    self.state.upstream_connected = False
                    self.state.error(error.code, error.message)
                    wait = max(backoff, float(error.retry_after or 0))
                    say("cannot sign in now", level=logging.WARNING, code=error.code, retry_in=wait)
                    await asyncio.sleep(wait)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                if reason in STOP_REASONS:
                    raise Stop(reason)
                say("signing in again", reason=reason)
        except Stop as stop:
            await self._stop(stop.reason)
            return stop.reason

    async def _stop(self, reason: str) -> None:
        self.state.stop(reason)
        self.state.error("stopped", reason)
        self._signed_in.set()  # wake waiting requests: they get the refusal
        say("stopped serving", level=logging.ERROR, reason=reason)
        if self.on_stop is not None:
            await self.on_stop(reason)

    async def _sign_in(self) -> None:
        self._signed_in.clear()
        self.state.signed_out()
        try:
            signed = await sdk_devices.sign_in(self.client, self.state.device_id, self.key)
        except (ConnectionLost, ServerError, RateLimited, Locked):
            raise
        except GatehouseApiError as error:
            self.state.error(error.code, error.message)
            raise Stop("revoked" if error.code in DEVICE_GONE else error.code) from None
        self.state.signed_in(signed)
        self._lost.clear()
        self._signed_in.set()
        fields: dict[str, Any] = {
            "user": self.state.username,
            "environment": self.state.environment,
            "scope": self.state.scope,
            "session_expires_at": self.state.session_expires_at,
            "second_factor_due_at": self.state.second_factor_due_at,
        }
        say("signed in", **fields)
        if self.state.second_factor_due:
            say(
                "serving read-only: a full second factor is due (asking by push)",
                level=logging.WARNING,
                since=self.state.second_factor_due_at,
            )

    async def _hold(self) -> str:
        """Keep this session until it ends; returns the reason it ended."""
        tasks = {
            asyncio.create_task(self._tickles()),
            asyncio.create_task(self._events()),
            asyncio.create_task(self._lost_by_listener()),
        }
        if self.state.second_factor_due:
            tasks.add(asyncio.create_task(self._renewal()))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            return next(iter(done)).result()
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _renewal(self) -> str:
        """While a full second factor is due: ask the owner by push, wait for the answer, ask
        again every RENEWAL_RETRY seconds; "renewed" makes the gateway sign in with its scope."""
        while True:
            try:
                asked = await sdk_devices.request_renewal(self.client)
                self.state.renewal = {"number": asked.get("number"), "asked_at": _now()}
                say(
                    "a full second factor is due: approve the push on your Key device",
                    level=logging.WARNING,
                    number=asked.get("number"),
                )
                state = "pending"
                deadline = asyncio.get_running_loop().time() + float(asked.get("expires_in", 120))
                while state == "pending" and asyncio.get_running_loop().time() < deadline:
                    state = await sdk_devices.renewal_status(self.client, str(asked["renewal_id"]))
                if state == "renewed":
                    self.state.renewal = None
                    say("renewed by push")
                    return "renewed"
                say("the push was not answered", level=logging.WARNING)
            except FactorUnavailable as error:
                self.state.error(error.code, error.message)
                say("cannot ask by push", level=logging.WARNING, reason=error.message)
            except PushDenied as error:
                self.state.error(error.code, error.message)
                say("the push was denied", level=logging.WARNING)
            except (ConnectionLost, ServerError) as error:
                self.state.error(error.code, error.message)
            self.state.renewal = None
            await asyncio.sleep(RENEWAL_RETRY)

    async def _lost_by_listener(self) -> str:
        await self._lost.wait()
        return "expired"

    async def _tickles(self) -> str:
        while True:
            wait = self.tickle_seconds
            left = self.state.seconds_left()
            if left is not None:
                # replace it shortly before it ends (a session cut short by the policy's
                # deadline is used to its end, then the next one is read-only)
                left -= min(RENEW_BEFORE, (self.state.lifetime_left or 0) / 2)
                if left <= 0:
                    return "renew"
                wait = min(wait, left)
            await asyncio.sleep(wait)
            try:
                await self.client.tickle()
                self.state.upstream_connected = True
            except NotSignedIn:
                return "expired"
            except ConnectionLost as error:
                self.state.upstream_connected = False
                self.state.error(error.code, error.message)
            except GatehouseApiError as error:
                self.state.error(error.code, error.message)

    async def _events(self) -> str:
        """Follow the events stream (the SDK resumes from the last seq after any disconnect)."""
        stream = self.client.events(self._seq, epoch=self._epoch, backoff_max=MAX_BACKOFF)
        watching = asyncio.create_task(self._watch(stream))
        try:
            async for item in stream:
                ended = self._ended_by(item) if isinstance(item, Event) else None
                if ended is not None:
                    return ended
        except SessionEnded as ended:
            return ended.reason
        finally:
            watching.cancel()
            self._seq, self._epoch = stream.last_seq, stream.epoch
            await stream.aclose()
        return "expired"

    async def _watch(self, stream: Any) -> None:
        """Mirror the stream's connection into the status, and log reconnections."""
        was = True
        while True:
            await asyncio.sleep(0.5)
            now = bool(stream.connected)
            if now != was:
                self.state.upstream_connected = now
                level = logging.INFO if now else logging.WARNING
                say("events stream " + ("connected" if now else "lost; reconnecting"), level=level)
                was = now

    def _ended_by(self, event: Event) -> str | None:
        data = event.data
        if event.type == "session.ended" and data.get("session_id") == self.state.session_id:
            return str(data.get("reason") or "expired")
        if (
            event.type == "user.gateways_changed"
            and data.get("change") == "revoked"
            and data.get("device_id") == self.state.device_id
        ):
            return "revoked"
        return None
