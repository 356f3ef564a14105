"""The Workstation's ``SignIn`` and ``Link`` on the Gatehouse SDK (``AsyncGatehouse``):
the SDK's typed errors become ``ApiError`` with the same stable ``code``, and its resuming
event stream is read as plain frames."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import asdict
from typing import Any, TypeVar

from gatehouse.clients import sdk
from gatehouse.clients.workstation.link import ApiError, Session, SessionEnded

USER_AGENT = "Gatehouse-Workstation"
T = TypeVar("T")


async def _call(pending: Awaitable[T]) -> T:
    """Await an SDK call; its typed error becomes an ``ApiError`` with the same code."""
    try:
        return await pending
    except sdk.SessionEnded as ended:
        raise SessionEnded(ended.reason) from ended
    except sdk.GatehouseApiError as error:
        details = dict(error.details)
        if error.retry_after is not None:
            details["retry_after"] = error.retry_after
        raise ApiError(error.status, error.code, error.message, details) from error


def _session(found: sdk.Session) -> Session:
    body = dict(found.raw) or {k: v for k, v in asdict(found).items() if k != "raw"}
    body["token"] = found.token or ""
    return Session.from_body(body)


class SdkSignIn:
    """Sign-in steps against one server (``base_url`` like ``http://127.0.0.1:8000``)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = sdk.AsyncGatehouse(self.base_url, user_agent=USER_AGENT)

    async def start(
        self, username: str, password: str, environment: str, *, device_token: str = ""
    ) -> dict[str, Any]:
        body = {
            "username": username,
            "password": password,
            "platform": "workstation",
            "environment": environment,
            "device_name": "Workstation",
        }
        if device_token:
            body["device_token"] = device_token  # a known device has its own failure budget
        found = sdk.LoginChallenge.from_json(
            await _call(self._client.request("POST", "/auth/login", body))
        )
        return {
            "login_id": found.login_id,
            "factors": list(found.factors),
            "notices": list(found.notices),
            "expires_in": found.expires_in,
        }

    async def challenge(self, login_id: str, factor: str) -> dict[str, Any]:
        found = await _call(self._client.challenge(factor, login_id=login_id))
        return asdict(found)

    async def verify(self, login_id: str, factor: str, code: str | list[str]) -> Session:
        found = await _call(self._client.verify(factor, code, login_id=login_id))
        self._client.use_token(None)  # this client stays a signed-out one
        return _session(found)

    async def wait(self, login_id: str, seconds: int) -> Session | None:
        try:
            found = await _call(self._client.wait(seconds, login_id=login_id))
        except ApiError as error:
            if error.code == "wait_timeout":
                return None
            raise
        self._client.use_token(None)
        return _session(found)

    async def versions(self) -> dict[str, Any]:
        try:
            body = await _call(self._client.request("GET", "/workstation/version"))
        except ApiError:
            return {}
        return body if isinstance(body, dict) else {}

    def open(self, session: Session) -> SdkLink:
        return SdkLink(self.base_url, session)

    async def close(self) -> None:
        await self._client.aclose()


class SdkLink:
    """A signed-in session: REST calls and the resuming events stream, through the SDK."""

    def __init__(self, base_url: str, session: Session) -> None:
        self.base_url = base_url
        self.session = session
        self._client = sdk.AsyncGatehouse(base_url, token=session.token, user_agent=USER_AGENT)
        self._stream: sdk.EventStream | None = None

    @property
    def connected(self) -> bool:
        """True while the events socket is open and resumed."""
        return self._stream is not None and self._stream.connected

    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        return await _call(
            self._client.request(method, "/" + path.lstrip("/"), json=json, params=params)
        )

    async def events(self, since: int | None = None) -> AsyncIterator[dict[str, Any]]:
        self._stream = self._client.events(since)
        try:
            async for item in self._stream:
                if isinstance(item, sdk.Resync):
                    yield {"type": "resync", "seq": item.seq, "epoch": item.epoch}
                else:
                    yield {
                        "seq": item.seq,
                        "type": item.type,
                        "account": item.account,
                        "data": item.data,
                    }
        except sdk.SessionEnded as ended:
            raise SessionEnded(ended.reason) from ended

    async def close(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(RuntimeError):  # a generator still running: closed by
                await self._stream.aclose()  # the cancellation of the task reading it
        await self._client.aclose()
