"""SQL storage of Key devices, their activation codes and push challenges (SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.identity import tables_key as k
from gatehouse.adapters.db.pruning import delete_before
from gatehouse.domain.clock import as_utc
from gatehouse.domain.identity.factors.push import Outcome, PushChallenge
from gatehouse.domain.identity.key_devices import KeyActivation, KeyDevice


def _maybe(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _device(row: Any) -> KeyDevice:
    return KeyDevice(
        public_id=row.public_id,
        user_id=int(row.user_id),
        name=row.name,
        public_key=row.public_key,
        created_at=as_utc(row.created_at),
        last_seen_at=_maybe(row.last_seen_at),
        revoked_at=_maybe(row.revoked_at),
        revoked_by=row.revoked_by,
    )


def _activation(row: Any) -> KeyActivation:
    return KeyActivation(
        code_hash=row.code_hash,
        user_id=int(row.user_id),
        kind=row.kind,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        created_by=row.created_by,
        used_at=_maybe(row.used_at),
    )


def _challenge(row: Any) -> PushChallenge:
    return PushChallenge(
        nonce=row.nonce,
        login_id=row.login_public_id,
        user_id=int(row.user_id),
        number=int(row.number),
        choices=[int(c) for c in row.choices],
        platform=row.platform,
        environment=row.environment,
        client_address=row.client_address,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        decision=row.decision,
        decided_at=_maybe(row.decided_at),
        device_id=row.device_id,
    )


class SqlKeyRepository:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    # --- devices ---------------------------------------------------------------------
    async def add_device(self, device: KeyDevice) -> None:
        await self._db.execute(
            insert(k.key_devices).values(
                public_id=device.public_id,
                user_id=device.user_id,
                name=device.name,
                public_key=device.public_key,
                created_at=device.created_at,
                revoked_by="",
            )
        )

    async def device(self, public_id: str) -> KeyDevice | None:
        query = select(k.key_devices).where(k.key_devices.c.public_id == public_id)
        row = (await self._db.execute(query)).first()
        return _device(row) if row else None

    async def devices_for(
        self, user_id: int, *, include_revoked: bool = False
    ) -> Sequence[KeyDevice]:
        query = select(k.key_devices).where(k.key_devices.c.user_id == user_id)
        if not include_revoked:
            query = query.where(k.key_devices.c.revoked_at.is_(None))
        rows = await self._db.execute(query.order_by(k.key_devices.c.created_at))
        return [_device(r) for r in rows]

    async def public_key_taken(self, public_key: str) -> bool:
        query = select(k.key_devices.c.public_id).where(k.key_devices.c.public_key == public_key)
        return (await self._db.execute(query)).first() is not None

    async def revoke_device(self, public_id: str, *, at: datetime, by: str) -> bool:
        result = await self._db.execute(
            update(k.key_devices)
            .where(k.key_devices.c.public_id == public_id, k.key_devices.c.revoked_at.is_(None))
            .values(revoked_at=at, revoked_by=by[:40])
        )
        return bool(getattr(result, "rowcount", 0))

    async def touch_device(self, public_id: str, at: datetime) -> None:
        await self._db.execute(
            update(k.key_devices)
            .where(k.key_devices.c.public_id == public_id)
            .values(last_seen_at=at)
        )

    # --- activation codes ---------------------------------------------------------------
    async def add_activation(self, activation: KeyActivation) -> None:
        await self._db.execute(
            insert(k.key_activations).values(
                code_hash=activation.code_hash,
                user_id=activation.user_id,
                kind=activation.kind,
                created_at=activation.created_at,
                expires_at=activation.expires_at,
                created_by=activation.created_by,
            )
        )

    async def activation(self, code_hash: str) -> KeyActivation | None:
        query = select(k.key_activations).where(k.key_activations.c.code_hash == code_hash)
        row = (await self._db.execute(query)).first()
        return _activation(row) if row else None

    async def use_activation(self, code_hash: str, at: datetime) -> bool:
        result = await self._db.execute(
            update(k.key_activations)
            .where(
                k.key_activations.c.code_hash == code_hash, k.key_activations.c.used_at.is_(None)
            )
            .values(used_at=at)
        )
        return bool(getattr(result, "rowcount", 0))

    async def cancel_activations(self, user_id: int, at: datetime) -> None:
        await self._db.execute(
            update(k.key_activations)
            .where(k.key_activations.c.user_id == user_id, k.key_activations.c.used_at.is_(None))
            .values(used_at=at)
        )

    # --- push challenges ----------------------------------------------------------------
    async def add_challenge(self, challenge: PushChallenge) -> None:
        await self._db.execute(
            insert(k.push_challenges).values(
                nonce=challenge.nonce,
                login_public_id=challenge.login_id,
                user_id=challenge.user_id,
                number=challenge.number,
                choices=list(challenge.choices),
                platform=challenge.platform,
                environment=challenge.environment,
                client_address=challenge.client_address,
                created_at=challenge.created_at,
                expires_at=challenge.expires_at,
            )
        )

    async def challenge(self, nonce: str) -> PushChallenge | None:
        query = select(k.push_challenges).where(k.push_challenges.c.nonce == nonce)
        row = (await self._db.execute(query)).first()
        return _challenge(row) if row else None

    async def open_challenges(self, user_id: int, now: datetime) -> Sequence[PushChallenge]:
        c = k.push_challenges.c
        query = (
            select(k.push_challenges)
            .where(c.user_id == user_id, c.decision.is_(None), c.expires_at > now)
            .order_by(c.created_at)
        )
        return [_challenge(r) for r in await self._db.execute(query)]

    async def decide_challenge(
        self, nonce: str, *, decision: str, device_id: str | None, at: datetime
    ) -> bool:
        c = k.push_challenges.c
        result = await self._db.execute(
            update(k.push_challenges)
            .where(c.nonce == nonce, c.decision.is_(None))
            .values(decision=decision, device_id=device_id, decided_at=at)
        )
        return bool(getattr(result, "rowcount", 0))

    async def supersede_challenges(self, login_id: str, at: datetime) -> None:
        c = k.push_challenges.c
        await self._db.execute(
            update(k.push_challenges)
            .where(c.login_public_id == login_id, c.decision.is_(None))
            .values(decision=Outcome.SUPERSEDED.value, decided_at=at)
        )

    # --- pruning (docs/retention.md) ----------------------------------------------------
    async def prune_activations(self, *, before: datetime, limit: int) -> int:
        c = k.key_activations.c
        return await delete_before(
            self._db,
            k.key_activations,
            key=c.code_hash,
            column=c.expires_at,
            before=before,
            limit=limit,
        )

    async def prune_challenges(self, *, before: datetime, limit: int) -> int:
        c = k.push_challenges.c
        return await delete_before(
            self._db,
            k.push_challenges,
            key=c.nonce,
            column=c.expires_at,
            before=before,
            limit=limit,
        )
