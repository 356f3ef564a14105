"""The support console's user search over the users table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.identity import tables as t
from gatehouse.domain.identity.users import User


class SqlDirectory:
    """The support console's user search."""

    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def find_users(self, text: str, *, limit: int = 20) -> Sequence[User]:
        needle = text.strip().lower()
        u = t.users.c
        query = (
            select(User)
            .where(
                or_(
                    u.username.startswith(needle, autoescape=True),
                    u.paper_username.startswith(needle, autoescape=True),
                    func.lower(u.email).contains(needle, autoescape=True),
                    u.phone == text.strip(),
                    func.lower(u.live_account_id) == needle,
                    func.lower(u.paper_account_id) == needle,
                )
            )
            .order_by(u.username)
            .limit(limit)
        )
        return (await self._db.execute(query)).scalars().all()
