"""``GET /v1/api/events`` (WebSocket): a session's account events, resumable by ``seq``.

The client sends ``{"op": "resume", "since": <last seq seen>}`` and receives every event
after it, ``{"type": "ready", ...}``, then live events; see docs/sync.md.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.websockets import WebSocket

from gatehouse.api.sockets.auth import authenticate
from gatehouse.api.sockets.outlet import (
    WebSocketOutlet,
    forget_handshake,
    next_text,
    raw_receive,
)
from gatehouse.bootstrap import Runtime
from gatehouse.domain.clock import Clock, as_utc
from gatehouse.service.sync import frames
from gatehouse.service.sync.hub import Subscriber, SyncHub

Reporter = Callable[[str, str], None]


async def serve(ws: WebSocket) -> None:
    runtime: Runtime = ws.app.state.runtime
    principal = await authenticate(ws, runtime.ctx)
    if principal is None:
        return
    await ws.accept()
    forget_handshake(ws)
    node = runtime.sync
    assert principal.user.id is not None
    outlet = WebSocketOutlet(
        ws, high_water=node.config.send_buffer_bytes, send_timeout=node.config.replay_send_seconds
    )
    sub = Subscriber(
        user_id=principal.user.id,
        session_id=principal.session.public_id,
        outlet=outlet,
        expires_at=as_utc(principal.session.expires_at),
        heartbeat=node.hub.heartbeat(
            "events", node.config.heartbeat_seconds, frames.heartbeat_frame
        ),
    )
    del principal  # an idle socket should hold ids, not the user and session objects
    receive = raw_receive(ws)
    del ws  # its scope and send live on in the outlet and the server; the object is not needed

    def report(code: str, message: str) -> None:
        outlet.offer(frames.error_frame(code, message))

    await node.hub.attach(sub)
    try:
        while (text := await next_text(receive, report)) is not None:
            await _handle(text, sub, node.hub, report, runtime.ctx.clock)
    finally:
        node.hub.detach(sub)


async def _handle(text: str, sub: Subscriber, hub: SyncHub, report: Reporter, clock: Clock) -> None:
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        report("malformed_frame", "A frame must be a JSON object.")
        return
    op = body.get("op")
    if op == "resume":
        since, epoch = body.get("since"), body.get("epoch")
        if since is not None and (isinstance(since, bool) or not isinstance(since, int)):
            report("invalid_since", "since must be the last seq you have seen (an integer).")
        elif since is not None and since < 0:
            report("invalid_since", "since must not be negative.")
        elif epoch is not None and (not isinstance(epoch, str) or len(epoch) > 64):
            report("invalid_epoch", "epoch must be the epoch string the server sent.")
        else:
            await hub.resume(sub, since=since, epoch=epoch)
    elif op == "ping":
        sub.outlet.offer(frames.encode({"type": "pong", "at": clock.now().isoformat()}))
    else:
        report("unknown_op", "Known operations: resume, ping.")
