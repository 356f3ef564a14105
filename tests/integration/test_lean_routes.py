"""Lean routes answer exactly as FastAPI's own handlers would, errors included."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.routing import APIRoute
from tests.conftest import make_user
from tests.support.signin import bearer, full_signin, login

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
    """The same runtime served with FastAPI's handlers only (no lean route).

    FastAPI builds an app's routes on its first request: that one is made under the patch."""
    app = create_app(runtime, close_runtime=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        with monkeypatch.context() as patched:
            patched.setattr(lean_routes, "lean_handler", lambda route, **_: None)
            assert (await http.get("/healthz")).status_code == 200
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


@pytest.fixture
def lean_app(runtime):
    return create_app(runtime, close_runtime=False)


def asgi_client(app, scheme: str = "http", **transport: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000), **transport),  # type: ignore[arg-type]
        base_url=f"{scheme}://127.0.0.1",
    )


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, sorted(response.headers.multi_items()), response.content


async def test_a_remembered_get_goes_straight_to_its_handler_and_answers_alike(
    client, full_client, lean_app, runtime, alice, clock
):
    """The second GET of a path skips the stack (``LeanPaths``): same status, headers, body."""
    bob = await make_user(runtime, "bob", phone="+15557654321")
    mine, theirs = await full_signin(client, alice, clock), await full_signin(client, bob, clock)
    callers = {
        "owner": bearer(mine["token"]),
        "another user": bearer(theirs["token"]),
        "nobody": {},
        "revoked next": bearer(mine["token"]),
    }
    gets = sorted(path for path, methods in lean_paths().items() if "GET" in methods)
    async with asgi_client(lean_app) as fast:
        for path in gets:  # the router's pass: each answered path is remembered
            url = concrete(path, alice.live_account)
            first = await fast.get(url, headers=callers["owner"])
            full = await full_client.get(url, headers=callers["owner"])
            assert answer(first) == answer(full), path
        assert lean_app.lean_paths.hits == 0 and len(lean_app.lean_paths) >= len(HOT_READS)
        compared = 0
        for who, headers in callers.items():
            if who == "revoked next":
                out = await client.post("/v1/api/logout", headers=headers)
                assert out.status_code == 200
            for path in gets:
                url = concrete(path, alice.live_account)
                fast_answer = await fast.get(url, headers=headers)
                assert answer(fast_answer) == answer(await full_client.get(url, headers=headers)), (
                    path,
                    who,
                )
                compared += 1
        assert lean_app.lean_paths.hits >= len(HOT_READS) * len(callers)
        hits = lean_app.lean_paths.hits
        summary = concrete("/portfolio/{account_id}/summary", alice.live_account)
        owner = bearer(theirs["token"])  # bob asks for alice's account: refused either way
        with_body = {**owner, "content-type": "application/json"}
        for kwargs in ({"content": b'{"a": 1}'}, {"content": b"x" * 10}, {}):
            got = await fast.request("GET", summary, headers=with_body, **kwargs)  # type: ignore[arg-type]
            want = await full_client.request("GET", summary, headers=with_body, **kwargs)  # type: ignore[arg-type]
            assert answer(got) == answer(want)
        assert lean_app.lean_paths.hits == hits + 1  # only the bodiless one came the short way
        head = await fast.head(summary, headers=owner)
        assert head.status_code == (await full_client.head(summary, headers=owner)).status_code
    assert compared == len(gets) * len(callers)


async def test_the_short_way_adds_hsts_and_answers_unexpected_errors_as_the_stack_does(
    client, runtime, alice, clock, monkeypatch
):
    signed = await full_signin(client, alice, clock)
    summary = concrete("/portfolio/{account_id}/summary", alice.live_account)
    app = create_app(runtime, close_runtime=False)
    async with asgi_client(app, "https", raise_app_exceptions=False) as fast:
        for _ in range(2):
            got = await fast.get(summary, headers=bearer(signed["token"]))
            assert got.status_code == 200
            assert got.headers["strict-transport-security"].startswith("max-age=")
        assert app.lean_paths.hits == 1

        async def broken(*_: object) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(lean_routes.auth, "principal", broken)
        got = await fast.get(summary, headers=bearer(signed["token"]))
        assert app.lean_paths.hits == 2
        assert got.status_code == 500 and got.json()["error"] == "internal_error"
        assert "strict-transport-security" in got.headers


