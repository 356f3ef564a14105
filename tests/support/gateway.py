"""Helpers for the gateway device tests: register a key, sign in with it, read its tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from gatehouse.adapters.db.identity import tables_gateway
from gatehouse.bootstrap import Runtime
from gatehouse.domain.identity import gateway_devices
from gatehouse.domain.identity.factors import push
from tests.support.signin import bearer


@dataclass
class Gateway:
    device_id: str
    key: Ed25519PrivateKey
    body: dict[str, Any]


def public_key(key: Ed25519PrivateKey) -> str:
    return push.encode(key.public_key().public_bytes_raw())


async def register(
    client: httpx.AsyncClient, token: str, *, scope: str = "trade", name: str = "bot"
) -> Gateway:
    key = Ed25519PrivateKey.generate()
    answer = await client.post(
        "/v1/api/devices",
        json={"public_key": public_key(key), "scope": scope, "name": name},
        headers=bearer(token),
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Gateway(body["device_id"], key, body)


async def nonce(client: httpx.AsyncClient, device_id: str) -> str:
    answer = await client.post("/v1/api/auth/device/challenge", json={"device_id": device_id})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["nonce"])


async def sign_in(client: httpx.AsyncClient, gateway: Gateway) -> httpx.Response:
    """Challenge, sign, verify: what ``gatehouse gateway run`` does."""
    issued = await nonce(client, gateway.device_id)
    signature = gateway.key.sign(gateway_devices.signin_payload(issued, gateway.device_id))
    return await client.post(
        "/v1/api/auth/device/verify",
        json={"device_id": gateway.device_id, "signature": push.encode(signature)},
    )


async def token_of(client: httpx.AsyncClient, gateway: Gateway) -> dict[str, Any]:
    answer = await sign_in(client, gateway)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def rows(runtime: Runtime) -> dict[str, list[str]]:
    """Every row of the gateway tables, comparable."""
    found: dict[str, list[str]] = {}
    async with runtime.engine.connect() as conn:
        for table in (tables_gateway.gateway_devices, tables_gateway.gateway_challenges):
            result = (await conn.execute(select(table))).all()
            found[table.name] = sorted(repr(tuple(r)) for r in result)
    return found
