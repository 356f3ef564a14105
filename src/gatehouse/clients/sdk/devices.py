"""Gateway devices in the SDK: unattended sign-in by a signed nonce, and the owner's calls to
register, renew, list and revoke gateways (docs/gateway.md).

What is signed is ``domain.identity.gateway_devices.signin_payload`` — the one definition the
server checks — in the Key device's Ed25519 encoding (``factors.push``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gatehouse.clients.sdk.client import AsyncGatehouse
from gatehouse.clients.sdk.models import Session
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.gateway_devices import signin_payload


@dataclass(frozen=True)
class DeviceSession:
    """A gateway session: its scope, and when the policy wants a full second factor."""

    session: Session
    device_id: str
    scope: str
    second_factor_due: bool
    second_factor_due_at: datetime | None


def public_key_of(key: Ed25519PrivateKey) -> str:
    return push.encode(key.public_key().public_bytes_raw())


async def sign_in(client: AsyncGatehouse, device_id: str, key: Ed25519PrivateKey) -> DeviceSession:
    """Challenge, sign, verify; the client then uses the new session's token."""
    issued = await client.request("POST", "/auth/device/challenge", {"device_id": device_id})
    signature = push.encode(key.sign(signin_payload(str(issued["nonce"]), device_id)))
    body: dict[str, Any] = await client.request(
        "POST", "/auth/device/verify", {"device_id": device_id, "signature": signature}
    )
    session = Session.from_json(body)
    client.use_token(session.token)
    client.session = session
    due = body.get("second_factor_due_at")
    return DeviceSession(
        session=session,
        device_id=device_id,
        scope=str(body.get("scope") or "trade"),
        second_factor_due=bool(body.get("second_factor_due")),
        second_factor_due_at=datetime.fromisoformat(due) if isinstance(due, str) else None,
    )


async def register(
    client: AsyncGatehouse, key: Ed25519PrivateKey, *, scope: str = "trade", name: str = ""
) -> dict[str, Any]:
    """Bind ``key`` to the signed-in user (a full sign-in minutes ago) and its environment."""
    body = {"public_key": public_key_of(key), "scope": scope, "name": name}
    found: dict[str, Any] = await client.request("POST", "/devices", body)
    return found


async def renew(client: AsyncGatehouse, device_id: str) -> dict[str, Any]:
    """A fresh full sign-in restarts the device's policy period."""
    found: dict[str, Any] = await client.request("POST", f"/devices/{device_id}/renew")
    return found


async def request_renewal(client: AsyncGatehouse) -> dict[str, Any]:
    """From a gateway's own session: ask the owner for the full second factor by push.

    The answer has ``renewal_id``, the ``number`` to pick on the Key device and ``expires_in``.
    """
    found: dict[str, Any] = await client.request("POST", "/auth/device/renewal")
    return found


async def renewal_status(client: AsyncGatehouse, renewal_id: str, *, wait: float = 25) -> str:
    """Long poll a renewal: ``pending``, ``renewed`` or ``expired`` (PushDenied if denied)."""
    body = await client.request(
        "GET",
        f"/auth/device/renewal/{renewal_id}",
        params={"wait": wait},
        read_timeout=wait + 15,
    )
    return str(body.get("state"))


async def devices(client: AsyncGatehouse) -> list[dict[str, Any]]:
    body = await client.request("GET", "/devices")
    return list(body.get("devices", []))


async def revoke(client: AsyncGatehouse, device_id: str) -> dict[str, Any]:
    """Revoke a gateway: its sessions end at once."""
    found: dict[str, Any] = await client.request("DELETE", f"/devices/{device_id}")
    return found
