"""The SDK's gateway device calls against a real server: register, sign in unattended, scope,
revocation ending the device's session and its events stream."""

from __future__ import annotations

import asyncio

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gatehouse.clients.sdk import (
    AsyncGatehouse,
    InvalidCredentials,
    NotSignedIn,
    ScopeDenied,
    SessionEnded,
    devices,
)
from gatehouse.domain.identity.factors import totp


async def owner(base_url, alice, clock, environment="paper") -> AsyncGatehouse:
    gh = AsyncGatehouse(base_url)
    username = alice.paper_username if environment == "paper" else alice.username
    password = alice.paper_password if environment == "paper" else alice.password
    await gh.login(username, password, "gateway", environment)
    clock.advance(30)
    await gh.verify("totp", totp.code_at(alice.totp_secret, at=clock.now()))
    return gh


async def test_a_device_signs_in_with_its_key_and_its_scope(base_url, alice, clock):
    async with await owner(base_url, alice, clock) as gh:
        trader_key, reader_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        trader = await devices.register(gh, trader_key, name="bot")
        reader = await devices.register(gh, reader_key, scope="read-only", name="watcher")
        assert (trader["scope"], reader["scope"]) == ("trade", "read-only")
        listed = {d["device_id"] for d in await devices.devices(gh)}
        assert listed == {trader["device_id"], reader["device_id"]}

    async with AsyncGatehouse(base_url) as bot, AsyncGatehouse(base_url) as watcher:
        signed = await devices.sign_in(bot, trader["device_id"], trader_key)
        session = signed.session
        assert signed.scope == "trade" and signed.second_factor_due is False
        assert (session.platform, session.scope, session.environment) == (
            "gateway",
            "trade",
            "paper",
        )
        assert bot.token == session.token and await bot.accounts.ids() == [alice.paper_account]

        signed = await devices.sign_in(watcher, reader["device_id"], reader_key)
        assert signed.session.scope == "read-only"
        order = {"conid": 265598, "side": "BUY", "quantity": 1, "orderType": "MKT"}
        with pytest.raises(ScopeDenied) as denied:
            await watcher.orders.place(alice.paper_account, order)
        assert (denied.value.status, denied.value.code) == (403, "scope")
        [filled] = await bot.orders.place(alice.paper_account, order)
        assert filled.status == "Filled"

    async with AsyncGatehouse(base_url) as impostor:
        with pytest.raises(InvalidCredentials) as refused:  # a key that is not the device's
            await devices.sign_in(impostor, trader["device_id"], Ed25519PrivateKey.generate())
        assert refused.value.code == "bad_signature" and impostor.token is None


async def test_revoking_a_device_ends_its_session_and_stream(base_url, alice, clock):
    key = Ed25519PrivateKey.generate()
    async with await owner(base_url, alice, clock) as gh:
        device = await devices.register(gh, key, name="bot")
        async with AsyncGatehouse(base_url) as bot:
            await devices.sign_in(bot, device["device_id"], key)
            stream = bot.events()
            ending = asyncio.ensure_future(anext(stream))
            while not stream.connected:
                await asyncio.sleep(0.01)
            await devices.revoke(gh, device["device_id"])
            with pytest.raises(SessionEnded):
                while True:
                    await ending
                    ending = asyncio.ensure_future(anext(stream))
            with pytest.raises(NotSignedIn):
                await bot.tickle()
            await stream.aclose()
