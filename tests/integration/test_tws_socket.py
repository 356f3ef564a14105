"""The TWS API server at the socket level: the handshake, startApi's greeting, bad input
(malformed frames, unknown and unsupported requests, pacing, a taken clientId, a bad
handshake) answered the IBKR way, each closing at most that client's connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from tests.support.sync import EVENTUALLY
from tests.support.trading import trader
from tests.support.tws import tws_server

from gatehouse.clients.gateway.tws.protocol import FrameReader, frame, raw_frame


@pytest.fixture
def backend() -> str:
    return "sqlite"


class Raw:
    """A hand-driven TWS client speaking bytes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.frames = reader, writer, FrameReader()
        self.inbox: list[list[str]] = []

    async def next(self, timeout: float = EVENTUALLY) -> list[str]:
        async with asyncio.timeout(timeout):
            while not self.inbox:
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionError("closed")
                self.inbox += self.frames.feed(data)
        return self.inbox.pop(0)

    async def until(self, wanted: str, code: str | None = None) -> list[str]:
        while True:
            message = await self.next()
            if message[0] == wanted and (code is None or message[3] == code):
                return message

    def send(self, *fields: object) -> None:
        self.writer.write(frame(list(fields)))  # type: ignore[arg-type]

    async def closed(self) -> bool:
        try:
            async with asyncio.timeout(5):
                while await self.reader.read(65536):
                    pass
        except (ConnectionError, TimeoutError):
            return False
        return True


@asynccontextmanager
async def raw(port: int, client_id: int | None = 1) -> AsyncIterator[Raw]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    client = Raw(reader, writer)
    writer.write(b"API\0" + raw_frame("v100..226"))
    try:
        assert (await client.next())[0] == "178"
        if client_id is not None:
            client.send(71, 2, client_id, "")
            assert await client.until("15")  # managedAccounts
        yield client
    finally:
        writer.close()


async def test_the_greeting_and_bad_input(client, base_url, alice, clock):
    t = await trader(client, alice, clock)
    async with (
        tws_server(base_url, t.token) as (_server, port),
        raw(port) as one,
        raw(port, client_id=2) as two,
    ):
        notices = [await one.until("4") for _ in range(3)]
        assert [n[3] for n in notices] == ["2104", "2106", "2158"]

        one.send(49, 1)  # reqCurrentTime
        assert (await one.until("49"))[2].isdigit()

        one.send(999, 1, 2, 3)  # an unknown message id
        unknown = await one.until("4", "321")
        assert unknown[2] == "-1" and "message 999" in unknown[4]

        one.send(50, 3, 11, 265598, "AAPL", "STK", "", 0, "", "", "SMART", "", "USD", "", "")
        bars = await one.until("4", "322")  # reqRealTimeBars: unsupported, on its id
        assert bars[2] == "11" and "reqRealTimeBars" in bars[4]

        one.send(8, 1, "lots")  # reqIds with a bad number: an error, not a hang-up
        assert "reqIds" in (await one.until("4", "321"))[4]

        for _ in range(60):  # more than 50 messages a second
            one.send(49, 1)
        assert "max=50" in (await one.until("4", "100"))[4]

        one.writer.write(b"\0\0\0\x03abc")  # malformed: the last field has no NUL
        assert await one.closed()

        two.send(49, 1)  # the other client is still served
        assert (await two.until("49"))[2].isdigit()
        nosuch = (0, "NOSUCH", "STK", "", 0, "", "", "SMART", "", "USD", "", "")
        two.send(9, 8, 5, *nosuch, 0, "", "")
        missing = await two.until("4", "200")
        assert missing[2] == "5"


async def test_a_taken_client_id_and_a_bad_handshake_are_refused(client, base_url, alice, clock):
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token) as (_server, port):
        async with raw(port, client_id=3), raw(port, client_id=None) as second:
            second.send(71, 2, 3, "")
            taken = await second.until("4", "326")
            assert "client id is already in use" in taken[4]
            assert await second.closed()

        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        assert await reader.read() == b""  # not the TWS handshake: closed, no answer
        writer.close()

        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"API\0" + raw_frame("v100..151"))  # no version in common
        assert await reader.read() == b""
        writer.close()

        async with raw(port, client_id=None) as early:
            early.send(61, 1)  # reqPositions before startApi
            assert (await early.until("4", "504"))[2] == "-1"


async def test_an_address_off_the_allow_list_is_refused(client, base_url, alice, clock):
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token, allow=["10.0.0.0/8"]) as (_server, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await reader.read() == b""  # closed at once, before any handshake
        writer.close()


async def test_at_most_32_clients(client, base_url, alice, clock):
    t = await trader(client, alice, clock)
    async with tws_server(base_url, t.token) as (_server, port), contextlib.AsyncExitStack() as up:
        for client_id in range(32):
            await up.enter_async_context(raw(port, client_id=client_id))
        async with raw(port, client_id=None) as extra:
            extra.send(71, 2, 99, "")
            refused = await extra.until("4", "326")
            assert "32 API clients" in refused[4]
            assert await extra.closed()
