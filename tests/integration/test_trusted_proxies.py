"""X-Forwarded-For and -Proto are believed only from GATEHOUSE_TRUSTED_PROXIES (issue 15 #2),
and HTTPS responses carry HSTS (#11)."""

from __future__ import annotations

import httpx
import pytest
from tests.support.server import serving
from tests.support.signin import full_signin, login
from tests.support.state import throttle_failures

from gatehouse.api.app import create_app
from gatehouse.api.hsts import HSTS
from gatehouse.cli.serve import proxy_options
from gatehouse.domain.identity.throttle import address_key
from gatehouse.settings import Settings

WRONG = "Wrong-Horse-42-battery"


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"rate_limit_login": "3/minute"}


def forged(address: str, proto: str = "http") -> dict[str, str]:
    return {"X-Forwarded-For": address, "X-Forwarded-Proto": proto}


def test_no_proxy_is_trusted_by_default():
    assert Settings().trusted_proxies == ""
    assert proxy_options("") == {"proxy_headers": False, "forwarded_allow_ips": None}
    assert proxy_options(" 10.0.0.0/8,127.0.0.1 ")["forwarded_allow_ips"] == "10.0.0.0/8,127.0.0.1"


async def test_by_default_a_client_cannot_pick_its_address(runtime, alice, clock):
    async with (
        serving(create_app(runtime, close_runtime=False), **proxy_options("")) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        answers = []
        for n in range(4):  # a new address each time: the limit of 3 a minute still holds
            client.headers.update(forged(f"10.0.0.{n}", "https"))
            answers.append((await login(client, alice.username, WRONG)).status_code)
        assert answers == [401, 401, 401, 429]
        assert await throttle_failures(runtime, address_key("127.0.0.1")) == 3
        assert await throttle_failures(runtime, address_key("10.0.0.0")) == 0
        # nor does it make the server believe it came over HTTPS
        assert "strict-transport-security" not in (await client.get("/healthz")).headers


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_login": "30/minute"}])
async def test_a_trusted_proxy_tells_the_client_address_and_scheme(runtime, alice, clock):
    async with (
        serving(create_app(runtime, close_runtime=False), **proxy_options("127.0.0.1")) as url,
        httpx.AsyncClient(base_url=url, headers=forged("203.0.113.9", "https")) as client,
    ):
        assert (await login(client, alice.username, WRONG)).status_code == 401
        assert await throttle_failures(runtime, address_key("203.0.113.9")) == 1
        assert await throttle_failures(runtime, address_key("127.0.0.1")) == 0
        session = await full_signin(client, alice, clock)
        assert session["address"] == "203.0.113.9"
        page = await client.get("/healthz")
        assert page.headers["strict-transport-security"] == HSTS
