"""Writing to the audit log and reading a user's recent activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gatehouse.domain.audit import AuditEntry, AuditEvent
from gatehouse.service.ports import UnitOfWork


async def record(
    uow: UnitOfWork,
    event: AuditEvent,
    *,
    at: datetime,
    user_id: int | None = None,
    username: str = "",
    platform: str = "",
    environment: str = "",
    client_address: str = "",
    factor: str = "",
    actor: str = "",
    **detail: Any,
) -> None:
    await uow.audit.add(
        AuditEntry(
            at=at,
            event=event.value,
            user_id=user_id,
            username=username,
            platform=platform,
            environment=environment,
            client_address=client_address,
            factor=factor,
            actor=actor,
            detail=detail,
        )
    )


def activity_view(entry: AuditEntry) -> dict[str, Any]:
    """What the user sees of one audit entry under "recent activity"."""
    return {
        "at": entry.at.isoformat(),
        "event": entry.event,
        "platform": entry.platform,
        "environment": entry.environment,
        "address": entry.client_address,
        "factor": entry.factor,
        "actor": entry.actor,
        "detail": entry.detail,
    }
