"""SQL storage of gateway devices and their single-use sign-in challenges (SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.identity import tables_gateway as g
from gatehouse.adapters.db.pruning import delete_before
from gatehouse.domain.clock import as_utc
from gatehouse.domain.identity.gateway_devices import GatewayChallenge, GatewayDevice


def _maybe(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _device(row: Any) -> GatewayDevice:
    return GatewayDevice(
        public_id=row.public_id,
        user_id=int(row.user_id),
        name=row.name,
        public_key=row.public_key,
        environment=row.environment,
        scope=row.scope,
        created_at=as_utc(row.created_at),
        full_factor_at=as_utc(row.full_factor_at),
        last_used_at=_maybe(row.last_used_at),
        last_address=row.last_address,
        revoked_at=_maybe(row.revoked_at),
        revoked_by=row.revoked_by,
    )


class SqlGatewayDevices:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, device: GatewayDevice) -> None:
        await self._db.execute(
            insert(g.gateway_devices).values(
                public_id=device.public_id,
                user_id=device.user_id,
                name=device.name,
                public_key=device.public_key,
                environment=device.environment,
                scope=device.scope,
                created_at=device.created_at,
                full_factor_at=device.full_factor_at,
                last_address="",
                revoked_by="",
            )
        )

    async def get(self, public_id: str) -> GatewayDevice | None:
        query = select(g.gateway_devices).where(g.gateway_devices.c.public_id == public_id)
        row = (await self._db.execute(query)).first()
        return _device(row) if row else None

    async def for_user(self, user_id: int) -> Sequence[GatewayDevice]:
        c = g.gateway_devices.c
        query = select(g.gateway_devices).where(c.user_id == user_id, c.revoked_at.is_(None))
        return [_device(r) for r in await self._db.execute(query.order_by(c.created_at))]

    async def count_active(self, user_id: int) -> int:
        c = g.gateway_devices.c
        query = select(func.count()).where(c.user_id == user_id, c.revoked_at.is_(None))
        return int((await self._db.execute(query)).scalar_one())

    async def public_key_taken(self, public_key: str) -> bool:
        c = g.gateway_devices.c
        query = select(c.public_id).where(c.public_key == public_key)
        return (await self._db.execute(query)).first() is not None

    async def revoke(self, public_id: str, *, at: datetime, by: str) -> bool:
        c = g.gateway_devices.c
        result = await self._db.execute(
            update(g.gateway_devices)
            .where(c.public_id == public_id, c.revoked_at.is_(None))
            .values(revoked_at=at, revoked_by=by[:40])
        )
        return bool(getattr(result, "rowcount", 0))

    async def used(self, public_id: str, *, at: datetime, address: str) -> None:
        await self._db.execute(
            update(g.gateway_devices)
            .where(g.gateway_devices.c.public_id == public_id)
            .values(last_used_at=at, last_address=address[:64])
        )

    async def add_challenge(self, challenge: GatewayChallenge) -> None:
        c = g.gateway_challenges.c
        # a device has few open nonces: drop the ones that can no longer be used
        await self._db.execute(
            delete(g.gateway_challenges).where(
                c.device_id == challenge.device_id, c.expires_at <= challenge.created_at
            )
        )
        await self._db.execute(
            insert(g.gateway_challenges).values(
                nonce=challenge.nonce,
                device_id=challenge.device_id,
                created_at=challenge.created_at,
                expires_at=challenge.expires_at,
            )
        )

    async def open_challenges(self, device_id: str, now: datetime) -> Sequence[GatewayChallenge]:
        c = g.gateway_challenges.c
        query = (
            select(g.gateway_challenges)
            .where(c.device_id == device_id, c.used_at.is_(None), c.expires_at > now)
            .order_by(c.created_at.desc())
            .limit(5)
        )
        return [
            GatewayChallenge(
                nonce=r.nonce,
                device_id=r.device_id,
                created_at=as_utc(r.created_at),
                expires_at=as_utc(r.expires_at),
            )
            for r in await self._db.execute(query)
        ]

    async def use_challenge(self, nonce: str, at: datetime) -> bool:
        c = g.gateway_challenges.c
        result = await self._db.execute(
            update(g.gateway_challenges)
            .where(c.nonce == nonce, c.used_at.is_(None))
            .values(used_at=at)
        )
        return bool(getattr(result, "rowcount", 0))

    async def renew(self, public_id: str, at: datetime) -> bool:
        """Record a fresh full second factor for an active device."""
        c = g.gateway_devices.c
        result = await self._db.execute(
            update(g.gateway_devices)
            .where(c.public_id == public_id, c.revoked_at.is_(None))
            .values(full_factor_at=at)
        )
        return bool(getattr(result, "rowcount", 0))

    async def prune_challenges(self, *, before: datetime, limit: int) -> int:
        """Nonces that expired before ``before``: ``add_challenge`` drops a device's own
        expired ones only when it asks again, which a revoked device never does."""
        c = g.gateway_challenges.c
        return await delete_before(
            self._db,
            g.gateway_challenges,
            key=c.nonce,
            column=c.expires_at,
            before=before,
            limit=limit,
        )
