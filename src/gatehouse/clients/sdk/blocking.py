"""``Gatehouse``: the synchronous face of ``AsyncGatehouse`` for scripts and notebooks.

Every method runs the async one on an event loop of the client's own (a daemon thread), so
it works from plain code and from threads alike; ``events()`` is a blocking iterator.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from types import TracebackType
from typing import Any, TypeVar

from gatehouse.clients.sdk import blocking_api as api
from gatehouse.clients.sdk.client import AsyncGatehouse
from gatehouse.clients.sdk.events import EventStream
from gatehouse.clients.sdk.loop import LoopThread
from gatehouse.clients.sdk.models import Event, Resync, Session

T = TypeVar("T")


class BlockingEvents:
    """The events stream as a blocking iterator (``last_seq``/``epoch`` as on the stream)."""

    def __init__(self, stream: EventStream, loops: LoopThread) -> None:
        self.stream = stream
        self._loops = loops

    @property
    def last_seq(self) -> int | None:
        return self.stream.last_seq

    @property
    def epoch(self) -> str | None:
        return self.stream.epoch

    def __iter__(self) -> Iterator[Event | Resync]:
        return self

    def __next__(self) -> Event | Resync:
        try:
            return self._loops.run(self.stream.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        self._loops.run(self.stream.aclose())


class Gatehouse:
    """A blocking client of one Gatehouse server; the same methods as ``AsyncGatehouse``.

    ``aio`` is the async client underneath (its coroutines run on this client's loop:
    call them through ``run``).
    """

    def __init__(self, server: str, **options: Any) -> None:
        self._loops = LoopThread()
        self.aio: AsyncGatehouse = self._loops.run(_make(server, options))
        wrap = self._loops.wrap
        aio = self.aio
        self.request = wrap(aio.request)
        self.login = wrap(aio.login)
        self.challenge = wrap(aio.challenge)
        self.verify = wrap(aio.verify)
        self.wait = wrap(aio.wait)
        self.tickle = wrap(aio.tickle)
        self.me = wrap(aio.me)
        self.sessions = wrap(aio.sessions)
        self.end_session = wrap(aio.end_session)
        self.end_all_sessions = wrap(aio.end_all_sessions)
        self.logout = wrap(aio.logout)
        self.activity = wrap(aio.activity)
        self.accounts = api.BlockingAccounts(aio, self._loops)
        self.portfolio = api.BlockingPortfolio(aio, self._loops)
        self.orders = api.BlockingOrders(aio, self._loops)
        self.market = api.BlockingMarketData(aio, self._loops)
        self.contracts = api.BlockingContracts(aio, self._loops)
        self.watchlists = api.BlockingWatchlists(aio, self._loops)
        self.alerts = api.BlockingAlerts(aio, self._loops)
        self.layouts = api.BlockingLayouts(aio, self._loops)
        self.messages = api.BlockingMessages(aio, self._loops)

    @property
    def session(self) -> Session | None:
        return self.aio.session

    @property
    def token(self) -> str | None:
        return self.aio.token

    def use_token(self, token: str | None) -> None:
        self.aio.use_token(token)

    @property
    def device_token(self) -> str | None:
        """This device's known-device token (docs/sdk.md), set by the last sign-in."""
        return self.aio.device_token

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run any coroutine of ``aio`` on this client's loop and return its result."""
        return self._loops.run(coro)

    def events(self, since: int | None = None, *, epoch: str | None = None) -> BlockingEvents:
        """Account events after ``since``, as a blocking iterator that resumes by itself."""
        return BlockingEvents(self.aio.events(since, epoch=epoch), self._loops)

    def close(self) -> None:
        """Close the connections and the client's loop (the session stays open)."""
        self._loops.run(self.aio.aclose())
        self._loops.stop()

    def __enter__(self) -> Gatehouse:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


async def _make(server: str, options: dict[str, Any]) -> AsyncGatehouse:
    return AsyncGatehouse(server, **options)  # httpx binds to the loop it is first used on
