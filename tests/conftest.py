"""Fixtures: a wired Gatehouse on each database backend, a real server, a fake clock, users."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gatehouse.api.app import create_app
from gatehouse.bootstrap import Runtime, build
from gatehouse.domain.clock import FakeClock
from gatehouse.service.identity import users
from gatehouse.settings import Settings
from tests.support.backends import database, drop_free_schemas
from tests.support.bad_input import World, world_for
from tests.support.hashing import CountingHasher, count_hashing
from tests.support.server import serving

FAST_ARGON2 = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}

# Tests that share something outside their own temporary folder and database schema run in one
# group, which pytest-xdist (``--dist loadgroup``, as ./scripts/test runs the suite) keeps on
# one worker, one test after another. The Redis tests share the server's rate-limit keys
# (per user name and address, the same in every test) and its client list.
SHARED = {
    "redis": (
        "tests/integration/test_sync_redis.py",
        "tests/e2e/test_serve_workers.py",
        "tests/e2e/test_two_nodes.py",
    ),
}


# The Textual Pilot tests (Workstation, Key) are marked ``alone``: ./scripts/test runs them after
# the others, in one process with nothing else running. Next to another worker on a loaded
# 2-core machine, two of them stalled past the 120 s timeout (docs/testing.md); alone, they get
# the machine. (Textual's Select mount race, also seen there, happens alone too.)
ALONE = (
    "tests/e2e/test_key_app.py",
    "tests/e2e/test_workstation_channels.py",
    "tests/e2e/test_workstation_panels.py",
    "tests/e2e/test_workstation_signin.py",
    "tests/e2e/test_workstation_snapshots.py",
    "tests/e2e/test_workstation_workspace.py",
)


@pytest.fixture(autouse=True)
def _pilot_settles(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the Pilot tests, the app settles before it closes (tests/support/workstation.settle)."""
    if request.node.nodeid.split("::", 1)[0] in ALONE:
        from textual.app import App

        from tests.support.workstation import settled

        monkeypatch.setattr(App, "run_test", settled(App.run_test))


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects on the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        for group, paths in SHARED.items():
            if path in paths:
                item.add_marker(pytest.mark.xdist_group(group))
        if path in ALONE:
            item.add_marker(pytest.mark.alone)


PASSWORD = "Correct-Horse-42-battery"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_settings(tmp_path: Path, url: str, **overrides: object) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=url,
        **{**FAST_ARGON2, **overrides},  # type: ignore[arg-type]
    )


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to change settings for its runtime."""
    return {}


@pytest.fixture
async def runtime(
    backend: str, tmp_path: Path, clock: FakeClock, settings_overrides: dict[str, object]
) -> AsyncIterator[Runtime]:
    async with database(backend, tmp_path) as (url, schema):
        rt = await build(
            test_settings(tmp_path, url, **settings_overrides),
            clock=clock,
            run_migrations=False,
            schema=schema,
        )
        try:
            yield rt
        finally:
            await rt.close()


@pytest.fixture
async def base_url(runtime: Runtime) -> AsyncIterator[str]:
    async with serving(create_app(runtime, close_runtime=False)) as url:
        yield url


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        yield http


@dataclass
class TestUser:
    username: str
    password: str
    paper_username: str
    paper_password: str
    totp_secret: str
    email: str
    phone: str
    live_account: str
    paper_account: str


async def make_user(runtime: Runtime, name: str = "alice", phone: str = "+15551234567") -> TestUser:
    created = await users.create(
        runtime.ctx, username=name, password=PASSWORD, email=f"{name}@example.com", phone=phone
    )
    uri = await users.enroll_totp(runtime.ctx, name, actor="test")
    secret = uri.split("secret=")[1].split("&")[0]
    return TestUser(
        username=name,
        password=PASSWORD,
        paper_username=created.user.paper_username,
        paper_password=created.paper_password,
        totp_secret=secret,
        email=f"{name}@example.com",
        phone=phone,
        live_account=created.user.live_account_id,
        paper_account=created.user.paper_account_id,
    )


@pytest.fixture
async def alice(runtime: Runtime) -> TestUser:
    return await make_user(runtime)


@pytest.fixture
async def world(
    client: httpx.AsyncClient, runtime: Runtime, alice: TestUser, clock: FakeClock
) -> World:
    """Alice mid-sign-in and signed in, to send bad input at (tests/support/bad_input.py)."""
    return await world_for(client, runtime, alice, clock)


@pytest.fixture
def hasher(runtime: Runtime) -> CountingHasher:
    """Counts the runtime's Argon2 work (tests/support/hashing.py)."""
    return count_hashing(runtime)


def pytest_sessionfinish(session: pytest.Session) -> None:
    drop_free_schemas()
