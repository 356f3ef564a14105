"""The sync sockets' outlet on a real uvicorn server (api/sockets/outlet): a fanned-out frame
goes straight to the socket when nothing is queued in the transport, and the bytes, their
order, backpressure and closing are what the transport's own write gave."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.support.server import serving
from websockets.frames import Frame, Opcode

from gatehouse.api.sockets.outlet import TRANSPORT, WebSocketOutlet, probe_transport

HIGH_WATER = 16384


@dataclass
class Served:
    """The server side of one socket: its outlet, and every call to its transport's write."""

    outlet: WebSocketOutlet
    ws: WebSocket
    written: list[bytes] = field(default_factory=list)


def outlet_app(ready: asyncio.Queue[Served]) -> Callable[[Scope, Receive, Send], object]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        probe_transport(scope, send)  # as the app's front does for the sync sockets
        ws = WebSocket(scope, receive, send)
        await ws.accept()
        transport = scope[TRANSPORT]
        real_write = transport.write
        served = Served(WebSocketOutlet(ws, high_water=HIGH_WATER, send_timeout=1.0), ws)

        def write(data: bytes) -> None:  # the transport's own write, seen
            served.written.append(bytes(data))
            real_write(data)

        transport.write = write
        await ready.put(served)
        while (await receive())["type"] != "websocket.disconnect":
            pass

    return app


@pytest.fixture
async def server() -> AsyncIterator[tuple[int, asyncio.Queue[Served]]]:
    ready: asyncio.Queue[Served] = asyncio.Queue()
    async with serving(outlet_app(ready)) as base_url:
        yield int(base_url.rsplit(":", 1)[1]), ready


HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


async def connect(port: int, ready: asyncio.Queue[Served], *, rcvbuf: int = 0) -> tuple[
    socket.socket, Served
]:  # fmt: skip
    """A raw client socket past the handshake (its reads see the server's bytes as sent)."""
    client = socket.socket()
    if rcvbuf:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    client.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(client, ("127.0.0.1", port))
    await loop.sock_sendall(client, HANDSHAKE)
    served = await asyncio.wait_for(ready.get(), 10)
    head = b""
    while b"\r\n\r\n" not in head:
        head += await loop.sock_recv(client, 1)
    assert head.startswith(b"HTTP/1.1 101")
    return client, served


async def read_exactly(client: socket.socket, size: int) -> bytes:
    loop, got = asyncio.get_running_loop(), b""
    while len(got) < size:
        chunk = await asyncio.wait_for(loop.sock_recv(client, size - len(got)), 10)
        assert chunk, f"closed after {len(got)} of {size} bytes"
        got += chunk
    return got


