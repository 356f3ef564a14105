"""The real TWS clients' codecs, for unit tests: what ib_async and ibapi encode for a
request, and what their decoders make of a message the server encodes."""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import UTC
from typing import Any

from gatehouse.clients.gateway.tws.protocol import SERVER_VERSION, FrameReader, frame

Calls = list[tuple[str, tuple[Any, ...]]]


class _Recorder:
    """Any wrapper method records its name and arguments."""

    defaultTimezone = UTC

    def __init__(self) -> None:
        self.calls: Calls = []

        class _Ib:
            TimezoneTWS = None

        self.ib = _Ib()

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name.startswith("__"):
            raise AttributeError(name)

        def record(*args: Any) -> None:
            self.calls.append((name, args))

        return record


def ib_async_decode(message: list[Any]) -> Calls:
    """Feed one server message (as encoded by the server) to ib_async's Decoder."""
    from ib_async.decoder import Decoder

    [fields] = FrameReader().feed(frame(message))
    recorder = _Recorder()
    decoder = Decoder(recorder, SERVER_VERSION)  # type: ignore[arg-type]
    handler = decoder.handlers[int(fields[0])]
    handler(fields)  # raises on a field it cannot read (interpret() would only log it)
    return recorder.calls


def ibapi_decode(message: list[Any]) -> Calls:
    """Feed one server message to ibapi's Decoder (text messages, server version 178)."""
    from ibapi.decoder import Decoder
    from ibapi.wrapper import EWrapper

    calls: Calls = []
    names = [n for n in dir(EWrapper) if not n.startswith("_") and callable(getattr(EWrapper, n))]
    methods = {n: (lambda n: lambda self, *a: calls.append((n, a)))(n) for n in names}
    wrapper = type("Recorder", (EWrapper,), methods)()
    decoder = Decoder(wrapper, SERVER_VERSION)
    payload = frame(message)[4:]
    fields = payload.split(b"\0")[:-1]
    decoder.interpret(tuple(fields[1:]), int(fields[0]))
    return calls


def ib_async_request(send: Callable[[Any], None]) -> list[list[str]]:
    """The messages ib_async's Client encodes when ``send(client)`` runs."""
    from ib_async.client import Client
    from ib_async.wrapper import Wrapper

    sent: list[bytes] = []
    client = Client(Wrapper(None))  # type: ignore[arg-type]
    client._serverVersion = SERVER_VERSION
    client.connState = Client.CONNECTED
    client.conn.sendMsg = sent.append  # type: ignore[method-assign]
    send(client)
    reader = FrameReader()
    return [m for data in sent for m in reader.feed(data)]


def ibapi_request(send: Callable[[Any], None]) -> list[list[str]]:
    """The messages ibapi's EClient encodes when ``send(client)`` runs."""
    from ibapi.client import EClient
    from ibapi.wrapper import EWrapper

    sent: list[bytes] = []

    class _Conn:
        def isConnected(self) -> bool:
            return True

        def sendMsg(self, data: bytes) -> None:
            sent.append(data)

    client = EClient(EWrapper())
    client.serverVersion_ = SERVER_VERSION
    client.connState = EClient.CONNECTED
    client.conn = _Conn()
    send(client)
    reader = FrameReader()
    return [m for data in sent for m in reader.feed(data)]


def length(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload
