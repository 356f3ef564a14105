"""What the Key does, for both its screens and its plain commands: enroll, codes, answer, check.

All of it goes through ``gatehouse.sdk.key_client`` over HTTP; nothing here touches the server's
code or database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gatehouse.clients.key.store import Account, KeyStoreError, UnlockedDevice
from gatehouse.clients.sdk.key_client import KeyClient, Now, PushRequest, utc_now
from gatehouse.domain.identity.factors import push, totp

CLOCK_TOLERANCE_SECONDS = 15  # beyond this, codes start to fall outside the server's window


def parse_enrollment_uri(uri: str) -> tuple[str, str]:
    """(server, code) from the ``gatehouse-key://enroll?server=…&code=…`` of the QR code."""
    parts = urlsplit(uri.strip())
    query = parse_qs(parts.query)
    if parts.scheme != "gatehouse-key" or "server" not in query or "code" not in query:
        raise KeyStoreError("That is not a Gatehouse Key enrollment link.")
    return query["server"][0], query["code"][0]


async def enroll(
    device: UnlockedDevice, *, server: str, code: str, name: str, now: Now = utc_now
) -> Account:
    """Make a key pair, register its public half with the code, keep the secrets sealed."""
    private_key = Ed25519PrivateKey.generate()
    async with KeyClient(server, now=now) as client:
        result = await client.enroll(code, private_key, name)
    account = Account(
        server=client.server,
        username=result.username,
        device_id=result.device_id,
        name=result.name,
        issuer=result.issuer,
        enrolled_at=now().isoformat(),
    )
    device.add(account, private_key, result.totp_secret)
    return account


@dataclass(frozen=True)
class CurrentCode:
    account: Account
    code: str
    seconds_left: int


def current_codes(device: UnlockedDevice, at: datetime) -> list[CurrentCode]:
    left = totp.STEP_SECONDS - int(at.timestamp()) % totp.STEP_SECONDS
    return [CurrentCode(a, device.code(a, at), left) for a in device.accounts]


def format_code(code: str) -> str:
    return f"{code[:3]} {code[3:]}"


async def pending(device: UnlockedDevice, now: Now = utc_now) -> list[tuple[Account, PushRequest]]:
    found: list[tuple[Account, PushRequest]] = []
    for account in device.accounts:
        async with KeyClient(account.server, now=now) as client:
            for request in await client.pending(device.identity(account)):
                found.append((account, request))
    return found


async def answer(
    device: UnlockedDevice,
    account: Account,
    request: PushRequest,
    *,
    picked: int | None,
    now: Now = utc_now,
) -> str:
    """Approve with the picked number, or deny (``picked=None``); returns the server's result."""
    decision = push.Decision.DENY if picked is None else push.Decision.APPROVE
    async with KeyClient(account.server, now=now) as client:
        return await client.decide(device.identity(account), request.nonce, decision, picked)


def describe_request(request: PushRequest) -> str:
    when = request.requested_at.strftime("%H:%M:%S UTC")
    return (
        f"Sign-in request for {request.username} on {request.platform} "
        f"({request.environment}) from {request.address or 'an unknown address'} at {when}"
    )


def describe_offset(offset: float) -> str:
    seconds = round(offset)
    if abs(seconds) <= 1:
        return "The device clock matches the server's."
    direction = "ahead of" if seconds > 0 else "behind"
    advice = (
        ""
        if abs(seconds) <= CLOCK_TOLERANCE_SECONDS
        else " Codes may be refused: turn on automatic (network) time on this device."
    )
    return f"The device clock is about {abs(seconds)} s {direction} the server's.{advice}"