def test_remembered_paths_are_bounded():
    known = lean_routes.LeanPaths(limit=3)

    async def handler(_: object) -> None: ...

    for n in range(10):
        known.remember(f"/v1/api/portfolio/U{n}/summary", handler, {"account_id": f"U{n}"})  # type: ignore[arg-type]
        assert len(known) <= 3


def test_the_sign_in_steps_are_lean():
    by_path = {route.path: route for route in routes()}
    for path in ("/auth/login", "/auth/login/{login_id}/verify"):
        route = by_path[path]
        assert LEAN(route) is None  # a body: not lean for a plain LeanRoute
        assert LEAN(route, fallback=route.get_route_handler()) is not None, path


# (content type, raw body): plain JSON the model accepts is read by the lean handler; every
# other case is handed to FastAPI's handler, so each must answer exactly as FastAPI does.
JSON = "application/json"
LOGIN_BODIES: list[tuple[str, bytes]] = [
    (JSON, b'{"username": "alice", "password": "wrong-password-1", "platform": "gateway"}'),
    (JSON, b'{"username": "nobody-here", "password": "x", "extra": 1}'),
    (JSON, b'{"username": 5, "password": "x"}'),
    (JSON, b'{"password": "x"}'),
    (JSON, b'{"username": "alice", "password": "x", "platform": "fax"}'),
    (JSON, b'{"username": "alice", "password": "' + b"x" * 1100 + b'"}'),
    (JSON, b"{not json"),
    (JSON, b"[1, 2]"),
    (JSON, b'"alice"'),
    (JSON, b"null"),
    (JSON, b""),
    ("text/plain", b'{"username": "alice", "password": "x"}'),
    ("application/json; charset=utf-8", b'{"username": "nobody-here", "password": "x"}'),
    ("APPLICATION/JSON", b'{"username": "nobody-here", "password": "x"}'),
    ("application/x-www-form-urlencoded", b"username=alice&password=x"),
]
VERIFY_BODIES: list[tuple[str, bytes]] = [
    (JSON, b'{"factor": "totp", "code": "123456"}'),
    (JSON, b'{"factor": "totp", "code": ["1", "2"]}'),
    (JSON, b'{"factor": 1, "code": "123456"}'),
    (JSON, b'{"factor": "totp", "code": 123456}'),
    (JSON, b'{"factor": "totp"}'),
    (JSON, b"{not json"),
    (JSON, b""),
    ("text/plain", b'{"factor": "totp", "code": "123456"}'),
]


async def test_sign_in_steps_answer_like_fastapi_for_any_body(client, full_client, alice, clock):
    cases = [("/v1/api/auth/login", kind, raw) for kind, raw in LOGIN_BODIES] + [
        ("/v1/api/auth/login/no-such-login/verify", kind, raw) for kind, raw in VERIFY_BODIES
    ]
    for url, kind, raw in cases:
        headers = {"content-type": kind}
        lean = await client.post(url, content=raw, headers=headers)
        full = await full_client.post(url, content=raw, headers=headers)
        assert (lean.status_code, lean.json()) == (full.status_code, full.json()), (url, kind, raw)
        assert lean.status_code >= 400
    # a sign-in through either handler: the same answer but for its own ids
    for http in (client, full_client):
        started = await login(http, alice.username, alice.password)
        assert started.status_code == 200, started.text
        assert sorted(started.json()) == ["expires_in", "factors", "login_id", "state"]
        done = await full_signin(http, alice, clock)
        assert done["token"] and done["username"] == alice.username
