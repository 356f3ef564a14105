"""Helpers for the Key, recovery, support and message tests: devices, sessions, snapshots."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from gatehouse.adapters.db.identity import tables_key, tables_recovery
from gatehouse.adapters.db.support import tables as tables_messages
from gatehouse.bootstrap import Runtime
from gatehouse.clients.sdk.key_client import DeviceIdentity, KeyClient, public_key_text
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.users import Role
from gatehouse.service.identity import users
from tests.support import state
from tests.support.signin import bearer, full_signin

ACCESS_TABLES = [
    tables_key.key_devices,
    tables_key.key_activations,
    tables_key.push_challenges,
    tables_recovery.recovery_tokens,
    tables_recovery.security_answers,
    tables_recovery.recovery_attempts,
    tables_messages.message_threads,
    tables_messages.messages,
]


async def snapshot(runtime: Runtime) -> dict[str, Any]:
    """Sign-in state plus every row of the Key, recovery and message tables."""
    found = await state.snapshot(runtime)
    async with runtime.engine.connect() as conn:
        for table in ACCESS_TABLES:
            rows = (await conn.execute(select(table))).all()
            found[table.name] = sorted(repr(tuple(r)) for r in rows)
    return found


@dataclass
class Device:
    """An enrolled Key device as the tests drive it: its identity and what enrollment gave."""

    identity: DeviceIdentity
    totp_secret: str
    body: dict[str, Any]

    @property
    def device_id(self) -> str:
        return self.identity.device_id


def key_client(client: httpx.AsyncClient, clock: FakeClock) -> KeyClient:
    return KeyClient(str(client.base_url), now=clock.now, http=client)


async def session_token(client: httpx.AsyncClient, user: Any, clock: FakeClock) -> str:
    body = await full_signin(client, user, clock)
    return str(body["token"])


async def activation_code(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    answer = await client.post("/v1/api/key/activations", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def enroll_with(client: httpx.AsyncClient, code: str, name: str = "Test phone") -> Device:
    private_key = Ed25519PrivateKey.generate()
    answer = await client.post(
        "/v1/api/key/devices",
        json={"code": code, "public_key": public_key_text(private_key), "name": name},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    identity = DeviceIdentity(str(client.base_url), body["device_id"], private_key)
    return Device(identity, body["totp_secret"], body)


async def enrolled_device(client: httpx.AsyncClient, user: Any, clock: FakeClock) -> Device:
    """Sign in, ask for an activation code, enroll a new device with it."""
    token = await session_token(client, user, clock)
    code = (await activation_code(client, token))["code"]
    return await enroll_with(client, code)


async def push_number(client: httpx.AsyncClient, login_id: str) -> int:
    answer = await client.post(f"/v1/api/auth/login/{login_id}/challenge", json={"factor": "push"})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["number"])


async def decide(
    client: httpx.AsyncClient,
    device: Device,
    nonce: str,
    decision: str,
    number: int | None,
    *,
    signed_number: int | None = None,
    signer: Ed25519PrivateKey | None = None,
) -> httpx.Response:
    """POST a decision; ``signed_number``/``signer`` forge what was signed, for tests."""
    payload = push.decision_payload(
        nonce,
        device.device_id,
        push.Decision(decision),
        number if signed_number is None else signed_number,
    )
    key = signer or device.identity.private_key
    return await client.post(
        f"/v1/api/key/challenges/{nonce}",
        json={
            "device_id": device.device_id,
            "decision": decision,
            "number": number,
            "signature": push.encode(key.sign(payload)),
        },
    )


async def make_support_agent(runtime: Runtime, name: str = "sam") -> Any:
    """A support agent with TOTP, as ``make_user`` makes users."""
    from tests.conftest import PASSWORD, TestUser

    created = await users.create(
        runtime.ctx,
        username=name,
        password=PASSWORD,
        email=f"{name}@support.example.com",
        role=Role.SUPPORT,
    )
    uri = await users.enroll_totp(runtime.ctx, name, actor="test")
    return TestUser(
        username=name,
        password=PASSWORD,
        paper_username=created.user.paper_username,
        paper_password=created.paper_password,
        totp_secret=uri.split("secret=")[1].split("&")[0],
        email=f"{name}@support.example.com",
        phone="",
        live_account=created.user.live_account_id,
        paper_account=created.user.paper_account_id,
    )


async def sms_code_when_sent(runtime: Runtime, phone: str, seconds: float = 5.0) -> str:
    """The code of the newest SMS to ``phone``, waiting for one sent after a response."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        async with runtime.ctx.uow() as uow:
            rows = await uow.sms_outbox.latest(limit=1, to=phone)
        if rows:
            found = re.search(r"\b(\d{6})\b", str(rows[0]["text"]))
            assert found, rows[0]["text"]
            return found.group(1)
        assert asyncio.get_running_loop().time() < deadline, f"no SMS was sent to {phone}"
        await asyncio.sleep(0.02)


async def events_of(runtime: Runtime, username: str) -> list[tuple[str, dict[str, Any]]]:
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        assert user is not None and user.id is not None
        return [(e.type, dict(e.data)) for e in await uow.events.since(user.id, 0)]
