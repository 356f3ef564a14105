"""The frames of the ``/v1/api/events`` stream: UTF-8 JSON, encoded once, shared by every socket."""

from __future__ import annotations

from datetime import datetime

import orjson

from gatehouse.domain.clock import as_utc
from gatehouse.domain.sync.events import AccountEvent


def encode(body: dict[str, object]) -> bytes:
    return orjson.dumps(body)


def event_frame(event: AccountEvent) -> bytes:
    """``{"seq", "type", "account", "data", "at"}``."""
    return encode(
        {
            "seq": event.seq,
            "type": event.type,
            "account": event.account,
            "data": event.data,
            "at": as_utc(event.at).isoformat(),
        }
    )


def heartbeat_frame(now: datetime) -> bytes:
    return encode({"type": "heartbeat", "at": as_utc(now).isoformat()})


def ready_frame(seq: int, epoch: str) -> bytes:
    """The replay is done: everything up to ``seq`` has been sent; live events follow."""
    return encode({"type": "ready", "seq": seq, "epoch": epoch})


def resync_frame(seq: int, epoch: str) -> bytes:
    """Too old to replay: refetch state, then resume from ``seq``."""
    return encode({"type": "resync", "seq": seq, "epoch": epoch})


def error_frame(code: str, message: str) -> bytes:
    return encode({"type": "error", "error": code, "message": message})
