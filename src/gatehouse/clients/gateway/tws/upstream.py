"""What the TWS server needs of Gatehouse: JSON requests to its REST API and its stream of
account events. ``SdkUpstream`` serves both from a signed-in SDK client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

LOST = "upstream.lost"  # the event stream broke (the server is unreachable)
RESTORED = "upstream.restored"  # it is back, nothing missed (resumed by sequence number)
RESTORED_DATA_LOST = "upstream.restored_data_lost"  # back, but the history had to be re-read


class UpstreamError(Exception):
    """A refused request: the server's stable error code, its message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class UpstreamEvent:
    """An account event (``order.filled``, …) or a connectivity change (``upstream.*``)."""

    type: str
    account: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


class Upstream(Protocol):
    """Gatehouse's API as the TWS server uses it (paths are relative to ``/v1/api/``)."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any: ...

    def events(self) -> AsyncIterator[UpstreamEvent]: ...


class SdkClient(Protocol):
    """The part of the SDK's AsyncGatehouse the adapter uses."""

    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any: ...

    def events(
        self, since: int | None = None, *, epoch: str | None = None
    ) -> AsyncIterator[Any]: ...


class SdkUpstream:
    """An ``Upstream`` over a signed-in SDK client (``AsyncGatehouse``): its errors become
    UpstreamError, and its resuming event stream also reports when it loses the server and
    gets it back (``upstream.lost`` / ``upstream.restored``)."""

    def __init__(self, client: SdkClient, watch_seconds: float = 0.05) -> None:
        self.client = client
        self.watch_seconds = watch_seconds
        self.since: int | None = None  # where a new stream resumes: nothing is missed
        self.epoch: str | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        try:
            return await self.client.request(method, path, json=json, params=params)
        except Exception as exc:
            code, status = getattr(exc, "code", None), getattr(exc, "status", None)
            if isinstance(code, str) and isinstance(status, int):
                raise UpstreamError(code, str(getattr(exc, "message", exc)), status) from exc
            raise

    async def events(self) -> AsyncIterator[UpstreamEvent]:
        queue: asyncio.Queue[UpstreamEvent | BaseException] = asyncio.Queue()
        stream = self.client.events(self.since, epoch=self.epoch)

        async def read() -> None:
            try:
                async for item in stream:
                    self.since = getattr(stream, "last_seq", None)
                    self.epoch = getattr(stream, "epoch", None)
                    if hasattr(item, "type") and hasattr(item, "data"):
                        account = getattr(item, "account", None) or None
                        await queue.put(UpstreamEvent(str(item.type), account, dict(item.data)))
                    else:  # a Resync: the log moved on without us
                        await queue.put(UpstreamEvent(RESTORED_DATA_LOST))
            except BaseException as exc:
                await queue.put(exc)

        async def watch() -> None:
            was: bool | None = None  # unknown until the first connection is made
            while True:
                await asyncio.sleep(self.watch_seconds)
                now = bool(getattr(stream, "connected", True))
                if was is None:  # the first connection: connected from now on
                    if now:
                        was = True
                        await queue.put(UpstreamEvent(RESTORED))
                elif now != was:
                    await queue.put(UpstreamEvent(RESTORED if now else LOST))
                    was = now

        tasks = [asyncio.create_task(read()), asyncio.create_task(watch())]
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for task in tasks:
                task.cancel()
            closing = getattr(stream, "aclose", None)
            if closing is not None:
                with contextlib.suppress(Exception):
                    await closing()
