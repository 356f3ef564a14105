"""SQL repositories: the storage side of each port in ``gatehouse.service.ports``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gatehouse.adapters.db.identity import tables as t
from gatehouse.adapters.db.identity.tables_key import key_devices
from gatehouse.adapters.db.pruning import delete_before, delete_oldest, delete_oldest_returning
from gatehouse.domain.identity.audit import AuditEntry
from gatehouse.domain.identity.login_flow import LoginAttempt
from gatehouse.domain.identity.retention import (
    DEVICE_PREFIX,
    POLICY_PREFIXES,
    ThrottleRetention,
    prefix_range,
)
from gatehouse.domain.identity.sessions import Session
from gatehouse.domain.identity.throttle import Throttle
from gatehouse.domain.identity.users import User
from gatehouse.service.identity.ports import FactorFacts


# The sign-in path's statements are built once, with bind parameters: building one anew on
# every call (its operators, coercions, subqueries) cost more CPU than SQLAlchemy's cached
# execution of it — ~100 µs for ``factor_facts``'s (profile in docs/benchmarks.md, "Sign-in").
def _user_for_signin(*, with_device: bool) -> Any:
    u = t.users.c
    known = (
        exists()
        .where(
            t.known_devices.c.token_hash == bindparam("device_hash"),
            t.known_devices.c.user_id == u.id,
            t.known_devices.c.created_at >= bindparam("since"),
        )
        .label("known_device")
        if with_device
        else literal(False).label("known_device")
    )
    name = bindparam("username", type_=u.username.type)
    return select(t.users, known).where(or_(u.username == name, u.paper_username == name)).limit(1)


_USER_FOR_SIGNIN = {
    True: _user_for_signin(with_device=True),
    False: _user_for_signin(with_device=False),
}


class SqlUsers:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, user: User) -> None:
        self._db.add(user)
        await self._db.flush()

    async def get(self, user_id: int) -> User | None:
        return await self._db.get(User, user_id)

    async def by_login_name(self, username: str) -> User | None:
        query = select(User).where(
            or_(t.users.c.username == username, t.users.c.paper_username == username)
        )
        return (await self._db.execute(query)).scalars().first()

    async def for_signin(
        self, username: str, device_hash: str | None, *, since: datetime
    ) -> tuple[User, bool] | None:
        # One Core SELECT: the user by either login name, and whether ``device_hash`` is a
        # device the user has known since ``since``. The user comes back as a copy that is
        # not tracked (the password step only reads it).
        params: dict[str, Any] = {"username": username}
        if device_hash is not None:
            params |= {"device_hash": device_hash, "since": since}
        query = _USER_FOR_SIGNIN[device_hash is not None]
        row = (await self._db.execute(query, params)).first()
        if row is None:
            return None
        fields = dict(row._mapping)
        known_device = bool(fields.pop("known_device"))
        return User(**fields), known_device

    async def by_username(self, username: str) -> User | None:
        query = select(User).where(t.users.c.username == username)
        return (await self._db.execute(query)).scalars().first()

    async def by_email(self, email: str) -> User | None:
        query = select(User).where(func.lower(t.users.c.email) == email.lower())
        return (await self._db.execute(query)).scalars().first()

    async def lock(self, user_id: int) -> None:
        users = t.users.c
        if self._db.get_bind().dialect.name == "postgresql":
            # FOR NO KEY UPDATE: rows that refer to the user (audit entries) may still be added.
            held = select(users.id).where(users.id == user_id).with_for_update(key_share=True)
            await self._db.execute(held)
        else:  # SQLite has no row locks: a no-op write takes the database's write lock
            await self._db.execute(update(t.users).where(users.id == user_id).values(id=users.id))

    async def list(self, *, limit: int = 1000) -> Sequence[User]:
        query = select(User).order_by(t.users.c.username).limit(limit)
        return (await self._db.execute(query)).scalars().all()

    async def count(self) -> int:
        return int((await self._db.execute(select(func.count()).select_from(t.users))).scalar_one())

    async def account_id_taken(self, account_id: str) -> bool:
        query = select(t.users.c.id).where(
            or_(
                t.users.c.live_account_id == account_id,
                t.users.c.paper_account_id == "D" + account_id,
            )
        )
        return (await self._db.execute(query)).first() is not None


_INSERT_SESSION = insert(t.sessions).returning(t.sessions.c.id)


class SqlSessions:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, session: Session) -> None:
        # A Core INSERT … RETURNING id, not an ORM flush: no caller changes the new session
        # again in the transaction that opens it, so it needs no change tracking.
        values = {c.name: getattr(session, c.name) for c in t.sessions.c if c.name != "id"}
        session.id = (await self._db.execute(_INSERT_SESSION, values)).scalar_one()

    async def by_token_hash(self, token_hash: str) -> Session | None:
        query = select(Session).where(t.sessions.c.token_hash == token_hash)
        return (await self._db.execute(query)).scalars().first()

    async def by_public_id(self, public_id: str) -> Session | None:
        query = select(Session).where(t.sessions.c.public_id == public_id)
        return (await self._db.execute(query)).scalars().first()

    async def with_user(self, token_hash: str) -> tuple[Session, User] | None:
        query = (
            select(Session, User)
            .join(User, t.users.c.id == t.sessions.c.user_id)
            .where(t.sessions.c.token_hash == token_hash)
        )
        row = (await self._db.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def touch(self, public_id: str, now: datetime) -> bool:
        result = await self._db.execute(
            update(t.sessions)
            .where(t.sessions.c.public_id == public_id, t.sessions.c.ended_at.is_(None))
            .values(last_seen_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def active_for_user(self, user_id: int, now: datetime) -> Sequence[Session]:
        query = (
            select(Session)
            .where(
                t.sessions.c.user_id == user_id,
                t.sessions.c.ended_at.is_(None),
                t.sessions.c.expires_at > now,
            )
            .order_by(t.sessions.c.created_at)
        )
        found = (await self._db.execute(query)).scalars().all()
        return [s for s in found if s.end_reason_at(now) is None]

    async def prune_ended(self, *, before: datetime, limit: int) -> list[str]:
        c = t.sessions.c
        return await delete_oldest_returning(
            self._db,
            t.sessions,
            key=c.id,
            order=c.ended_at,
            where=c.ended_at < before,
            limit=limit,
            returning=c.public_id,
        )

    async def prune_expired(self, *, before: datetime, limit: int) -> list[str]:
        c = t.sessions.c
        return await delete_oldest_returning(
            self._db,
            t.sessions,
            key=c.id,
            order=c.expires_at,
            where=c.expires_at < before,
            limit=limit,
            returning=c.public_id,
        )


_INSERT_ATTEMPT = insert(t.login_attempts)


@cache
def _attempt_with_user() -> Any:
    # built on first use: the ORM's mappers are configured by then
    return (
        select(LoginAttempt, User)
        .join(User, t.users.c.id == t.login_attempts.c.user_id)
        .where(t.login_attempts.c.public_id == bindparam("public_id"))
        # FOR NO KEY UPDATE: what updating the rows takes anyway; unlike FOR UPDATE it
        # lets other transactions insert rows that refer to them (audit entries).
        .with_for_update(key_share=True)
    )


class SqlLogins:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, attempt: LoginAttempt) -> None:
        self._db.add(attempt)
        await self._db.flush()

    async def insert(self, attempt: LoginAttempt) -> None:
        # A Core INSERT: for an attempt this transaction does not change again (``add``
        # tracks it for later changes, at the cost of the ORM's flush).
        values = {c.name: getattr(attempt, c.name) for c in t.login_attempts.c if c.name != "id"}
        await self._db.execute(_INSERT_ATTEMPT, values)

    async def by_public_id(self, public_id: str) -> LoginAttempt | None:
        query = select(LoginAttempt).where(t.login_attempts.c.public_id == public_id)
        return (await self._db.execute(query)).scalars().first()

    async def with_user(self, public_id: str) -> tuple[LoginAttempt, User] | None:
        row = (await self._db.execute(_attempt_with_user(), {"public_id": public_id})).first()
        return (row[0], row[1]) if row else None

    async def prune_of_sessions(self, session_public_ids: Sequence[str]) -> int:
        if not session_public_ids:
            return 0
        c = t.login_attempts.c
        result = await self._db.execute(
            delete(t.login_attempts).where(c.session_public_id.in_(list(session_public_ids)))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def prune_unfinished(self, *, before: datetime, limit: int) -> int:
        c = t.login_attempts.c
        return await delete_oldest(
            self._db,
            t.login_attempts,
            key=c.id,
            # the index's order: every row here has no session, so this is by expiry
            order=(c.session_public_id, c.expires_at),
            where=and_(c.session_public_id.is_(None), c.expires_at < before),
            limit=limit,
        )


_THROTTLE_COLUMNS = (
    t.throttles.c.key,
    t.throttles.c.failures,
    t.throttles.c.last_failure_at,
    t.throttles.c.locked_until,
)


def _lock_throttles(upsert: Any) -> Any:
    rows = upsert(t.throttles)
    return rows.on_conflict_do_update(
        index_elements=[t.throttles.c.key], set_={"key": rows.excluded.key}
    ).returning(*_THROTTLE_COLUMNS)


_LOCK_THROTTLES = {False: _lock_throttles(sqlite.insert), True: _lock_throttles(postgresql.insert)}
_SAVE_THROTTLE = (
    update(t.throttles)
    .where(t.throttles.c.key == bindparam("k"))
    .values(
        failures=bindparam("failures"),
        last_failure_at=bindparam("last_failure_at"),
        locked_until=bindparam("locked_until"),
    )
)


_PEEK_THROTTLES = select(*_THROTTLE_COLUMNS).where(
    t.throttles.c.key.in_(bindparam("keys", expanding=True))
)
_RELEASE_THROTTLES = (
    update(t.throttles)
    .where(t.throttles.c.key.in_(bindparam("keys", expanding=True)), t.throttles.c.failures > 0)
    .values(failures=t.throttles.c.failures - 1, locked_until=None)
    .execution_options(synchronize_session=False)
)
_CLEAR_THROTTLE = (
    update(t.throttles)
    .where(
        t.throttles.c.key == bindparam("k"),
        or_(
            t.throttles.c.failures != 0,
            t.throttles.c.last_failure_at.is_not(None),
            t.throttles.c.locked_until.is_not(None),
        ),
    )
    .values(failures=0, last_failure_at=None, locked_until=None)
)


def _throttle(row: Any) -> Throttle:
    return Throttle(
        key=row.key,
        failures=row.failures,
        last_failure_at=row.last_failure_at,
        locked_until=row.locked_until,
    )


class SqlThrottles:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def peek(self, key: str) -> Throttle | None:
        return await self._db.get(Throttle, key)

    async def peek_many(self, keys: Sequence[str]) -> dict[str, Throttle]:
        # Core, not the ORM: the rows come back as plain values (no identity map, no change
        # tracking); a caller that changes one writes it with ``save``.
        rows = await self._db.execute(_PEEK_THROTTLES, {"keys": list(keys)})
        return {row.key: _throttle(row) for row in rows}

    async def get_or_new(self, key: str) -> Throttle:
        # Insert-if-missing first: concurrent first failures of one key must both count,
        # not collide on the primary key; then lock the row and read its latest counts.
        dialect = self._db.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self._db.execute(upsert(t.throttles).values(key=key).on_conflict_do_nothing())
        found = await self._db.get(Throttle, key, with_for_update=True, populate_existing=True)
        assert found is not None
        return found

    async def lock_many(self, keys: Sequence[str]) -> dict[str, Throttle]:
        # One statement: insert the missing rows, and touch the existing ones (a no-op update
        # that takes their row locks — on SQLite the write lock, which also serialises other
        # processes), returning all of them, in key order so two callers never deadlock.
        # Core, like ``peek_many``: the caller writes its changes back with ``save``.
        # The rows go as executemany parameters, which SQLAlchemy sends as one multi-row
        # INSERT (its "insertmanyvalues"), in this order: a statement with the rows in its
        # VALUES could not be cached, and was compiled anew every time.
        dialect = self._db.get_bind().dialect.name
        locking = _LOCK_THROTTLES[dialect == "postgresql"]
        rows = await self._db.execute(locking, [{"key": k} for k in sorted(set(keys))])
        return {row.key: _throttle(row) for row in rows}

    async def save(self, throttles: Sequence[Throttle]) -> None:
        await self._db.execute(
            _SAVE_THROTTLE,
            [
                {
                    "k": found.key,
                    "failures": found.failures,
                    "last_failure_at": found.last_failure_at,
                    "locked_until": found.locked_until,
                }
                for found in throttles
            ],
        )

    async def release(self, keys: Sequence[str]) -> None:
        await self._db.execute(_RELEASE_THROTTLES, {"keys": list(keys)})

    async def clear(self, key: str) -> None:
        # One UPDATE instead of a SELECT then an UPDATE; only a row with something to clear
        # is written (and so locked), as the ORM's change-tracking did. Core: the rows the
        # sign-in path reads (``peek_many``, ``lock_many``) are plain copies, not ORM objects
        # to keep in step.
        await self._db.execute(_CLEAR_THROTTLE, {"k": key})

    # Pruning (docs/retention.md) walks the table in key order, a window of rows a
    # transaction: which rows may go is not a range of any index, so each window is bounded
    # by the rows it reads, not only by the rows it deletes.
    async def key_after(self, after: str, *, skip: int) -> str | None:
        """The key ``skip`` keys after ``after`` in key order; None past the last one."""
        c = t.throttles.c
        query = select(c.key).where(c.key > after).order_by(c.key).offset(skip - 1).limit(1)
        row = (await self._db.execute(query)).first()
        return str(row[0]) if row is not None else None

    async def prune(self, rule: ThrottleRetention, *, after: str, upto: str | None) -> int:
        """Delete the rows after ``after`` and up to ``upto`` (None: to the end) that hold
        nothing a missing row would not (``rule``); how many went."""
        c = t.throttles.c
        window = c.key > after if upto is None else and_(c.key > after, c.key <= upto)
        result = await self._db.execute(delete(t.throttles).where(window, _forgettable(rule)))
        return int(getattr(result, "rowcount", 0) or 0)


def _in_prefix(key: Any, prefix: str) -> Any:
    low, high = prefix_range(prefix)
    return and_(key >= low, key < high)


def _forgettable(rule: ThrottleRetention) -> Any:
    """``ThrottleRetention.forgettable`` in SQL."""
    c, d = t.throttles.c, t.known_devices.c
    no_lockout = or_(c.locked_until.is_(None), c.locked_until <= rule.now)
    idle = and_(
        c.failures == 0, or_(c.last_failure_at.is_(None), c.last_failure_at <= rule.idle_before)
    )
    device_gone = and_(
        _in_prefix(c.key, DEVICE_PREFIX),
        ~exists().where(d.token_hash == func.substr(c.key, len(DEVICE_PREFIX) + 1)),
    )
    kinds = []
    for stale in rule.stale:
        if stale.prefix is None:
            keys = and_(*(~_in_prefix(c.key, p) for p in POLICY_PREFIXES))
        else:
            keys = _in_prefix(c.key, stale.prefix)
        below = c.failures < stale.below if stale.below else true()
        kinds.append(and_(keys, c.last_failure_at <= stale.before, below))
    return and_(no_lockout, or_(device_gone, idle, *kinds))


_INSERT_KNOWN_DEVICE = insert(t.known_devices)


class SqlKnownDevices:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def is_known(self, user_id: int, token_hash: str, *, since: datetime) -> bool:
        c = t.known_devices.c
        query = select(c.user_id).where(
            c.token_hash == token_hash, c.user_id == user_id, c.created_at >= since
        )
        return (await self._db.execute(query)).first() is not None

    async def add(self, user_id: int, token_hash: str, *, platform: str, at: datetime) -> None:
        await self._db.execute(
            _INSERT_KNOWN_DEVICE,
            {"token_hash": token_hash, "user_id": user_id, "platform": platform, "created_at": at},
        )

    async def forget(self, token_hash: str) -> None:
        await self._db.execute(
            delete(t.known_devices).where(t.known_devices.c.token_hash == token_hash)
        )

    async def prune(self, *, before: datetime, limit: int) -> int:
        # one bounded batch (the oldest first, by ix_known_devices_created_at), so that a
        # large backlog is deleted in short transactions rather than one long one
        c = t.known_devices.c
        return await delete_before(
            self._db,
            t.known_devices,
            key=c.token_hash,
            column=c.created_at,
            before=before,
            limit=limit,
        )


_INSERT_AUDIT = insert(t.audit_log)


class SqlAudit:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, entry: AuditEntry) -> None:
        # A Core INSERT now, not an ORM object flushed later (with a RETURNING of its id that
        # nothing reads): the same row in the same transaction, for a fraction of the work.
        await self._db.execute(
            _INSERT_AUDIT,
            {
                "at": entry.at,
                "event": entry.event,
                "user_id": entry.user_id,
                "username": entry.username,
                "platform": entry.platform,
                "environment": entry.environment,
                "client_address": entry.client_address,
                "factor": entry.factor,
                "actor": entry.actor,
                "detail": entry.detail,
            },
        )

    async def for_user(self, user_id: int, *, limit: int = 50) -> Sequence[AuditEntry]:
        query = (
            select(AuditEntry)
            .where(t.audit_log.c.user_id == user_id)
            .order_by(t.audit_log.c.at.desc(), t.audit_log.c.id.desc())
            .limit(limit)
        )
        return (await self._db.execute(query)).scalars().all()


def _factor_facts() -> Any:
    # One SELECT of three scalar subqueries, instead of one query per factor.
    cards, cells, keys = t.code_cards.c, t.card_cells.c, key_devices.c
    user_id = bindparam("user_id", type_=cards.user_id.type)
    card = (
        select(cards.id)
        .where(cards.user_id == user_id, cards.active.is_(True))
        .limit(1)
        .scalar_subquery()
    )
    unused = (
        select(func.count())
        .select_from(t.card_cells)
        .where(cells.card_id == card, cells.asked_at.is_(None))
        .scalar_subquery()
    )
    key = exists().where(keys.user_id == user_id, keys.revoked_at.is_(None))
    return select(card, unused, key)


_FACTOR_FACTS = _factor_facts()


class SqlCards:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add_card(
        self, *, card_id: str, user_id: int, issued_at: datetime, cell_hashes: dict[str, str]
    ) -> None:
        await self._db.execute(
            insert(t.code_cards).values(id=card_id, user_id=user_id, issued_at=issued_at)
        )
        await self._db.execute(
            insert(t.card_cells),
            [{"card_id": card_id, "label": k, "value_hash": v} for k, v in cell_hashes.items()],
        )

    async def deactivate_all(self, user_id: int) -> None:
        await self._db.execute(
            update(t.code_cards).where(t.code_cards.c.user_id == user_id).values(active=False)
        )

    async def factor_facts(self, user_id: int) -> FactorFacts:
        row = (await self._db.execute(_FACTOR_FACTS, {"user_id": user_id})).one()
        return FactorFacts(
            card_id=None if row[0] is None else str(row[0]),
            card_unused=int(row[1] or 0),
            key_device=bool(row[2]),
        )

    async def active_card(self, user_id: int) -> str | None:
        query = select(t.code_cards.c.id).where(
            t.code_cards.c.user_id == user_id, t.code_cards.c.active.is_(True)
        )
        row = (await self._db.execute(query)).first()
        return str(row[0]) if row else None

    async def unused_labels(self, card_id: str) -> list[str]:
        query = select(t.card_cells.c.label).where(
            t.card_cells.c.card_id == card_id, t.card_cells.c.asked_at.is_(None)
        )
        return [str(r[0]) for r in await self._db.execute(query)]

    async def mark_asked(self, card_id: str, labels: Sequence[str], at: datetime) -> None:
        await self._db.execute(
            update(t.card_cells)
            .where(t.card_cells.c.card_id == card_id, t.card_cells.c.label.in_(list(labels)))
            .values(asked_at=at)
        )

    async def hashes(self, card_id: str, labels: Sequence[str]) -> dict[str, str]:
        query = select(t.card_cells.c.label, t.card_cells.c.value_hash).where(
            t.card_cells.c.card_id == card_id, t.card_cells.c.label.in_(list(labels))
        )
        return {str(r[0]): str(r[1]) for r in await self._db.execute(query)}


class SqlSmsOutbox:
    def __init__(self, db: AsyncSession) -> None:
        self._db = db

    async def add(self, *, to: str, text: str, at: datetime) -> None:
        await self._db.execute(insert(t.sms_outbox).values(to=to, text=text, created_at=at))

    async def latest(self, *, limit: int = 20, to: str | None = None) -> list[dict[str, Any]]:
        query = select(t.sms_outbox).order_by(t.sms_outbox.c.id.desc()).limit(limit)
        if to:
            query = query.where(t.sms_outbox.c.to == to)
        return [dict(r._mapping) for r in await self._db.execute(query)]

    async def prune(self, *, before: datetime, limit: int) -> int:
        c = t.sms_outbox.c
        return await delete_before(
            self._db, t.sms_outbox, key=c.id, column=c.created_at, before=before, limit=limit
        )
