"""What the database holds, read straight from the tables, to prove a request changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gatehouse.adapters.db.identity import tables as t
from gatehouse.adapters.db.sync import tables as sync_tables
from gatehouse.bootstrap import Runtime


async def snapshot(runtime: Runtime) -> dict[str, Any]:
    """Every piece of sign-in state a request could change, in a comparable form."""
    async with runtime.engine.connect() as conn:

        async def rows(query: Any) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in (await conn.execute(query)).all()]

        async def count(table: Any) -> int:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())

        u, s, la = t.users.c, t.sessions.c, t.login_attempts.c
        th, cc = t.throttles.c, t.card_cells.c
        return {
            "users": await rows(
                select(
                    u.username,
                    u.password_hash,
                    u.paper_password_hash,
                    u.admin_locked,
                    u.totp_last_step,
                    u.mobile_idle_seconds,
                    u.event_seq,
                ).order_by(u.id)
            ),
            "sessions": await rows(
                select(s.public_id, s.last_seen_at, s.idle_seconds, s.ended_at).order_by(s.id)
            ),
            "logins": await rows(
                select(
                    la.public_id, la.state, la.code_failures, la.challenge_factor, la.challenge
                ).order_by(la.id)
            ),
            "throttles": await rows(
                select(th.key, th.failures, th.last_failure_at, th.locked_until).order_by(th.key)
            ),
            "asked_cells": await rows(select(cc.label).where(cc.asked_at.is_not(None))),
            "audit": await count(t.audit_log),
            "sms": await count(t.sms_outbox),
            "events": await count(sync_tables.events),
        }


async def throttle_failures(runtime: Runtime, key: str) -> int:
    """How many failures the throttle behind ``key`` counts (0 when it has none)."""
    async with runtime.ctx.uow() as uow:
        found = await uow.throttles.peek(key)
        return found.failures if found else 0


async def audit_events(runtime: Runtime) -> list[str]:
    async with runtime.engine.connect() as conn:
        query = select(t.audit_log.c.event).order_by(t.audit_log.c.id)
        return [str(r[0]) for r in (await conn.execute(query)).all()]
