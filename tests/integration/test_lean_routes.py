"""Lean routes answer exactly as FastAPI's own handlers would, errors included."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.routing import APIRoute
from tests.conftest import make_user
from tests.support.signin import bearer, full_signin

from gatehouse.api import lean_routes
from gatehouse.api.app import API_ROUTERS, create_app

HOT_READS = {
    "/portfolio/{account_id}/summary",
    "/portfolio/{account_id}/ledger",
    "/portfolio2/{account_id}/positions",
    "/iserver/account/{account_id}/summary",
}


LEAN = lean_routes.lean_handler  # the real one (a fixture below turns it off)


def routes() -> list[APIRoute]:
    return [r for router in API_ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def lean_paths() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for route in routes():
        if LEAN(route) is not None:
            found.setdefault(route.path, set()).update(route.methods)
    return found


def test_the_hot_reads_are_lean_and_routes_that_declare_more_are_not():
    lean = lean_paths()
    assert set(lean) >= HOT_READS
    by_path = {route.path: route for route in routes()}
    for path in (
        "/portfolio/{account_id}/positions/{page}",  # query parameters
        "/iserver/account/{account_id}/orders",  # a body
        "/tickle",  # answers a dict FastAPI serialises
    ):
        assert path in by_path and path not in lean, path


@pytest.fixture
async def full_client(runtime, monkeypatch) -> AsyncIterator[httpx.AsyncClient]:
    """The same runtime served with FastAPI's handlers only (no lean route)."""
    monkeypatch.setattr(lean_routes, "lean_handler", lambda route: None)
    app = create_app(runtime, close_runtime=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


def concrete(path: str, account: str) -> str:
    filled = path.replace("{account_id}", account).replace("{conid}", "265598")
    return "/v1/api" + filled.replace("{order_id}", "1")


async def test_lean_and_full_handlers_answer_alike(client, full_client, runtime, alice, clock):
    bob = await make_user(runtime, "bob", phone="+15557654321")
    mine = await full_signin(client, alice, clock)
    theirs = await full_signin(client, bob, clock)
    web = await full_signin(client, alice, clock, platform="web")
    cookie = {"Cookie": f"gatehouse_session={client.cookies['gatehouse_session']}"}
    client.cookies.clear()  # each caller below sends exactly its own credentials
    callers = {
        "nobody": {},
        "garbage token": bearer("x" * 43),
        "owner": bearer(mine["token"]),
        "another user": bearer(theirs["token"]),
        "web cookie, no CSRF token": cookie,
    }
    compared = 0
    for path, methods in sorted(lean_paths().items()):
        for method in sorted(methods):
            for who, headers in callers.items():
                if method != "GET" and who in ("owner", "another user"):
                    continue  # changes state (signs out, records NAV): compared for errors only
                url = concrete(path, alice.live_account)
                lean = await client.request(method, url, headers=headers)
                full = await full_client.request(method, url, headers=headers)
                assert (lean.status_code, lean.json()) == (full.status_code, full.json()), (
                    method,
                    path,
                    who,
                )
                compared += 1
    assert compared >= 60
    assert web["platform"] == "web"
    answered = await client.get(concrete("/portfolio/{account_id}/summary", alice.live_account),
                                headers=bearer(mine["token"]))  # fmt: skip
    assert answered.status_code == 200 and "netliquidation" in answered.json()
