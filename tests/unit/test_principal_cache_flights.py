"""The principal cache's single flight: concurrent database trips for one token become one,
its answer or error is shared, and a caller that goes away cancels nobody else."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gatehouse.domain.errors import SessionExpired
from gatehouse.service.identity.principal_cache import PrincipalCache


class Trip:
    """A database trip held open until ``release``; counts how often it was made."""

    def __init__(self, answer: Any = None, error: Exception | None = None) -> None:
        self.made = 0
        self.gate = asyncio.Event()
        self.answer, self.error = answer, error

    async def __call__(self) -> Any:
        self.made += 1
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.answer


async def test_concurrent_callers_of_one_token_share_one_trip():
    cache, trip = PrincipalCache(), Trip(answer=("user", "session"))
    callers = [asyncio.create_task(cache.single_flight("t", trip)) for _ in range(50)]
    await asyncio.sleep(0)
    trip.gate.set()
    assert await asyncio.gather(*callers) == [("user", "session")] * 50
    assert trip.made == 1
    again = Trip(answer=("user", "later"))
    again.gate.set()
    assert await cache.single_flight("t", again) == ("user", "later")  # landed: a new trip
    assert again.made == 1


async def test_other_tokens_make_their_own_trips():
    cache, first, second = PrincipalCache(), Trip(answer=1), Trip(answer=2)
    one = asyncio.create_task(cache.single_flight("a", first))
    two = asyncio.create_task(cache.single_flight("b", second))
    await asyncio.sleep(0)
    first.gate.set()
    second.gate.set()
    assert (await one, await two) == (1, 2)
    assert (first.made, second.made) == (1, 1)


async def test_an_error_reaches_every_caller():
    cache, trip = PrincipalCache(), Trip(error=SessionExpired())
    callers = [asyncio.create_task(cache.single_flight("t", trip)) for _ in range(3)]
    await asyncio.sleep(0)
    trip.gate.set()
    for caller in callers:
        with pytest.raises(SessionExpired):
            await caller
    assert trip.made == 1


async def test_a_caller_going_away_does_not_cancel_the_others():
    cache, trip = PrincipalCache(), Trip(answer="principal")
    leaving = asyncio.create_task(cache.single_flight("t", trip))
    staying = asyncio.create_task(cache.single_flight("t", trip))
    await asyncio.sleep(0)
    leaving.cancel()
    trip.gate.set()
    assert await staying == "principal"
    assert leaving.cancelled() and trip.made == 1
