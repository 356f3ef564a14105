"""A burst of concurrent guesses for one account, on one node or spread over two sharing a
database, gets no more passwords checked than the throttle allows one by one (issue 15 #1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from tests.conftest import make_user
from tests.conftest import test_settings as settings_for
from tests.support.backends import database
from tests.support.hashing import CountingHasher
from tests.support.server import serving
from tests.support.signin import login
from tests.support.state import throttle_failures

from gatehouse.api.app import create_app
from gatehouse.bootstrap import Runtime, build
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.throttle import account_key, address_key
from gatehouse.service.identity import users

WRONG = "Wrong-Horse-42-battery"
BURST = 100
LIMITS = {"rate_limit_login": "10000/minute"}


@pytest.fixture
async def nodes(backend: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[list[Runtime]]:
    """Two nodes (each its own engine, pool and hasher) on one database."""
    async with database(backend, tmp_path) as (url, schema):
        built = [
            await build(
                settings_for(tmp_path, url, **LIMITS),
                clock=clock,
                run_migrations=False,
                schema=schema,
            )
            for _ in range(2)
        ]
        try:
            yield built
        finally:
            for runtime in built:
                await runtime.close()


async def burst(base_urls: list[str], username: str, passwords: list[str]) -> list[int]:
    async with (
        httpx.AsyncClient(base_url=base_urls[0], timeout=60) as first,
        httpx.AsyncClient(base_url=base_urls[-1], timeout=60) as second,
    ):
        clients = [first, second]
        answers = await asyncio.gather(
            *(login(clients[i % 2], username, pw) for i, pw in enumerate(passwords))
        )
    return [a.status_code for a in answers]


@pytest.mark.parametrize("spread", ["one node", "two nodes"])
async def test_a_burst_of_guesses_checks_no_more_passwords_than_the_throttle_allows(nodes, spread):
    runtime = nodes[0]
    alice = await make_user(runtime)
    hashers = [CountingHasher(node.ctx.hasher) for node in nodes]
    for node, counting in zip(nodes, hashers, strict=True):
        node.ctx.hasher = counting
    used = nodes if spread == "two nodes" else nodes[:1]
    allowed = runtime.ctx.account_throttle.free_failures + 1  # then the first delay
    # the right password is in the burst too: it gets no pass for arriving late
    passwords = [WRONG] * (BURST - 1) + [alice.password]
    async with (
        serving(create_app(used[0], close_runtime=False)) as url_a,
        serving(create_app(used[-1], close_runtime=False)) as url_b,
    ):
        statuses = await burst([url_a, url_b], alice.username, passwords)
    evaluated = sum(h.calls["verify"] for h in hashers)
    print(f"{spread}: {evaluated} of {BURST} concurrent passwords evaluated")
    assert evaluated <= allowed, statuses
    assert evaluated >= 1  # the first one in is checked
    assert set(statuses) <= {200, 401, 429}, statuses  # refused, never a server error
    assert statuses.count(429) >= BURST - allowed
    wrong_checked = statuses.count(401)
    # each checked wrong guess stays counted; the right one (if it got in) was given back
    user = await users.get(runtime.ctx, alice.username)
    assert user.id is not None
    assert await throttle_failures(runtime, account_key(user.id)) == wrong_checked
    assert await throttle_failures(runtime, address_key("127.0.0.1")) == wrong_checked


async def test_a_burst_of_wrong_codes_over_many_sign_ins_gets_no_more_checked(
    client, runtime, clock
):
    """The second step holds its budget too: a code is checked with the sign-in's user row
    locked, so concurrent guesses across several open sign-ins queue and see each other."""
    alice = await make_user(runtime)
    logins = []
    for platform in ("web", "mobile", "gateway", "workstation", "gateway"):
        started = await login(client, alice.username, alice.password, platform=platform)
        assert started.status_code == 200, started.text
        logins.append(started.json()["login_id"])
    near = {
        totp.code_at(alice.totp_secret, at=clock.now() + timedelta(seconds=30 * s))
        for s in range(-20, 21)
    }
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
    answers = await asyncio.gather(
        *(
            client.post(f"/v1/api/auth/login/{i}/verify", json={"factor": "totp", "code": wrong})
            for i in logins
            for _ in range(5)
        )
    )
    statuses = [a.status_code for a in answers]
    checked = statuses.count(401)
    print(f"second step: {checked} of {len(statuses)} concurrent codes checked")
    assert set(statuses) <= {401, 429}, statuses
    assert 1 <= checked <= runtime.ctx.account_throttle.free_failures + 1, statuses
