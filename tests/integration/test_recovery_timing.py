"""Recovery does not tell, by its timing, whether an account exists (issue 15 #3).

Two checks. The work done before answering is the same for a known and an unknown name at
every step (SQL statements counted, and the Argon2 verifications with their parameters, on
both backends): that one is exact, and no load can sway it. And the response times of real
requests, measured from another process over many interleaved pairs, cannot be told apart
(Mann-Whitney U). A loaded 2-core machine can fake a difference in one sample (a burst that
hits more requests of one kind), so a difference only fails the test when a second,
independent sample shows it again, the same way; a real one, like the 1 ms found before or an
unknown name skipping its Argon2 work, shows every time."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import argon2
import pytest
from sqlalchemy import event
from tests.conftest import make_user
from tests.integration.test_recovery_questions import CHOSEN
from tests.support.signin import bearer, full_signin
from tests.support.timing import Comparison, compare

from gatehouse.domain.errors import RecoveryFailed
from gatehouse.service.identity import recovery, recovery_questions

PAIRS = 200
VERIFY_PAIRS = 90  # each a failure of the name: fewer than the hard cap of 100 with warm-up
UNKNOWN = "nobody-here"
WRONG_ANSWERS = ["not it", "nor this", "nope"]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "rate_limit_recovery": "100000/minute",
        "rate_limit_login": "1000/minute",
        # wrong answers, many times: no delays, no address lockout (the hard cap stays 100)
        "throttle_free_failures": 1000,
        "throttle_address_failures": 100000,
    }


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


@contextmanager
def argon2_work(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The parameters (``m=…,t=…,p=…``) of every Argon2 verification inside the block."""
    seen: list[str] = []
    real = argon2.PasswordHasher.verify

    def verify(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        text = hash.decode() if isinstance(hash, bytes) else hash
        seen.append(text.split("$")[3])
        return real(self, hash, password)

    with monkeypatch.context() as patch:
        patch.setattr(argon2.PasswordHasher, "verify", verify)
        yield seen


async def with_questions(client, runtime, clock, name: str = "alice") -> Any:
    user = await make_user(runtime, name)
    token = (await full_signin(client, user, clock))["token"]
    put = await client.put(
        "/v1/api/me/security-questions",
        json={"password": user.password, "questions": CHOSEN},
        headers=bearer(token),
    )
    assert put.status_code == 200, put.text
    return user


async def test_the_work_before_answering_is_the_same_for_unknown_names(
    client, runtime, clock, monkeypatch
):
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
        with (
            statements(runtime) as checked,
            argon2_work(monkeypatch) as hashed,
            pytest.raises(RecoveryFailed),
        ):
            await recovery_questions.verify(
                ctx,
                started["recovery_id"],
                answers=WRONG_ANSWERS,
                factor="totp",
                code="000000",
                address="a",
            )
        work[name] = [password, questions, sms, checked, hashed]
    assert work["alice"] == work[UNKNOWN]
    assert work["alice"][0] == []  # the email path answers before touching the database
    assert len(work["alice"][4]) == 3  # an Argon2 verification per answer, the same for both


class Recorded:
    """The SMS sender: what a real account's attempt sends is recorded, nothing else. Sending
    happens after the answer; stored in the database it would take the CPU (of this shared
    2-core machine) the timing client needs right then, and look like a slower answer."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, phone: str, text: str) -> None:
        self.sent += 1


async def measure(base_url: str, kind: str, known: str, unknown: str) -> Comparison:
    # measured from another process, as from outside: no event loop or GIL shared with the
    # server (whose work after answering would otherwise show in the client's timings)
    pairs = VERIFY_PAIRS if kind == "verify" else PAIRS
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.timing_client", base_url, kind, str(pairs),
        known, unknown, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await child.communicate()
    assert child.returncode == 0
    times = json.loads(out)
    return compare(times["known"], times["unknown"])


def tells(result: Comparison) -> bool:
    """A difference both significant and large enough to matter (the campaign found +0.7-1 ms)."""
    return result.p_value < 1e-3 and abs(result.median_difference_ms) > 0.3


@pytest.mark.parametrize("backend", ["sqlite"])  # the server's code, not the database's
@pytest.mark.parametrize("kind", ["forgot", "questions", "sms", "verify"])
async def test_response_times_do_not_tell_whether_an_account_exists(
    client, base_url, runtime, clock, kind
):
    runtime.ctx.sms = sms = Recorded()
    await with_questions(client, runtime, clock)
    first = await measure(base_url, kind, "alice", UNKNOWN)
    print(first.line(kind))
    if kind == "sms":  # the real account's attempts did send their codes, after answering
        for _ in range(200):
            if sms.sent == 20 + PAIRS:
                break
            await asyncio.sleep(0.05)
        assert sms.sent == 20 + PAIRS
    if not tells(first):
        return
    # a second, independent sample (fresh names: verify's failures count against each)
    await with_questions(client, runtime, clock, "bob")
    again = await measure(base_url, kind, "bob", "nobody-else")
    print(again.line(f"{kind}, again"))
    same_way = (first.median_difference_ms > 0) == (again.median_difference_ms > 0)
    assert not (tells(again) and same_way), (first, again)
