"""Key authenticator endpoints: activation, enrollment, devices, push requests and decisions.

Device requests are signed with the device's Ed25519 key (see docs/key.md): polling sends
``X-Gatehouse-Device``, ``X-Gatehouse-Timestamp`` and ``X-Gatehouse-Signature``; the socket
``/key/ws`` opens with a signed hello over a fresh server nonce.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from typing import Any

import segno
from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from pydantic import Field, StrictInt, StrictStr

from gatehouse.api.auth import Ctx, CurrentPrincipal, client_address
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.domain.errors import GatehouseError
from gatehouse.domain.identity.key_devices import KeyDevice
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import key_devices, push_approval

router = APIRouter(route_class=LeanRoute, tags=["key"])

DEVICE_HEADER = "x-gatehouse-device"
TIMESTAMP_HEADER = "x-gatehouse-timestamp"
SIGNATURE_HEADER = "x-gatehouse-signature"
HELLO_SECONDS = 10.0


class EnrollBody(Body):
    code: StrictStr = Field(max_length=64)
    public_key: StrictStr = Field(max_length=128)
    name: StrictStr = Field(default="", max_length=100)


class DecisionBody(Body):
    device_id: StrictStr = Field(max_length=64)
    decision: StrictStr = Field(max_length=16)
    number: StrictInt | None = None
    signature: StrictStr = Field(max_length=200)


def qr_svg(data: str) -> str:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", xmldecl=False, scale=4, border=2)
    return buffer.getvalue().decode("utf-8")


@router.post("/key/activations")
async def create_activation(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    """A one-time activation code (and its QR code) to enroll a Key device."""
    body = await key_devices.create_activation(ctx, principal)
    body["qr_svg"] = qr_svg(str(body["uri"]))
    return body


@router.post("/key/devices")
async def enroll(body: EnrollBody, request: Request, ctx: Ctx) -> dict[str, Any]:
    """A device sends its public key with an activation (or re-enrollment) code."""
    return await key_devices.enroll(
        ctx,
        code=body.code,
        public_key=body.public_key,
        name=body.name,
        address=client_address(request),
    )


@router.get("/key/devices")
async def list_devices(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    assert principal.user.id is not None
    return {"devices": await key_devices.list_devices(ctx, principal.user.id)}


@router.delete("/key/devices/{device_id}")
async def revoke_device(
    device_id: str, principal: CurrentPrincipal, ctx: Ctx, lost: bool = Query(default=False)
) -> dict[str, Any]:
    await key_devices.revoke_own(ctx, principal, device_id, lost=lost)
    return {"revoked": device_id}


async def _signed_device(request: Request, ctx: ServiceContext) -> KeyDevice:
    return await push_approval.device_for_request(
        ctx,
        method=request.method,
        path=request.url.path,
        device_id=request.headers.get(DEVICE_HEADER),
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
    )


@router.get("/key/challenges")
async def open_requests(request: Request, ctx: Ctx) -> dict[str, Any]:
    """The device's open push requests (polling; signed, timestamped headers)."""
    device = await _signed_device(request, ctx)
    return {"device_id": device.public_id, "requests": await push_approval.pending(ctx, device)}


@router.post("/key/challenges/{nonce}")
async def decide(nonce: str, body: DecisionBody, ctx: Ctx) -> dict[str, Any]:
    """Approve or deny a push request: signed over (nonce, device id, decision, number)."""
    return await push_approval.decide(
        ctx,
        nonce,
        device_id=body.device_id,
        decision=body.decision,
        number=body.number,
        signature=body.signature,
    )


@router.get("/time")
async def server_time(ctx: Ctx) -> dict[str, Any]:
    """The server's clock, for ``gatehouse key doctor`` and the device's own checks."""
    now = ctx.clock.now()
    return {"time": now.isoformat(), "epoch": now.timestamp()}


@router.websocket("/key/ws")
async def device_socket(ws: WebSocket) -> None:
    """Push requests delivered to a connected device the moment they are made."""
    ctx: ServiceContext = ws.app.state.ctx
    await ws.accept()
    nonce = ctx.tokens.token_bytes(16).hex()
    await ws.send_json(
        {"op": "hello", "server_nonce": nonce, "server_time": ctx.clock.now().isoformat()}
    )
    try:
        hello = await asyncio.wait_for(ws.receive_json(), timeout=HELLO_SECONDS)
        device = await push_approval.device_for_hello(ctx, hello, server_nonce=nonce)
    except GatehouseError as error:
        await _refuse(ws, error)
        return
    except (TimeoutError, WebSocketDisconnect, ValueError):
        with contextlib.suppress(Exception):
            await ws.close(code=4400)
        return
    await _serve_device(ws, ctx, device)


async def _refuse(ws: WebSocket, error: GatehouseError) -> None:
    with contextlib.suppress(Exception):
        await ws.send_json({"op": "error", "error": error.code, "message": error.message})
        await ws.close(code=4401)


async def _serve_device(ws: WebSocket, ctx: ServiceContext, device: KeyDevice) -> None:
    # One writer: pushes from the hub go through the queue, so sends never interleave.
    queue: asyncio.Queue[dict[str, object]] = asyncio.Queue(maxsize=64)

    async def enqueue(message: dict[str, object]) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(message)

    detach = ctx.devices.attach(device.public_id, enqueue) if ctx.devices else (lambda: None)
    reader = asyncio.create_task(_read(ws, enqueue))
    sent: set[str] = set()
    try:
        await ws.send_json({"op": "ready", "device_id": device.public_id})
        while not reader.done():
            # the database is the truth: a push made on another node is found here
            for request in await push_approval.pending(ctx, device):
                await _send_push(ws, {"op": "push", "request": request}, sent)
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait(
                {getter, reader},
                timeout=ctx.key.socket_recheck_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if getter in done:
                await _send_push(ws, getter.result(), sent)
            else:
                getter.cancel()
    except GatehouseError as error:  # revoked while connected
        await _refuse(ws, error)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        detach()
        reader.cancel()


async def _send_push(ws: WebSocket, message: dict[str, object], sent: set[str]) -> None:
    request = message.get("request")
    nonce = str(request.get("nonce")) if isinstance(request, dict) else ""
    if nonce:
        if nonce in sent:
            return
        sent.add(nonce)
    await ws.send_json(message)


async def _read(ws: WebSocket, enqueue: Any) -> None:
    """Answer pings; return when the device goes away."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            try:
                message = await ws.receive_json()
            except ValueError:  # not JSON: ignored
                continue
            if isinstance(message, dict) and message.get("op") == "ping":
                await enqueue({"op": "pong"})
