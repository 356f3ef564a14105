"""SQL storage of passkeys, their one-time challenges and each device's last full sign-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.identity import tables as t
from gatehouse.adapters.db.identity import tables_passkeys as p
from gatehouse.domain.clock import as_utc
from gatehouse.domain.identity.factors.passkey import Passkey, PasskeyChallenge
from gatehouse.domain.identity.login_flow import LoginState


def _passkey(row: Any) -> Passkey:
    return Passkey(
        public_id=row.public_id,
        credential_id=row.credential_id,
        user_id=row.user_id,
        public_key=bytes(row.public_key),
        sign_count=int(row.sign_count),
        environment=row.environment,
        created_at=as_utc(row.created_at),
        device_name=row.device_name,
        backed_up=bool(row.backed_up),
        aaguid=row.aaguid,
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
    )


class SqlPasskeys:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, passkey: Passkey) -> None:
        await self._db.execute(
            insert(p.passkeys).values(
                public_id=passkey.public_id,
                credential_id=passkey.credential_id,
                user_id=passkey.user_id,
                public_key=passkey.public_key,
                sign_count=passkey.sign_count,
                environment=passkey.environment,
                device_name=passkey.device_name,
                backed_up=passkey.backed_up,
                aaguid=passkey.aaguid,
                created_at=passkey.created_at,
            )
        )

    async def by_credential_id(self, credential_id: str) -> Passkey | None:
        query = select(p.passkeys).where(p.passkeys.c.credential_id == credential_id)
        row = (await self._db.execute(query.with_for_update())).first()
        return _passkey(row) if row else None

    async def for_user(self, user_id: int) -> Sequence[Passkey]:
        query = (
            select(p.passkeys)
            .where(p.passkeys.c.user_id == user_id)
            .order_by(p.passkeys.c.created_at)
        )
        return [_passkey(r) for r in await self._db.execute(query)]

    async def record_use(self, public_id: str, *, sign_count: int, at: datetime) -> None:
        await self._db.execute(
            update(p.passkeys)
            .where(p.passkeys.c.public_id == public_id)
            .values(sign_count=sign_count, last_used_at=at)
        )

    async def remove(self, user_id: int, public_id: str) -> bool:
        done = await self._db.execute(
            delete(p.passkeys).where(
                p.passkeys.c.user_id == user_id, p.passkeys.c.public_id == public_id
            )
        )
        return bool(getattr(done, "rowcount", 0))

    async def add_challenge(self, challenge: PasskeyChallenge, *, now: datetime) -> None:
        # Expired challenges go as new ones arrive, so the table never grows unbounded.
        await self._db.execute(
            delete(p.passkey_challenges).where(p.passkey_challenges.c.expires_at < now)
        )
        await self._db.execute(
            insert(p.passkey_challenges).values(
                public_id=challenge.public_id,
                purpose=challenge.purpose,
                challenge=challenge.challenge,
                user_id=challenge.user_id,
                environment=challenge.environment,
                expires_at=challenge.expires_at,
            )
        )

    async def take_challenge(self, public_id: str, *, purpose: str) -> PasskeyChallenge | None:
        table = p.passkey_challenges
        query = (
            delete(table)
            .where(table.c.public_id == public_id, table.c.purpose == purpose)
            .returning(
                table.c.public_id,
                table.c.purpose,
                table.c.challenge,
                table.c.user_id,
                table.c.environment,
                table.c.expires_at,
            )
        )
        row = (await self._db.execute(query)).first()
        if row is None:
            return None
        return PasskeyChallenge(
            public_id=row.public_id,
            purpose=row.purpose,
            challenge=row.challenge,
            expires_at=as_utc(row.expires_at),
            user_id=row.user_id,
            environment=row.environment,
        )

    async def full_signin_at(self, user_id: int, device_id: str) -> datetime | None:
        table = p.device_signins
        query = select(table.c.full_signin_at).where(
            table.c.user_id == user_id, table.c.device_id == device_id
        )
        value = (await self._db.execute(query)).scalar_one_or_none()
        return as_utc(value) if value is not None else None

    async def record_full_signin(self, user_id: int, device_id: str, at: datetime) -> None:
        table = p.device_signins
        changed = await self._db.execute(
            update(table)
            .where(table.c.user_id == user_id, table.c.device_id == device_id)
            .values(full_signin_at=at)
        )
        if not getattr(changed, "rowcount", 0):
            await self._db.execute(
                insert(table).values(user_id=user_id, device_id=device_id, full_signin_at=at)
            )

    async def last_full_signin(self, session_public_id: str) -> datetime | None:
        """When a password + second factor last vouched for this session (its sign-in or a
        step-up): the newest completed sign-in attempt that names it."""
        query = select(func.max(t.login_attempts.c.created_at)).where(
            t.login_attempts.c.session_public_id == session_public_id,
            t.login_attempts.c.state == LoginState.COMPLETED.value,
        )
        value = (await self._db.execute(query)).scalar_one_or_none()
        return as_utc(value) if value is not None else None

    async def opened_by_full_signin(self, session_public_id: str) -> bool:
        query = select(t.login_attempts.c.id).where(
            t.login_attempts.c.session_public_id == session_public_id,
            t.login_attempts.c.state == LoginState.COMPLETED.value,
        )
        return (await self._db.execute(query)).first() is not None
