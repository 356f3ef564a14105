"""Recovery does not tell, by its timing, whether an account exists (issue 15 #3).

Two checks: the work done before answering is the same (SQL statements counted, for a known
and an unknown name, on both backends), and over 200+ interleaved pairs of real requests
the response times cannot be told apart (Mann-Whitney U; a generous threshold, so that a
loaded machine does not fail it, while a difference like the 1 ms found before does)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from tests.conftest import make_user
from tests.integration.test_recovery_questions import CHOSEN
from tests.support.signin import bearer, full_signin
from tests.support.timing import compare

from gatehouse.service.identity import recovery, recovery_questions

PAIRS = 200
UNKNOWN = "nobody-here"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"rate_limit_recovery": "100000/minute", "rate_limit_login": "1000/minute"}


@contextmanager
def statements(runtime) -> Iterator[list[str]]:
    """Every SQL statement the runtime's engine runs inside the block."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]).split()[0])

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", count)


async def with_questions(client, runtime, clock) -> Any:
    alice = await make_user(runtime)
    token = (await full_signin(client, alice, clock))["token"]
    put = await client.put(
        "/v1/api/me/security-questions",
        json={"password": alice.password, "questions": CHOSEN},
        headers=bearer(token),
    )
    assert put.status_code == 200, put.text
    return alice


async def test_the_work_before_answering_is_the_same_for_unknown_names(client, runtime, clock):
    await with_questions(client, runtime, clock)
    ctx = runtime.ctx
    work: dict[str, list[list[str]]] = {}
    for name in ("alice", UNKNOWN):
        with statements(runtime) as password:
            answer = await recovery.request_email(ctx, username=name, email=None, address="a")
        assert answer.deliver is not None  # the lookup waits until after the answer
        with statements(runtime) as questions:
            started = await recovery_questions.start(ctx, username=name, address="a")
        with statements(runtime) as sms:
            await recovery_questions.send_sms(ctx, started["recovery_id"], address="a")
        work[name] = [password, questions, sms]
    assert work["alice"] == work[UNKNOWN]
    assert work["alice"][0] == []  # the email path answers before touching the database


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("kind", ["forgot", "questions", "sms"])
async def test_response_times_do_not_tell_whether_an_account_exists(
    client, base_url, runtime, clock, kind
):
    await with_questions(client, runtime, clock)
    # measured from another process, as from outside: no event loop or GIL shared with the
    # server (whose work after answering would otherwise show in the client's timings)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.timing_client", base_url, kind, str(PAIRS),
        "alice", UNKNOWN, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await child.communicate()
    assert child.returncode == 0
    times = json.loads(out)
    result = compare(times["known"], times["unknown"])
    print(result.line(kind))
    # Generous on purpose (a shared 2-core machine): fail only on a difference that is both
    # significant and large enough to matter, like the +0.7-1.0 ms found by the campaign.
    assert not (result.p_value < 1e-3 and abs(result.median_difference_ms) > 0.3), result
