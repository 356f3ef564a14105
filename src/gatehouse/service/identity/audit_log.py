"""Writing to the audit log and reading a user's recent activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gatehouse.domain.identity.audit import AuditEntry, AuditEvent
from gatehouse.domain.identity.users import User
from gatehouse.service.ports import UnitOfWork


@dataclass(frozen=True)
class Subject:
    """Whom an audit entry is about and from where; shared by the entries of one sign-in."""

    user_id: int | None = None
    username: str = ""
    platform: str = ""
    environment: str = ""
    client_address: str = ""
    factor: str = ""


async def record(
    uow: UnitOfWork,
    event: AuditEvent,
    *,
    at: datetime,
    subject: Subject | None = None,
    user_id: int | None = None,
    username: str = "",
    platform: str = "",
    environment: str = "",
    client_address: str = "",
    factor: str = "",
    actor: str = "",
    **detail: Any,
) -> None:
    if subject is not None:
        user_id, username, platform = subject.user_id, subject.username, subject.platform
        environment, client_address = subject.environment, subject.client_address
        factor = subject.factor
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


async def record_action(
    uow: UnitOfWork, event: AuditEvent, user: User, *, at: datetime, actor: str, **detail: Any
) -> None:
    """Audit an action taken on ``user``'s account by ``actor`` (support, the CLI, the user)."""
    await record(uow, event, at=at, user_id=user.id, username=user.username, actor=actor, **detail)


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
