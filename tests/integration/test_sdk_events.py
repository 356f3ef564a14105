"""The SDK's events stream against a real server: resuming without gaps or duplicates."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from tests.support.server import serving
from tests.support.sync import append, user_id

from gatehouse.api.app import create_app
from gatehouse.clients.sdk import (
    AsyncGatehouse,
    Event,
    EventStream,
    Gatehouse,
    Resync,
    SessionEnded,
)
from gatehouse.clients.sdk.events import _Reconnect
from gatehouse.domain.identity.factors import totp
from gatehouse.service.sync.hub import CloseCode


async def signed_in(base_url, alice, clock, platform="gateway") -> AsyncGatehouse:
    gh = AsyncGatehouse(base_url)
    await gh.login(alice.username, alice.password, platform)
    clock.advance(30)
    await gh.verify("totp", totp.code_at(alice.totp_secret, at=clock.now()))
    return gh


async def take(stream: EventStream, count: int) -> list[Event | Resync]:
    return [await asyncio.wait_for(anext(stream), 10) for _ in range(count)]


def drop_all(runtime, uid: int) -> int:
    """Cut every events socket of the user from the server side, as a slow client is cut."""
    hub = runtime.sync.hub
    subs = list(hub._users.get(uid, ()))
    for sub in subs:
        hub.drop(sub, CloseCode.TOO_SLOW, "too slow: resume from your last seq")
    return len(subs)


async def test_the_stream_resumes_after_a_forced_disconnect_without_gaps_or_duplicates(
    base_url, runtime, alice, clock
):
    uid = await user_id(runtime, "alice")
    gh = await signed_in(base_url, alice, clock)
    async with gh, gh.events(since=0) as stream:
        first = await take(stream, 1)  # replayed from the start: the session's own events
        assert isinstance(first[0], Event) and first[0].seq == 1
        head = (await append(runtime, uid, 1))[0].seq
        seen = first + await take(stream, head - 1)
        assert [e.seq for e in seen if isinstance(e, Event)] == list(range(1, head + 1))
        assert stream.connected and stream.epoch

        for round_ in range(3):
            assert drop_all(runtime, uid) == 1
            # written while the client is away (or already back: it cannot tell)
            written = await append(runtime, uid, 5, data={"round": round_})
            got = await take(stream, 5)
            assert [e.seq for e in got if isinstance(e, Event)] == [w.seq for w in written]
            assert all(isinstance(e, Event) and e.data == {"round": round_} for e in got)
        assert stream.reconnects == 3 and stream.last_seq == written[-1].seq


async def test_the_stream_survives_a_server_restart(runtime, alice, clock):
    uid = await user_id(runtime, "alice")
    async with serving(create_app(runtime, close_runtime=False)) as base_url:
        port = urlsplit(base_url).port
        assert port is not None
        gh = await signed_in(base_url, alice, clock)
        stream = gh.events()  # from now on
        before = asyncio.ensure_future(take(stream, 2))
        while not stream.connected:
            await asyncio.sleep(0.01)
        written = await append(runtime, uid, 2)
        assert [e.seq for e in await before] == [w.seq for w in written]  # type: ignore[union-attr]
    pending = asyncio.ensure_future(take(stream, 4))  # reconnecting while the server is down
    written = await append(runtime, uid, 3)
    async with serving(create_app(runtime, close_runtime=False), port=port):
        written += await append(runtime, uid, 1)
        got = await pending
        assert [e.seq for e in got] == [w.seq for w in written]  # type: ignore[union-attr]
        assert stream.reconnects >= 1
        await stream.aclose()
        await gh.aclose()


async def test_a_resync_is_surfaced_then_the_stream_goes_on(base_url, runtime, alice, clock):
    uid = await user_id(runtime, "alice")
    gh = await signed_in(base_url, alice, clock)
    async with gh, gh.events(since=10_000) as stream:  # a seq from another log
        [resync] = await take(stream, 1)
        assert isinstance(resync, Resync) and resync.seq < 10_000 and resync.epoch
        written = await append(runtime, uid, 2)
        got = await take(stream, 2)
        assert [e.seq for e in got if isinstance(e, Event)] == [w.seq for w in written]
        assert written[0].seq == resync.seq + 1


async def test_revoking_the_session_ends_the_stream_with_the_reason(
    base_url, runtime, alice, clock
):
    gh = await signed_in(base_url, alice, clock)
    other = await signed_in(base_url, alice, clock, platform="mobile")
    assert gh.session is not None
    async with gh, other, gh.events() as stream:
        pending = asyncio.ensure_future(take(stream, 2))
        while not stream.connected:
            await asyncio.sleep(0.01)
        await other.end_session(gh.session.session_id)
        with pytest.raises(SessionEnded) as ended:
            await pending
        assert ended.value.reason == "revoked" and ended.value.status == 401
        # a new stream on the dead session is refused at once, with the server's code
        with pytest.raises(SessionEnded) as refused:
            await take(gh.events(), 1)
        assert refused.value.code in ("not_authenticated", "session_expired")


async def test_the_stream_skips_what_it_has_seen_and_reconnects_on_a_gap(base_url, alice, clock):
    gh = await signed_in(base_url, alice, clock)
    async with gh:
        stream = gh.events(since=4)

        def frame(seq: int) -> dict[str, object]:
            return {"seq": seq, "type": "order.filled", "account": "U1", "data": {}, "at": None}

        assert stream._accept(frame(3)) is None and stream._accept(frame(4)) is None
        assert isinstance(stream._accept(frame(5)), Event) and stream.last_seq == 5
        with pytest.raises(_Reconnect):  # a gap: resume from the last seq instead
            stream._accept(frame(7))
        assert stream.last_seq == 5


async def test_the_blocking_client_iterates_events(base_url, runtime, alice, clock):
    uid = await user_id(runtime, "alice")
    written = await append(runtime, uid, 3)
    clock.advance(30)
    code = totp.code_at(alice.totp_secret, at=clock.now())

    def script() -> list[int]:
        with Gatehouse(base_url) as gh:
            gh.login(alice.username, alice.password, "gateway")
            gh.verify("totp", code)
            stream = gh.events(since=0)
            seqs = [next(stream).seq for _ in range(3)]  # type: ignore[union-attr]
            stream.close()
            return seqs

    assert await asyncio.to_thread(script) == [w.seq for w in written]
