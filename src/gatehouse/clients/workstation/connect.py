"""The Workstation's ``SignIn`` and ``Link`` over HTTP and the ``/v1/api/events`` socket."""

from __future__ import annotations

import asyncio
import json as jsonlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gatehouse.clients.workstation.link import ApiError, Session, SessionEnded

USER_AGENT = "Gatehouse-Workstation"


def _raise_for(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400:
        if not isinstance(body, dict):
            body = {}
        details = {k: v for k, v in body.items() if k not in ("error", "message")}
        raise ApiError(
            response.status_code,
            str(body.get("error", "http_error")),
            str(body.get("message", response.reason_phrase)),
            details,
        )
    return body


class HttpSignIn:
    """Sign-in steps against one server (``base_url`` like ``http://127.0.0.1:8000``)."""

    def __init__(self, base_url: str, *, timeout: float = 35.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )

    async def _post(self, path: str, body: Any) -> Any:
        try:
            response = await self._http.post(f"/v1/api/{path}", json=body)
        except httpx.HTTPError as error:
            raise ApiError(0, "unreachable", f"Cannot reach {self.base_url}: {error}") from error
        return _raise_for(response)

    async def start(self, username: str, password: str, environment: str) -> dict[str, Any]:
        body = {
            "username": username,
            "password": password,
            "platform": "workstation",
            "environment": environment,
            "device_name": "Workstation",
        }
        return dict(await self._post("auth/login", body))

    async def challenge(self, login_id: str, factor: str) -> dict[str, Any]:
        return dict(await self._post(f"auth/login/{login_id}/challenge", {"factor": factor}))

    async def verify(self, login_id: str, factor: str, code: str | list[str]) -> Session:
        body = await self._post(f"auth/login/{login_id}/verify", {"factor": factor, "code": code})
        return Session.from_body(body)

    async def wait(self, login_id: str, seconds: int) -> Session | None:
        try:
            response = await self._http.get(
                f"/v1/api/auth/login/{login_id}", params={"wait": seconds}
            )
        except httpx.HTTPError as error:
            raise ApiError(0, "unreachable", f"Cannot reach {self.base_url}: {error}") from error
        body = _raise_for(response)
        return Session.from_body(body) if "session_id" in body else None

    async def versions(self) -> dict[str, Any]:
        try:
            response = await self._http.get("/v1/api/workstation/version")
        except httpx.HTTPError:
            return {}
        if response.status_code != 200:
            return {}
        body = response.json()
        return body if isinstance(body, dict) else {}

    def open(self, session: Session) -> HttpLink:
        return HttpLink(self.base_url, session)

    async def close(self) -> None:
        await self._http.aclose()


class HttpLink:
    """A signed-in session: bearer-token REST and the resumable events stream."""

    def __init__(self, base_url: str, session: Session, *, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Authorization": f"Bearer {session.token}"},
        )
        self.seq: int | None = None
        self.epoch: str | None = None

    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            response = await self._http.request(
                method, f"/v1/api/{path.lstrip('/')}", json=json, params=params
            )
        except httpx.HTTPError as error:
            raise ApiError(0, "unreachable", f"Cannot reach {self.base_url}: {error}") from error
        return _raise_for(response)

    async def events(self, since: int | None = None) -> AsyncIterator[dict[str, Any]]:
        self.seq = since
        url = self.base_url.replace("http", "ws", 1) + "/v1/api/events"
        headers = {"Authorization": f"Bearer {self.session.token}"}
        while True:
            try:
                async with ws_connect(
                    url, additional_headers=headers, user_agent_header=USER_AGENT
                ) as socket:
                    resume: dict[str, Any] = {"op": "resume", "since": self.seq}
                    if self.epoch is not None and self.seq is not None:
                        resume["epoch"] = self.epoch
                    await socket.send(jsonlib.dumps(resume))
                    async for raw in socket:
                        frame = jsonlib.loads(raw)
                        kind = str(frame.get("type", ""))
                        if kind in ("ready", "resync"):
                            self.epoch = frame.get("epoch")
                            if kind == "resync":
                                self.seq = int(frame["seq"])
                                await socket.send(
                                    jsonlib.dumps({"op": "resume", "since": self.seq})
                                )
                            elif self.seq is None:
                                self.seq = int(frame["seq"])
                            yield frame
                        elif "seq" in frame and "." in kind:
                            self.seq = int(frame["seq"])
                            yield frame
                    if socket.close_code == 4001:
                        raise SessionEnded(socket.close_reason or "The session ended.")
            except ConnectionClosed as closed:
                if closed.rcvd is not None and closed.rcvd.code == 4001:
                    raise SessionEnded(closed.rcvd.reason or "The session ended.") from closed
            except InvalidStatus as refused:
                if refused.response.status_code in (401, 403):
                    raise SessionEnded("The session ended.") from refused
            except OSError:
                pass
            await asyncio.sleep(1.0)  # the server restarts or the network drops: resume

    async def close(self) -> None:
        await self._http.aclose()