def websockets_framing(payload: bytes) -> bytes:
    """What uvicorn's send (websockets' ``send_text``) writes for a text frame."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


def payloads(sizes: list[int]) -> list[bytes]:
    """Payloads of about these sizes (the 7-bit, 16-bit and 64-bit length forms)."""
    return [b'{"n":%d,"x":"%s"}' % (i, b"y" * size) for i, size in enumerate(sizes)]


async def test_frames_go_straight_to_the_socket_as_the_bytes_websockets_would_frame(server):
    port, ready = server
    client, served = await connect(port, ready)
    for payload in payloads([1, 100, 115, 116, 300, 2000]):
        assert served.outlet.offer(payload)
        # the reader keeps up, so nothing is ever queued in the transport
        await read_exactly(client, len(websockets_framing(payload)))
    # one payload offered to many sockets: the same bytes to each
    others = [await connect(port, ready) for _ in range(3)]
    shared = b'{"topic":"smd+1","31":"187.25"}'
    assert all(s.outlet.offer(shared) for _, s in others)
    for other, _ in others:
        assert await read_exactly(other, len(shared) + 2) == websockets_framing(shared)
        other.close()
    # none of it went through the transport's write: one send system call per frame
    assert served.written == [] and all(s.written == [] for _, s in others)
    client.close()


async def test_a_frame_larger_than_the_kernel_takes_at_once_is_finished_by_the_transport(server):
    port, ready = server
    client, served = await connect(port, ready)
    big, small = payloads([200_000, 10])
    assert served.outlet.offer(big)
    # the socket's send buffer is capped near the high-water mark: the kernel took the first
    # part of the frame and the transport queued the rest (its own write: in order, and
    # pausing past the mark), so what follows waits behind it or is refused
    queued = b"".join(served.written)
    assert queued and websockets_framing(big).endswith(queued)
    accepted = [big] + ([small] if served.outlet.offer(small) else [])
    expected = b"".join(map(websockets_framing, accepted))
    assert await read_exactly(client, len(expected)) == expected
    for _ in range(200):  # drained, the transport lets writes through again
        if served.outlet.offer(small):
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the outlet stayed paused after the client read everything")
    assert await read_exactly(client, len(websockets_framing(small))) == websockets_framing(small)
    client.close()


async def test_a_reader_that_stops_gets_every_frame_up_to_the_refusal_in_order(server):
    port, ready = server
    client, served = await connect(port, ready, rcvbuf=4096)
    offered: list[bytes] = []
    for i in range(10_000):
        payload = b'{"seq":%d,"pad":"%s"}' % (i, b"z" * 1000)
        if not served.outlet.offer(payload):
            break
        offered.append(payload)
    else:
        pytest.fail("a reader that never reads was never refused")
    # past the kernel's buffer the frames were queued in the transport, up to the
    # high-water mark, then refused: what the transport's write and uvicorn's flag gave
    assert served.written, "nothing was ever queued in the transport"
    assert sum(map(len, served.written)) <= HIGH_WATER + len(websockets_framing(offered[-1]))
    assert not served.outlet.offer(b'{"after":"refused"}')
    # once it reads again it gets exactly the frames accepted, in order, whole
    expected = b"".join(websockets_framing(p) for p in offered)
    assert await read_exactly(client, len(expected)) == expected
    client.close()


async def test_nothing_is_written_once_the_socket_is_closing(server):
    port, ready = server
    client, served = await connect(port, ready)
    assert served.outlet.offer(b'{"before":"close"}')
    served.outlet.close(4002, "too slow")
    assert not served.outlet.offer(b'{"after":"close"}')
    await asyncio.sleep(0.05)  # the close frame is on its way
    got = await read_exactly(client, len(websockets_framing(b'{"before":"close"}')) + 2)
    assert got.startswith(websockets_framing(b'{"before":"close"}'))
    assert got.endswith(b"\x88" + bytes([len(b"\x0f\xa2too slow")]))  # the close frame next
    client.close()


async def test_nothing_is_written_once_the_client_has_gone(server):
    port, ready = server
    client, served = await connect(port, ready)
    client.close()
    for _ in range(200):  # the server notices the end of the connection
        if not served.outlet.offer(b'{"x":1}'):
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("offers to a closed connection were still accepted")
    assert not served.outlet.offer(b'{"x":2}')


async def test_nothing_is_written_after_the_client_sent_its_close_frame(server):
    port, ready = server
    client, served = await connect(port, ready)
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(client, b"\x88\x82\0\0\0\0\x03\xe8")  # close 1000, zero mask
    echo = await read_exactly(client, 4)  # the server's close frame answers it
    assert echo == b"\x88\x02\x03\xe8"
    # the connection is closing (its socket may still be open): no more data frames
    assert not served.outlet.offer(b'{"after":"close"}')
    client.close()


async def test_nothing_is_written_after_the_app_closed_the_socket_another_way(server):
    port, ready = server
    client, served = await connect(port, ready)
    await served.ws.close(4001, "session ended")  # uvicorn's send, not the outlet's close
    assert not served.outlet.offer(b'{"after":"close"}')
    assert await read_exactly(client, 2) == b"\x88" + bytes([len(b"\x0f\xa1session ended")])
    client.close()


async def test_a_send_that_meets_a_reset_connection_closes_the_transport_at_once(server):
    port, ready = server
    client, served = await connect(port, ready)
    transport = served.ws.scope[TRANSPORT]
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()  # a reset, which the server's loop has not seen yet
    assert not transport.is_closing()
    served.outlet.offer(b'{"into":"the reset"}')
    # the write met the error and closed the transport, as the transport's own write does,
    # before the loop itself noticed the connection was gone
    assert transport.is_closing()
