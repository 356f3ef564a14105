"""The real ``ibind`` client (PyPI) pointed at a test server: unmodified but for credentials.

ibind speaks to an IBKR gateway with no credentials of its own (the gateway holds the
session); against Gatehouse its ``requests`` session carries the bearer token instead.
Its calls block, so tests run them in a thread while the server runs in the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ibind import IbkrClient

T = TypeVar("T")


def ibind_client(base_url: str, token: str, account: str, *, prefix: str = "/v1/api/") -> Any:
    client = IbkrClient(
        url=f"{base_url}{prefix}",
        account_id=account,
        cacert=False,
        timeout=10,
        max_retries=1,
        use_session=True,
        auto_register_shutdown=False,
    )
    client._session.headers["Authorization"] = f"Bearer {token}"  # the only change
    return client


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one blocking ibind call off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


class Records(logging.Handler):
    """Every record ibind logs at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        return [f"{r.name} {r.levelname}: {r.getMessage()}" for r in self.records]


@contextmanager
def ibind_warnings() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("ibind")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
