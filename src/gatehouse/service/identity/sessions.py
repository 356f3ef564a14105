"""Session use cases: create, authenticate a request, keep alive, list and end sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import InvalidInput, NotAuthenticated, NotFound, SessionExpired
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.sessions import (
    TRADE_SCOPE,
    EndReason,
    Session,
    csrf_token_for,
    new_token,
    socket_ticket_for,
    socket_ticket_session,
    token_hash,
)
from gatehouse.domain.identity.users import Environment, Platform, User
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log
from gatehouse.service.ports import UnitOfWork


@dataclass(frozen=True)
class SessionGrant:
    """A new session, with the only copy of its token that will ever exist."""

    session: Session
    user: User
    token: str
    csrf_token: str
    notices: dict[str, Any] = field(default_factory=dict)  # e.g. the device clock looks off
    device_token: str | None = None  # a new known-device token (docs/signin.md)

    def view(self, *, include_token: bool = True) -> dict[str, Any]:
        body = session_view(self.session, self.user)
        body["token"] = self.token if include_token else None
        body["csrf_token"] = self.csrf_token
        if include_token and self.device_token:
            body["device_token"] = self.device_token
        body.update(self.notices)
        return body


@dataclass(frozen=True)
class Principal:
    """Who is making a request: the user and the session they use."""

    user: User
    session: Session

    @property
    def environment(self) -> Environment:
        return Environment(self.session.environment)

    @property
    def account_ids(self) -> list[str]:
        return self.user.account_ids(self.environment)

    def held(self) -> HeldPrincipal:
        """What a long-lived socket keeps of this principal: plain values, no ORM objects."""
        assert self.user.id is not None
        environment = self.environment
        paper = environment is Environment.PAPER
        return HeldPrincipal(
            user_id=self.user.id,
            session_id=self.session.public_id,
            environment=environment,
            account_ids=tuple(self.account_ids),
            username=self.user.paper_username if paper else self.user.username,
            expires_at=as_utc(self.session.expires_at),
        )


@dataclass(frozen=True, slots=True)
class HeldPrincipal:
    """A principal as a socket holds it for hours: the ids and names it answers with.

    The user and session objects a ``Principal`` carries are ORM-mapped (an instance state,
    a committed-state dict and weak references each, ~17 objects and ~120 references
    together); thousands of sockets holding them made every full garbage collection walk
    them (docs/benchmarks.md). What needs the full principal reads it again
    (``socket_principal``)."""

    user_id: int
    session_id: str
    environment: Environment
    account_ids: tuple[str, ...]
    username: str  # the name of the session's environment (live or paper)
    expires_at: datetime


def session_view(session: Session, user: User, *, current: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "session_id": session.public_id,
        "platform": session.platform,
        "environment": session.environment,
        "username": user.paper_username
        if session.environment == Environment.PAPER.value
        else user.username,
        "accounts": user.account_ids(Environment(session.environment)),
        "idle_timeout": session.idle_seconds,
        "expires_at": as_utc(session.expires_at).isoformat(),
        "created_at": as_utc(session.created_at).isoformat(),
        "last_seen_at": as_utc(session.last_seen_at).isoformat(),
        "device_name": session.device_name,
        "address": session.client_address,
        "scope": session.scope,
    }
    if current is not None:
        body["current"] = session.public_id == current
    return body


async def create(
    ctx: ServiceContext,
    uow: UnitOfWork,
    user: User,
    *,
    platform: Platform,
    environment: Environment,
    device_name: str,
    client_address: str,
    user_agent: str,
    scope: str = TRADE_SCOPE,
    device_id: str | None = None,
    ends_by: datetime | None = None,
) -> SessionGrant:
    """Open a session inside the caller's transaction; the caller commits.

    A gateway device's session carries its ``scope`` and ``device_id`` and may have to end
    earlier than the platform's lifetime (``ends_by``: when a full second factor is due).
    """
    assert user.id is not None
    now = ctx.clock.now()
    limits = ctx.session_limits[platform]
    expires_at = now + timedelta(seconds=limits.lifetime_seconds)
    if ends_by is not None:
        expires_at = min(expires_at, ends_by)
    wanted = user.mobile_idle_seconds if platform is Platform.MOBILE else None
    token = new_token(ctx.tokens)
    session = Session(
        public_id=ctx.new_public_id(),
        token_hash=token_hash(token),
        user_id=user.id,
        platform=platform.value,
        environment=environment.value,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
        idle_seconds=limits.choose_idle(wanted),
        device_name=device_name[:100],
        client_address=client_address[:64],
        user_agent=user_agent[:200],
        scope=scope,
        device_id=device_id,
    )
    await uow.sessions.add(session)
    await uow.events.append(
        user_id=user.id,
        type="session.created",
        account=user.account_ids(environment)[0],
        data=_event_data(session),
        at=now,
    )
    return SessionGrant(session, user, token, csrf_token_for(token, key=ctx.csrf_key))


def _event_data(session: Session) -> dict[str, object]:
    return {
        "session_id": session.public_id,
        "platform": session.platform,
        "environment": session.environment,
        "device_name": session.device_name,
        "address": session.client_address,
        "reason": session.end_reason,
    }


async def end(
    ctx: ServiceContext,
    uow: UnitOfWork,
    session: Session,
    user: User,
    reason: EndReason,
    *,
    actor: str = "",
) -> None:
    now = ctx.clock.now()
    session.end(reason, now)
    assert user.id is not None
    await audit_log.record(
        uow,
        AuditEvent.SESSION_ENDED,
        at=now,
        user_id=user.id,
        username=user.username,
        platform=session.platform,
        environment=session.environment,
        client_address=session.client_address,
        actor=actor,
        reason=reason.value,
        session_id=session.public_id,
    )
    await uow.events.append(
        user_id=user.id,
        type="session.ended",
        account=user.account_ids(Environment(session.environment))[0],
        data=_event_data(session),
        at=now,
    )


async def authenticate(ctx: ServiceContext, token: str, *, remember: bool = True) -> Principal:
    """The principal behind a bearer or cookie token; ends sessions found expired.

    ``remember=False`` (a socket, which authenticates once) reads a principal found in the
    cache but does not cache one it had to load: thousands of socket handshakes would
    otherwise leave thousands of user and session objects cached among the sockets'
    long-lived objects, and memory fragmented once they expire."""
    if not token or len(token) > 128:
        raise NotAuthenticated()
    now = ctx.clock.now()
    digest = token_hash(token)
    cached = ctx.principals.get(digest, now)
    if cached is not None:
        user, session = cached
        if session.end_reason_at(now) is None and not session.needs_touch(
            now, ctx.signin.session_touch_seconds
        ):
            return Principal(user, session)
    # One trip to the database per token at a time; its other requests share the answer.
    user, session = await ctx.principals.single_flight(
        digest, lambda: _authenticate_from_database(ctx, digest, now, cached, remember)
    )
    return Principal(user, session)


async def _authenticate_from_database(
    ctx: ServiceContext,
    digest: str,
    now: datetime,
    cached: tuple[User, Session] | None,
    remember: bool = True,
) -> tuple[User, Session]:
    """Touch a cached session that is due, or read the session afresh (ending it if it
    turns out to be over); caches and returns it."""
    if cached is not None:
        user, session = cached
        if session.end_reason_at(now) is None:
            async with ctx.uow() as uow:
                if await uow.sessions.touch(session.public_id, now):
                    await uow.commit()
                    session.last_seen_at = now
                    return user, session
        ctx.principals.evict_session(session.public_id)
    async with ctx.uow() as uow:
        found = await uow.sessions.with_user(digest)
        if found is None:
            raise NotAuthenticated()
        session, user = found
        reason = session.end_reason_at(now)
        if reason is not None:
            if session.ended_at is None:
                await end(ctx, uow, session, user, reason)
                await uow.commit()
            raise SessionExpired()
        if session.needs_touch(now, ctx.signin.session_touch_seconds):
            session.last_seen_at = now
            await uow.commit()
    if remember:
        ctx.principals.put(digest, user, session, now)
    return user, session


def socket_ticket(ctx: ServiceContext, session: Session) -> str:
    """The short-lived ticket that opens ``/v1/api/ws`` for this session (tickle's ``session``)."""
    return socket_ticket_for(session.public_id, ctx.clock.now(), key=ctx.csrf_key)


async def authenticate_ticket(ctx: ServiceContext, ticket: str) -> Principal:
    """The principal a socket ticket names; refused once stale or once its session ended."""
    now = ctx.clock.now()
    public_id = socket_ticket_session(ticket, now, key=ctx.csrf_key)
    if public_id is None:
        raise NotAuthenticated()
    async with ctx.uow() as uow:
        session = await uow.sessions.by_public_id(public_id)
        found = None if session is None else await uow.sessions.with_user(session.token_hash)
    if found is None:
        raise NotAuthenticated()
    session, user = found
    if session.end_reason_at(now) is not None:
        raise SessionExpired()
    return Principal(user, session)


async def tickle(ctx: ServiceContext, principal: Principal) -> Session:
    """Keep a session alive: mark it seen now."""
    session = await tickle_session(ctx, principal.session.public_id)
    principal.session.last_seen_at = session.last_seen_at
    return session


async def tickle_session(ctx: ServiceContext, public_id: str) -> Session:
    """Mark the session ``public_id`` seen now; NotAuthenticated once it has ended."""
    async with ctx.uow() as uow:
        session = await uow.sessions.by_public_id(public_id)
        if session is None or session.ended_at is not None:
            raise NotAuthenticated()
        session.last_seen_at = ctx.clock.now()
        await uow.commit()
    return session


async def socket_principal(ctx: ServiceContext, held: HeldPrincipal) -> Principal:
    """The full principal of a socket's session, read again (for reads of its accounts);
    NotAuthenticated once the session has ended, as ``tickle``."""
    async with ctx.uow() as uow:
        session = await uow.sessions.by_public_id(held.session_id)
        if session is None or session.ended_at is not None:
            raise NotAuthenticated()
        user = await uow.users.get(session.user_id)
        if user is None:
            raise NotAuthenticated()
    return Principal(user, session)


async def list_for(ctx: ServiceContext, principal: Principal) -> list[dict[str, Any]]:
    assert principal.user.id is not None
    async with ctx.uow() as uow:
        found = await uow.sessions.active_for_user(principal.user.id, ctx.clock.now())
        return [session_view(s, principal.user, current=principal.session.public_id) for s in found]


async def end_one(
    ctx: ServiceContext, principal: Principal, public_id: str, *, reason: EndReason
) -> None:
    async with ctx.uow() as uow:
        session = await uow.sessions.by_public_id(public_id)
        if session is None or session.user_id != principal.user.id or session.ended_at:
            raise NotFound("No active session has that id.")
        await end(ctx, uow, session, principal.user, reason)
        await uow.commit()


async def end_all(
    ctx: ServiceContext,
    user_id: int,
    *,
    reason: EndReason,
    keep: str | None = None,
    actor: str = "",
    uow: UnitOfWork | None = None,
) -> int:
    """End every session of a user (but ``keep``); inside ``uow`` when given."""
    if uow is not None:
        return await _end_all(ctx, uow, user_id, reason=reason, keep=keep, actor=actor)
    async with ctx.uow() as own:
        count = await _end_all(ctx, own, user_id, reason=reason, keep=keep, actor=actor)
        await own.commit()
        return count


async def _end_all(
    ctx: ServiceContext,
    uow: UnitOfWork,
    user_id: int,
    *,
    reason: EndReason,
    keep: str | None,
    actor: str,
) -> int:
    user = await uow.users.get(user_id)
    if user is None:
        raise NotFound("No such user.")
    count = 0
    for session in await uow.sessions.active_for_user(user_id, ctx.clock.now()):
        if session.public_id != keep:
            await end(ctx, uow, session, user, reason, actor=actor)
            count += 1
    return count


async def set_mobile_idle(ctx: ServiceContext, principal: Principal, seconds: int) -> int:
    """The user's own mobile inactivity timeout, within the operator's bounds."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise InvalidInput(
            "The idle timeout must be a whole number of seconds.", field="idle_timeout"
        )
    chosen = ctx.session_limits[Platform.MOBILE].check_idle_choice(seconds)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await uow.users.get(principal.user.id or 0)
        assert user is not None and user.id is not None
        user.mobile_idle_seconds = chosen
        for session in await uow.sessions.active_for_user(user.id, now):
            if session.platform == Platform.MOBILE.value:
                session.idle_seconds = chosen
        await audit_log.record(
            uow,
            AuditEvent.IDLE_TIMEOUT_CHANGED,
            at=now,
            user_id=user.id,
            username=user.username,
            platform=principal.session.platform,
            seconds=chosen,
        )
        await uow.commit()
    ctx.principals.evict_user(principal.user.id or 0)
    return chosen


def is_alive(session: Session, now: datetime) -> bool:
    return session.end_reason_at(now) is None
