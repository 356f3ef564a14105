"""The clients ``benchmarks.fanout`` uses: a minimal WebSocket client on uvloop, and a
process of market-data watchers driven over its stdin.

    python -m benchmarks.fanout_watch <port> <path> <count> [<tokens.json>]

The watcher process opens ``count`` sockets to ``path`` (with a bearer token each from
``tokens.json``, if given), subscribes each to ``smd+CONID``, prints ``{"ready": ...}``
once every subscription is confirmed, and then answers one JSON line per command read from
stdin: ``start`` (a new tally), ``stop`` (the tally: latencies of the ticks received since
``start``, the first and last arrival, this process's CPU time) and ``expect N`` (the same,
once N ticks have arrived). Each server's watchers run in their own process, the same code
for both, so that neither server waits on the other's readers (and the client side of
10,000 sockets per server stays within one process's open-file limit).
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import uvloop

CONID = 265598_000  # not an instrument the simulator quotes: only the benchmark's ticks
BASELINE_PATH = "/v1/api/ws"
STAMP = re.compile(rb'"t":"?(\d+)')  # when the commit returned / the tick was sent
START = re.compile(rb'"t0":(\d+)')  # account events: just before the commit began


def raise_open_files() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass
class Tally:
    """What the clients saw during one phase."""

    latencies: array[int] = field(default_factory=lambda: array("q"))
    from_start: array[int] = field(default_factory=lambda: array("q"))  # incl. the commit
    frames: int = 0
    marked: int = 0  # control frames: "ready" / subscription confirmations
    first_ns: int = 0
    last_ns: int = 0

    def summary(self, which: str = "latencies") -> dict[str, float]:
        ordered = sorted(getattr(self, which))
        if not ordered:
            return {"n": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}

        def ms(q: float) -> float:
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6

        return {"n": len(ordered), "p50": ms(0.50), "p99": ms(0.99), "max": ordered[-1] / 1e6}


class Client(asyncio.Protocol):
    """A minimal WebSocket client: one handshake, unmasked server frames, zero-key masking."""

    def __init__(self, request: bytes, marker: bytes, tally: list[Tally]) -> None:
        self.request = request
        self.marker = marker
        self.tally = tally  # tally[0] is the current phase's
        self.buf = bytearray()
        self.open = False
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during handshake"))

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(bytes(buf[:60]).decode()))
                return
            del buf[: end + 4]
            self.open = True
            self.opened.set_result(None)
        pos, size = 0, len(buf)
        while size - pos >= 2:
            length, head = buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            opcode = buf[pos] & 0x0F
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            if opcode == 1:
                self.on_text(payload)
            elif opcode == 9:
                self.send(payload, opcode=0xA)
        del buf[:pos]

    def on_text(self, payload: bytes) -> None:
        tally = self.tally[0]
        tally.frames += 1
        stamp = STAMP.search(payload)
        if stamp is not None:
            now = time.time_ns()
            tally.latencies.append(now - int(stamp.group(1)))
            tally.first_ns = tally.first_ns or now
            tally.last_ns = now
            start = START.search(payload)
            if start is not None:
                tally.from_start.append(now - int(start.group(1)))
        elif self.marker in payload:
            tally.marked += 1

    def send(self, payload: bytes, opcode: int = 1) -> None:
        size = len(payload)
        if size < 126:
            head = bytes([0x80 | opcode, 0x80 | size])
        else:
            head = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
        assert self.transport is not None
        self.transport.write(head + b"\0\0\0\0" + payload)


async def connect_all(
    port: int, path: str, headers: list[str], marker: bytes, tally: list[Tally]
) -> list[Client]:
    loop = asyncio.get_running_loop()
    clients: list[Client] = []

    async def one(extra: str) -> Client:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\n{extra}\r\n"
        ).encode()
        _, client = await loop.create_connection(
            lambda: Client(request, marker, tally), "127.0.0.1", port
        )
        await client.opened
        return client

    for start in range(0, len(headers), 250):
        clients += await asyncio.gather(*(one(h) for h in headers[start : start + 250]))
    return clients


async def until(check: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)


def close_all(clients: list[Client]) -> None:
    for client in clients:
        if client.transport is not None:
            client.transport.close()


# --- the watcher process ------------------------------------------------------------------
async def watch(port: int, path: str, count: int, tokens: Path | None) -> None:
    if tokens is None:
        headers = [""] * count
    else:
        headers = [f"Authorization: Bearer {t}\r\n" for t in json.loads(tokens.read_text())]
    tally = [Tally()]
    clients = await connect_all(port, path, headers[:count], b'"smd+', tally)
    for client in clients:
        client.send(f'smd+{CONID}+{{"fields":[]}}'.encode())
    await until(lambda: tally[0].marked >= count, "every smd confirmed")
    answer({"ready": count})

    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    cpu0 = time.process_time()
    wall0 = time.monotonic()
    while line := (await commands.readline()).decode().split():
        if line[0] == "start":
            tally[0] = Tally()
            cpu0, wall0 = time.process_time(), time.monotonic()
            answer({"started": True})
            continue
        if line[0] == "expect":
            expected = int(line[1])
            await until(lambda n=expected: len(tally[0].latencies) >= n, "expected ticks")
        got = tally[0]
        answer({
            **got.summary(), "first_ns": got.first_ns, "last_ns": got.last_ns,
            "cpu_s": time.process_time() - cpu0, "wall_s": time.monotonic() - wall0,
        })  # fmt: skip
    close_all(clients)


def answer(body: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(body) + "\n")
    sys.stdout.flush()


class Watchers:
    """One watcher process, seen from the benchmark: ``ask`` sends a command, returns its answer."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, port: int, path: str, count: int, tokens: Path | None) -> Watchers:
        args = [str(port), path, str(count), *([str(tokens)] if tokens else [])]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.fanout_watch", *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        watchers = cls(proc)
        await watchers.read(timeout=180)  # {"ready": count}
        return watchers

    async def read(self, timeout: float = 90) -> dict[str, float]:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError("a watcher process ended early")
        reply: dict[str, float] = json.loads(line)
        return reply

    async def ask(self, command: str) -> dict[str, float]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self.read()

    async def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


if __name__ == "__main__":
    raise_open_files()
    uvloop.run(
        watch(
            int(sys.argv[1]),
            sys.argv[2],
            int(sys.argv[3]),
            Path(sys.argv[4]) if len(sys.argv) > 4 else None,
        )
    )
