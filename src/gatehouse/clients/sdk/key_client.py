"""A Python client for Key devices: enrollment, signed polling, decisions and the device socket.

Everything a device sends is signed with its Ed25519 key, in the formats of
``gatehouse.domain.factors.push`` (the one definition the server checks against).
``listen`` prefers the WebSocket and falls back to polling, which always works.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from websockets.asyncio.client import connect

from gatehouse.clients.sdk.errors import GatehouseApiError, from_response
from gatehouse.clients.sdk.transport import Transport, api_path, websocket_url
from gatehouse.domain.identity.factors import push

Now = Callable[[], datetime]
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


# The Key app's name for the SDK's typed errors (``code``, ``status``, ``message``).
KeyApiError = GatehouseApiError


def public_key_text(private_key: Ed25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return push.encode(raw)


@dataclass(frozen=True)
class DeviceIdentity:
    """What a device signs with: its id on one server, and its private key."""

    server: str
    device_id: str
    private_key: Ed25519PrivateKey

    def sign(self, payload: bytes) -> str:
        return push.encode(self.private_key.sign(payload))


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    name: str
    username: str
    issuer: str
    totp_secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class PushRequest:
    """A sign-in waiting for approval, as the device shows it."""

    nonce: str
    username: str
    platform: str
    environment: str
    address: str
    requested_at: datetime
    expires_at: datetime
    choices: tuple[int, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PushRequest:
        return cls(
            nonce=str(data["nonce"]),
            username=str(data.get("username", "")),
            platform=str(data.get("platform", "")),
            environment=str(data.get("environment", "")),
            address=str(data.get("address", "")),
            requested_at=datetime.fromisoformat(str(data["requested_at"])),
            expires_at=datetime.fromisoformat(str(data["expires_at"])),
            choices=tuple(int(c) for c in data["choices"]),
        )


class KeyClient:
    """Talks to one Gatehouse server on behalf of a device."""

    def __init__(
        self,
        server: str,
        *,
        now: Now = utc_now,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.server = server.rstrip("/")
        self._now = now
        self._t = Transport(self.server, http=http, timeout=timeout)

    async def __aenter__(self) -> KeyClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._t.aclose()

    def _timestamp(self) -> int:
        return int(self._now().timestamp())

    async def enroll(self, code: str, private_key: Ed25519PrivateKey, name: str) -> Enrollment:
        body = await self._t.request(
            "POST",
            "/key/devices",
            json={"code": code, "public_key": public_key_text(private_key), "name": name},
        )
        return Enrollment(
            device_id=str(body["device_id"]),
            name=str(body["name"]),
            username=str(body["username"]),
            issuer=str(body["issuer"]),
            totp_secret=str(body["totp_secret"]),
            otpauth_uri=str(body["otpauth_uri"]),
        )

    async def clock_offset(self) -> float:
        """Seconds this device's clock is ahead (+) of the server's, from ``/v1/api/time``."""
        before = self._now().timestamp()
        body = await self._t.request("GET", "/time")
        after = self._now().timestamp()
        return (before + after) / 2 - float(body["epoch"])

    async def pending(self, device: DeviceIdentity) -> list[PushRequest]:
        path = api_path("/key/challenges")  # signed as the server sees it
        stamp = self._timestamp()
        signature = device.sign(push.request_payload("GET", path, device.device_id, stamp))
        headers = {
            "X-Gatehouse-Device": device.device_id,
            "X-Gatehouse-Timestamp": str(stamp),
            "X-Gatehouse-Signature": signature,
        }
        body = await self._t.request("GET", path, headers=headers)
        return [PushRequest.from_json(r) for r in body.get("requests", [])]

    async def decide(
        self, device: DeviceIdentity, nonce: str, decision: push.Decision, number: int | None
    ) -> str:
        """Send the signed answer; returns approved, denied or wrong_number."""
        payload = push.decision_payload(nonce, device.device_id, decision, number)
        body = await self._t.request(
            "POST",
            f"/key/challenges/{nonce}",
            json={
                "device_id": device.device_id,
                "decision": decision.value,
                "number": number,
                "signature": device.sign(payload),
            },
        )
        return str(body["result"])

    async def listen(
        self, device: DeviceIdentity, *, poll_seconds: float = 3.0
    ) -> AsyncIterator[PushRequest]:
        """Every new push request, as it arrives: over the socket, else by polling."""
        seen: set[str] = set()
        try:
            async for request in self._socket(device):
                if request.nonce not in seen:
                    seen.add(request.nonce)
                    yield request
        except KeyApiError:
            raise
        except Exception as exc:  # no socket (proxy, old server, network): polling always works
            log.info("device socket unavailable, polling instead: %s", exc)
        while True:
            for request in await self.pending(device):
                if request.nonce not in seen:
                    seen.add(request.nonce)
                    yield request
            await asyncio.sleep(poll_seconds)

    async def _socket(self, device: DeviceIdentity) -> AsyncIterator[PushRequest]:
        url = websocket_url(self.server, "/key/ws")
        async with connect(url, open_timeout=10) as ws:
            hello = json.loads(await ws.recv())
            stamp = self._timestamp()
            payload = push.hello_payload(device.device_id, stamp, str(hello["server_nonce"]))
            await ws.send(
                json.dumps(
                    {
                        "op": "hello",
                        "device_id": device.device_id,
                        "timestamp": stamp,
                        "signature": device.sign(payload),
                    }
                )
            )
            async for raw in ws:
                message = json.loads(raw)
                op = message.get("op")
                if op == "error":
                    raise from_response(401, message, {})
                if op == "push":
                    with contextlib.suppress(KeyError, ValueError, TypeError):
                        yield PushRequest.from_json(message["request"])
