"""The push relay webhook and the device-socket hub: what the relay sees, retries, failures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gatehouse.adapters.push.fanout import FanoutPushDelivery
from gatehouse.adapters.push.socket_hub import DeviceSocketHub
from gatehouse.adapters.push.webhook import WebhookPushRelay

REQUEST = {
    "nonce": "ab" * 32,
    "expires_at": "2026-01-05T15:02:00+00:00",
    "choices": [12, 47, 83],
    "address": "203.0.113.9",
    "username": "alice",
}


class Relay:
    def __init__(self) -> None:
        self.received: list[dict[str, object]] = []
        self.answers: list[int] = []
        self.url = ""


@pytest.fixture
def relay() -> Iterator[Relay]:
    state = Relay()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append(json.loads(body))
            status = state.answers.pop(0) if state.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/push"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


async def test_the_relay_gets_a_wakeup_without_the_sign_in_details(relay):
    await WebhookPushRelay(relay.url).deliver(["dev1", "dev2"], REQUEST)
    assert relay.received == [
        {
            "type": "gatehouse.push",
            "device_ids": ["dev1", "dev2"],
            "nonce": REQUEST["nonce"],
            "expires_at": REQUEST["expires_at"],
            "title": "Sign-in request",
        }
    ]


async def test_the_relay_is_retried_and_its_failures_never_raise(relay):
    relay.answers = [503, 429, 200]
    await WebhookPushRelay(relay.url, retries=2, backoff=0.01).deliver(["dev1"], REQUEST)
    assert len(relay.received) == 3
    relay.answers = [400]
    await WebhookPushRelay(relay.url, retries=2, backoff=0.01).deliver(["dev1"], REQUEST)
    assert len(relay.received) == 4  # a refusal is not retried
    unreachable = WebhookPushRelay("http://127.0.0.1:9/push", retries=1, backoff=0.01, timeout=1)
    await unreachable.deliver(["dev1"], REQUEST)  # logged, not raised: devices also poll


async def test_the_hub_reaches_connected_devices_and_survives_broken_ones(relay):
    hub = DeviceSocketHub()
    got: list[dict[str, object]] = []

    async def good(message: dict[str, object]) -> None:
        got.append(message)

    async def broken(message: dict[str, object]) -> None:
        raise ConnectionResetError

    detach = hub.attach("dev1", good)
    hub.attach("dev1", broken)
    both = FanoutPushDelivery(hub, WebhookPushRelay(relay.url))
    await both.deliver(["dev1", "dev2"], REQUEST)
    assert got == [{"op": "push", "request": REQUEST}]
    assert len(relay.received) == 1
    detach()
    await hub.deliver(["dev1"], REQUEST)
    assert len(got) == 1 and hub.connected("dev1") == 1
