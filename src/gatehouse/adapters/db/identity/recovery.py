"""SQL storage of recovery tokens, security answers and question-based recovery attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.identity import tables as t
from gatehouse.adapters.db.identity import tables_recovery as r
from gatehouse.adapters.db.pruning import delete_before
from gatehouse.domain.clock import as_utc
from gatehouse.domain.identity.recovery import RecoveryAttempt, RecoveryToken, SecurityAnswer


def _token(row: Any) -> RecoveryToken:
    return RecoveryToken(
        token_hash=row.token_hash,
        user_id=int(row.user_id),
        channel=row.channel,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        used_at=as_utc(row.used_at) if row.used_at else None,
    )


def _attempt(row: Any) -> RecoveryAttempt:
    return RecoveryAttempt(
        public_id=row.public_id,
        username=row.username,
        question_ids=[str(q) for q in row.question_ids],
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        user_id=int(row.user_id) if row.user_id is not None else None,
        failures=int(row.failures),
        finished=bool(row.finished),
        sms=dict(row.sms or {}),
    )


class SqlRecoveryRepository:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    # --- reset tokens ---------------------------------------------------------------------
    async def add_token(self, token: RecoveryToken) -> None:
        await self._db.execute(
            insert(r.recovery_tokens).values(
                token_hash=token.token_hash,
                user_id=token.user_id,
                channel=token.channel,
                created_at=token.created_at,
                expires_at=token.expires_at,
            )
        )

    async def token(self, token_hash: str) -> RecoveryToken | None:
        query = select(r.recovery_tokens).where(r.recovery_tokens.c.token_hash == token_hash)
        row = (await self._db.execute(query)).first()
        return _token(row) if row else None

    async def use_token(self, token_hash: str, at: datetime) -> bool:
        c = r.recovery_tokens.c
        result = await self._db.execute(
            update(r.recovery_tokens)
            .where(c.token_hash == token_hash, c.used_at.is_(None))
            .values(used_at=at)
        )
        return bool(getattr(result, "rowcount", 0))

    async def retire_tokens(self, user_id: int, at: datetime) -> None:
        c = r.recovery_tokens.c
        await self._db.execute(
            update(r.recovery_tokens)
            .where(c.user_id == user_id, c.used_at.is_(None))
            .values(used_at=at)
        )

    async def tokens_since(self, user_id: int, since: datetime) -> int:
        c = r.recovery_tokens.c
        query = (
            select(func.count())
            .select_from(r.recovery_tokens)
            .where(c.user_id == user_id, c.created_at > since)
        )
        return int((await self._db.execute(query)).scalar_one())

    # --- security answers -----------------------------------------------------------------
    async def set_answers(
        self, user_id: int, answers: Sequence[SecurityAnswer], at: datetime
    ) -> None:
        await self._db.execute(
            delete(r.security_answers).where(r.security_answers.c.user_id == user_id)
        )
        await self._db.execute(
            insert(r.security_answers),
            [
                {
                    "user_id": user_id,
                    "position": a.position,
                    "question_id": a.question_id,
                    "answer_hash": a.answer_hash,
                    "set_at": at,
                }
                for a in answers
            ],
        )

    async def answers(self, user_id: int) -> list[SecurityAnswer]:
        c = r.security_answers.c
        query = select(c.position, c.question_id, c.answer_hash).where(c.user_id == user_id)
        rows = await self._db.execute(query.order_by(c.position))
        return [SecurityAnswer(int(x.position), x.question_id, x.answer_hash) for x in rows]

    async def questions_of(self, username: str) -> tuple[int | None, bool, list[str]]:
        """One narrow query: (user id, locked by support, chosen question ids in order);
        ``(None, False, [])`` for a name nobody has."""
        u, a = t.users.c, r.security_answers.c
        query = (
            select(u.id, u.admin_locked, a.question_id)
            .select_from(t.users.outerjoin(r.security_answers, a.user_id == u.id))
            .where(u.username == username)
            .order_by(a.position)
        )
        rows = (await self._db.execute(query)).all()
        if not rows:
            return None, False, []
        return int(rows[0][0]), bool(rows[0][1]), [x[2] for x in rows if x[2] is not None]

    # --- attempts -------------------------------------------------------------------------
    async def add_attempt(self, attempt: RecoveryAttempt) -> None:
        await self._db.execute(
            insert(r.recovery_attempts).values(
                public_id=attempt.public_id,
                user_id=attempt.user_id,
                username=attempt.username,
                question_ids=list(attempt.question_ids),
                created_at=attempt.created_at,
                expires_at=attempt.expires_at,
                failures=attempt.failures,
                finished=attempt.finished,
                sms=dict(attempt.sms),
            )
        )

    async def attempt(self, public_id: str) -> RecoveryAttempt | None:
        query = (
            select(r.recovery_attempts)
            .where(r.recovery_attempts.c.public_id == public_id)
            .with_for_update()
        )
        row = (await self._db.execute(query)).first()
        return _attempt(row) if row else None

    async def save_attempt(self, attempt: RecoveryAttempt) -> None:
        await self._db.execute(
            update(r.recovery_attempts)
            .where(r.recovery_attempts.c.public_id == attempt.public_id)
            .values(failures=attempt.failures, finished=attempt.finished, sms=dict(attempt.sms))
        )

    # --- pruning (docs/retention.md) ------------------------------------------------------
    async def prune_tokens(self, *, before: datetime, limit: int) -> int:
        c = r.recovery_tokens.c
        return await delete_before(
            self._db,
            r.recovery_tokens,
            key=c.token_hash,
            column=c.expires_at,
            before=before,
            limit=limit,
        )

    async def prune_attempts(self, *, before: datetime, limit: int) -> int:
        c = r.recovery_attempts.c
        return await delete_before(
            self._db,
            r.recovery_attempts,
            key=c.public_id,
            column=c.expires_at,
            before=before,
            limit=limit,
        )
