"""HTTP transport of the SDK: the one place that builds API URLs and turns errors into types.

A path such as ``/tickle`` is taken under ``/v1/api``; a path starting with ``/v1/`` is used
as it is (``/v1/portal/...``). Requests carry ``Authorization: Bearer <token>`` once signed
in; a cookie session (web platform) sends its CSRF token on changes instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from gatehouse.clients.sdk.errors import ConnectionLost, from_response

API_PREFIX = "/v1/api"
PORTAL_PREFIX = "/v1/portal"  # IBKR's alias of the same API
PORTAL_PREFIX = "/v1/portal"  # IBKR's alias of every /v1/api path
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Params = Mapping[str, str | int | float | bool | None]


def api_path(path: str) -> str:
    """``/tickle`` -> ``/v1/api/tickle``; ``/v1/portal/x`` stays as it is."""
    if not path.startswith("/"):
        path = "/" + path
    if path.startswith("/v1/"):
        return path
    return API_PREFIX + path


def websocket_url(server: str, path: str) -> str:
    """The ws(s):// URL of an API socket, e.g. ``websocket_url(server, "/events")``."""
    base = server.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return base + api_path(path)


def _clean(params: Params | None) -> dict[str, str | int | float | bool] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}


def decode(response: httpx.Response) -> Any:
    """The parsed JSON of a successful response (None when empty); raises typed errors."""
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if response.is_success:
        return body
    raise from_response(response.status_code, body, response.headers)


class Transport:
    """One server: an httpx client, the session's credentials, and the error mapping."""

    def __init__(
        self,
        server: str,
        *,
        token: str | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        verify: bool | str = True,
        user_agent: str = "gatehouse-sdk",
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.csrf_token: str | None = None
        self.user_agent = user_agent
        self.verify = verify
        self._http = http or httpx.AsyncClient(
            base_url=self.server,
            timeout=timeout,
            verify=verify,
            headers={"User-Agent": user_agent},
        )
        self._owns_http = http is None

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def auth_headers(self, method: str = "GET") -> dict[str, str]:
        """The headers that authenticate a request (also for WebSocket handshakes)."""
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.csrf_token and method.upper() not in SAFE_METHODS:
            return {"X-CSRF-Token": self.csrf_token}
        return {}

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        read_timeout: float | None = None,
    ) -> httpx.Response:
        """The raw response, whatever its status; ``ConnectionLost`` if there is none."""
        sent = {**self.auth_headers(method), **(headers or {})}
        extra: dict[str, Any] = {}
        if read_timeout is not None:
            extra["timeout"] = read_timeout
        try:
            return await self._http.request(
                method.upper(),
                api_path(path),
                json=json,
                params=_clean(params),
                headers=sent,
                content=content,
                **extra,
            )
        except httpx.TransportError as error:
            cause = f"{type(error).__name__}: {error}".rstrip(": ")
            raise ConnectionLost(
                f"The server at {self.server} cannot be reached ({cause})."
            ) from error

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        """The parsed JSON answer; a refusal raises the typed error for its code."""
        response = await self.send(
            method, path, json=json, params=params, headers=headers, read_timeout=read_timeout
        )
        return decode(response)
