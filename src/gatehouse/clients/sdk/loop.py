"""An event loop in a daemon thread: how the blocking client runs the async one."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class LoopThread:
    """An event loop running in a daemon thread; ``run`` waits for a coroutine's result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result()

    def wrap(self, fn: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
        """A blocking version of the coroutine function ``fn``."""

        @functools.wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> T:
            return self.run(fn(*args, **kwargs))

        return call

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()
