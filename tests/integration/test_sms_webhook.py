"""The webhook SMS sender against a real HTTP server on 127.0.0.1 that can be told to fail."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from tests.support.ports import free_port

from gatehouse.adapters.sms.webhook import WebhookSmsSender
from gatehouse.domain.errors import ServiceUnavailable


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, object]
    at: float


HOLD = -1.0  # a delay meaning: answer only when the test releases the provider (or never)


@dataclass
class FakeProvider:
    """Records every POST; answers from ``plan`` (status, delay) first, then 200."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    plan: list[tuple[int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)
    answered: list[int] = field(default_factory=list)  # the statuses actually sent, in order

    def fail(self, times: int, status: int = 503, delay: float = 0.0) -> None:
        with self.lock:
            self.plan += [(status, delay)] * times

    def hold(self, times: int) -> None:
        """The next ``times`` requests get no answer until ``released`` is set."""
        self.fail(times, status=200, delay=HOLD)

    def next_answer(self) -> tuple[int, float]:
        with self.lock:
            return self.plan.pop(0) if self.plan else (200, 0.0)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    state = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            with state.lock:
                state.received.append(
                    Received(self.path, dict(self.headers.items()), body, time.monotonic())
                )
            status, delay = state.next_answer()
            if delay == HOLD:
                state.released.wait(timeout=60)  # a provider that does not answer in time
            elif delay:
                time.sleep(delay)  # the provider being slow, not the test waiting
            with state.lock:
                state.answered.append(status)
            payload = json.dumps({"ok": status < 300}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def sender(provider: FakeProvider, **kwargs: object) -> WebhookSmsSender:
    options: dict[str, object] = {"timeout": 2.0, "retries": 3, "backoff": 0.01}
    options.update(kwargs)
    return WebhookSmsSender(provider.url, **options)  # type: ignore[arg-type]


async def test_message_is_posted_as_json(provider: FakeProvider) -> None:
    await sender(provider, headers={"Authorization": "Bearer s3cret"}).send(
        "+15551234567", "Your Gatehouse code is 123456"
    )
    assert len(provider.received) == 1
    request = provider.received[0]
    assert request.path == "/sms/send"
    assert request.body == {"to": "+15551234567", "text": "Your Gatehouse code is 123456"}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == "Bearer s3cret"


async def test_a_given_client_is_used(provider: FakeProvider) -> None:
    async with httpx.AsyncClient(headers={"X-From-Client": "yes"}) as client:
        await sender(provider, client=client).send("+15551234567", "hi")
        assert not client.is_closed  # the sender does not close what it was given
    assert provider.received[0].headers["X-From-Client"] == "yes"


async def test_server_errors_are_retried_until_success(provider: FakeProvider) -> None:
    provider.fail(2, status=503)
    await sender(provider, backoff=0.05).send("+15551234567", "hi")
    assert len(provider.received) == 3
    gaps = [b.at - a.at for a, b in zip(provider.received, provider.received[1:])]
    # Exponential backoff: 0.05 s, then 0.1 s (at least; the machine may be slower).
    assert gaps[0] >= 0.045
    assert gaps[1] >= 0.095


async def test_rate_limiting_is_retried(provider: FakeProvider) -> None:
    provider.fail(1, status=429)
    await sender(provider).send("+15551234567", "hi")
    assert len(provider.received) == 2


async def test_gives_up_after_the_last_retry(provider: FakeProvider) -> None:
    provider.fail(10, status=500)
    with pytest.raises(ServiceUnavailable) as caught:
        await sender(provider, retries=2).send("+15551234567", "hi")
    assert len(provider.received) == 3  # the first try and two retries
    assert caught.value.code == "service_unavailable"
    assert "3 attempts" in caught.value.message
    assert "+1555" not in caught.value.message  # no phone number in errors


async def test_no_retries_means_one_attempt(provider: FakeProvider) -> None:
    provider.fail(1, status=502)
    with pytest.raises(ServiceUnavailable):
        await sender(provider, retries=0).send("+15551234567", "hi")
    assert len(provider.received) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_refusal_is_not_retried(provider: FakeProvider, status: int) -> None:
    provider.fail(1, status=status)
    with pytest.raises(ServiceUnavailable) as caught:
        await sender(provider).send("+15551234567", "hi")
    assert len(provider.received) == 1
    assert "refused" in caught.value.message
    assert caught.value.details["provider_status"] == status


async def test_slow_provider_times_out_and_is_retried(provider: FakeProvider) -> None:
    provider.hold(1)  # the first request is never answered while the sender waits
    # the sender's own timeout (2 s) ends the first try; 30 s only bounds a broken sender
    await asyncio.wait_for(sender(provider).send("+15551234567", "hi"), 30)
    assert len(provider.received) == 2
    assert provider.answered == [200]  # sent by the retry: it did not wait for the slow answer


async def test_provider_that_always_times_out_gives_up(provider: FakeProvider) -> None:
    provider.hold(5)
    with pytest.raises(ServiceUnavailable) as caught:
        await sender(provider, timeout=0.1, retries=1).send("+15551234567", "hi")
    assert len(provider.received) == 2
    assert provider.answered == []
    assert "Timeout" in caught.value.message


async def test_unreachable_provider_gives_up() -> None:
    port = free_port()  # nothing listens there
    unreachable = WebhookSmsSender(f"http://127.0.0.1:{port}/sms", retries=2, backoff=0.01)
    with pytest.raises(ServiceUnavailable) as caught:
        await unreachable.send("+15551234567", "hi")
    assert "3 attempts" in caught.value.message


@pytest.mark.parametrize(
    "bad",
    [{"timeout": 0}, {"retries": -1}, {"backoff": -0.1}],
    ids=["timeout", "retries", "backoff"],
)
def test_nonsense_settings_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        WebhookSmsSender("http://127.0.0.1:9/sms", **bad)  # type: ignore[arg-type]
