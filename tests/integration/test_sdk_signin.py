"""The SDK against a real server: sign-in by TOTP, SMS and push, sessions, and typed errors."""

from __future__ import annotations

import asyncio

import pytest
from tests.support.access import enrolled_device, key_client
from tests.support.ports import free_port
from tests.support.signin import latest_sms_code

from gatehouse.clients.sdk import (
    AsyncGatehouse,
    ConnectionLost,
    Gatehouse,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    NotSignedIn,
    PushChallenge,
    PushDenied,
    RateLimited,
    SmsChallenge,
    WrongEnvironment,
)
from gatehouse.domain.identity.factors import push, totp


async def test_sign_in_with_totp_then_sessions_and_logout(base_url, alice, clock):
    async with AsyncGatehouse(base_url) as gh:
        started = await gh.login(alice.username, alice.password, "gateway", "live")
        assert "totp" in started.factors and started.expires_in > 0 and started.login_id
        clock.advance(30)
        session = await gh.verify("totp", totp.code_at(alice.totp_secret, at=clock.now()))
        assert session.token is not None and gh.token == session.token
        assert (session.username, session.platform, session.environment) == (
            "alice",
            "gateway",
            "live",
        )
        assert session.accounts == (alice.live_account,)
        assert session.idle_timeout > 0 and session.expires_at is not None

        assert (await gh.tickle())["session"].startswith(session.session_id)
        assert (await gh.me()).session_id == session.session_id
        [listed] = await gh.sessions()
        assert listed.session_id == session.session_id and listed.current is True
        assert (await gh.activity(limit=5))[0]["event"] == "login.succeeded"

        await gh.logout()
        assert gh.token is None
    async with AsyncGatehouse(base_url, token=session.token) as old:
        with pytest.raises(NotSignedIn) as ended:
            await old.tickle()
    assert ended.value.status == 401 and ended.value.code


async def test_one_session_ends_another(base_url, alice, clock):
    async with AsyncGatehouse(base_url) as first, AsyncGatehouse(base_url) as second:
        for gh, platform in ((first, "gateway"), (second, "workstation")):
            await gh.login(alice.username, alice.password, platform)
            clock.advance(30)
            await gh.verify("totp", totp.code_at(alice.totp_secret, at=clock.now()))
        assert first.session is not None
        assert {s.platform for s in await second.sessions()} == {"gateway", "workstation"}
        await second.end_session(first.session.session_id)
        with pytest.raises(NotSignedIn):
            await first.tickle()
        assert await second.end_all_sessions(keep_current=True) == 0
        assert (await second.tickle())["iserver"]["authStatus"]["authenticated"] is True


async def test_sign_in_with_sms(base_url, runtime, alice):
    async with AsyncGatehouse(base_url) as gh:
        await gh.login(alice.username, alice.password, "workstation")
        sent = await gh.challenge("sms")
        assert isinstance(sent, SmsChallenge) and sent.sent_to.endswith("4567")
        with pytest.raises(InvalidCode) as wrong:
            await gh.verify("sms", "000000")
        assert wrong.value.code == "invalid_code" and wrong.value.status == 401
        session = await gh.verify("sms", await latest_sms_code(runtime, alice.phone))
        assert session.platform == "workstation"


async def test_sign_in_by_push_waits_for_the_key_device(client, base_url, alice, clock):
    device = await enrolled_device(client, alice, clock)
    async with AsyncGatehouse(base_url) as gh, key_client(client, clock) as keys:
        await gh.login(alice.username, alice.password, "gateway")
        sent = await gh.challenge("push")
        assert isinstance(sent, PushChallenge) and 10 <= sent.number <= 99
        waiting = asyncio.create_task(gh.wait(timeout=20))
        [request] = await keys.pending(device.identity)
        approve = push.Decision.APPROVE
        assert await keys.decide(device.identity, request.nonce, approve, sent.number)
        session = await waiting
        assert session.token and gh.token == session.token
        assert (await gh.tickle())["session"].startswith(session.session_id)

        await gh.login(alice.username, alice.password, "gateway")
        sent = await gh.challenge("push")
        [request] = await keys.pending(device.identity)
        await keys.decide(device.identity, request.nonce, push.Decision.DENY, None)
        with pytest.raises(PushDenied) as denied:
            await gh.wait(timeout=20)
        assert denied.value.code == "push_denied"


async def test_errors_carry_the_servers_codes(base_url, alice, clock):
    async with AsyncGatehouse(base_url) as gh:
        with pytest.raises(InvalidCredentials) as refused:
            await gh.login(alice.username, "wrong password", "gateway")
        assert (refused.value.status, refused.value.code) == (401, "invalid_credentials")
        assert refused.value.message

        with pytest.raises(WrongEnvironment) as wrong_env:
            await gh.login(alice.paper_username, alice.paper_password, "gateway", "live")
        assert wrong_env.value.status == 409

        with pytest.raises(InvalidInput) as invalid:
            await gh.request("POST", "/auth/login", {"password": "x"})
        assert invalid.value.code == "invalid_input" and invalid.value.details["field"]

        with pytest.raises(NotFound):
            await gh.request("GET", "/no/such/endpoint")
        with pytest.raises(NotSignedIn) as anonymous:
            await gh.tickle()
        assert anonymous.value.code == "not_authenticated"

        with pytest.raises(RateLimited) as throttled:  # 3 free failures, then a delay
            for _ in range(6):
                with pytest.raises(InvalidCredentials):
                    await gh.login(alice.username, "still wrong", "gateway")
        assert throttled.value.retry_after is not None and throttled.value.retry_after > 0


async def test_an_unreachable_server_is_connection_lost():
    port = free_port()  # nothing listens there
    async with AsyncGatehouse(f"http://127.0.0.1:{port}") as gh:
        with pytest.raises(ConnectionLost) as lost:
            await gh.tickle()
    assert lost.value.code == "connection_lost" and lost.value.status == 0
    assert lost.value.message.startswith(
        f"The server at http://127.0.0.1:{port} cannot be reached ("
    )


async def test_the_blocking_client_signs_in_and_calls(base_url, alice, clock):
    clock.advance(30)
    code = totp.code_at(alice.totp_secret, at=clock.now())

    def script() -> tuple[str, str, list[str]]:
        with Gatehouse(base_url) as gh:
            gh.login(alice.username, alice.password, "gateway", "live")
            session = gh.verify("totp", code)
            tickled = gh.tickle()
            accounts = gh.accounts.ids()
            gh.logout()
            with pytest.raises(NotSignedIn):
                gh.tickle()
            return session.session_id, str(tickled["session"]), accounts

    session_id, tickled, accounts = await asyncio.to_thread(script)
    assert tickled.startswith(session_id) and accounts == [alice.live_account]
