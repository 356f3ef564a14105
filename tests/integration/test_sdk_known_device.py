"""The SDK keeps its known-device token (docs/sdk.md): sent on login, replaced from the
session, kept by the optional ``DeviceTokens`` hook; so strangers' wrong passwords, up to the
account's hard lock, do not lock out an SDK client that signed in before."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.signin import login

from gatehouse.clients.sdk import AsyncGatehouse, FileDeviceTokens, Locked, Session
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import totp

WRONG = "Wrong-Horse-42-battery"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"throttle_hard_cap": 10, "rate_limit_login": "1000/minute"}


async def sign_in(gh: AsyncGatehouse, user: Any, clock: FakeClock) -> Session:
    await gh.login(user.username, user.password, "gateway", "live")
    clock.advance(30)
    return await gh.verify("totp", totp.code_at(user.totp_secret, at=clock.now()))


async def strangers_lock(client: httpx.AsyncClient, clock: FakeClock, username: str) -> None:
    """Wrong passwords from another client (no known-device token) until the account locks."""
    while (answer := await login(client, username, WRONG)).status_code != 423:
        assert answer.status_code in (401, 429), answer.text
        if answer.status_code == 429:
            clock.advance(answer.json()["retry_after"])


async def test_an_sdk_client_with_its_device_token_is_not_locked_out_by_strangers(
    base_url, client, alice, clock
):
    async with AsyncGatehouse(base_url) as gh:
        assert gh.device_token is None
        await sign_in(gh, alice, clock)
        token = gh.device_token
    assert token and len(token) == 43  # kept from the session body
    await strangers_lock(client, clock, alice.username)
    async with AsyncGatehouse(base_url) as stranger:
        with pytest.raises(Locked):
            await stranger.login(alice.username, alice.password, "gateway", "live")
    async with AsyncGatehouse(base_url, device_token=token) as owner:
        session = await sign_in(owner, alice, clock)
        assert session.token and owner.device_token == token  # known: no new token


async def test_the_file_hook_keeps_the_token_between_clients(
    base_url, client, alice, clock, tmp_path
):
    path: Path = tmp_path / "gateway" / "known-devices.json"
    async with AsyncGatehouse(base_url, device_tokens=FileDeviceTokens(path)) as gh:
        await sign_in(gh, alice, clock)
        token = gh.device_token
    assert token and FileDeviceTokens(path).get(base_url, "ALICE") == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    await strangers_lock(client, clock, alice.username)
    async with AsyncGatehouse(base_url, device_tokens=FileDeviceTokens(path)) as later:
        assert later.device_token is None  # read from the hook at login
        session = await sign_in(later, alice, clock)
        assert session.token is not None
    assert FileDeviceTokens(path).get(base_url, "bob") is None
