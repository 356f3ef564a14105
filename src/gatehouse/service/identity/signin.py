"""The sign-in use cases: password step, second-factor challenge and verification."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from gatehouse.domain.errors import (
    AccountLocked,
    CardSpent,
    CodeReused,
    FactorUnavailable,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    LoginNotFound,
    RateLimited,
    WrongEnvironment,
)
from gatehouse.domain.identity import gateway_devices as gateway_rules
from gatehouse.domain.identity import step_up
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.login_flow import Factor, LoginAttempt, LoginState
from gatehouse.domain.identity.throttle import account_key
from gatehouse.domain.identity.users import (
    MAX_LOGIN_NAME,
    Environment,
    Platform,
    User,
    normalize_username,
)
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, known_devices, sessions, throttling
from gatehouse.service.identity.factors import REGISTRY
from gatehouse.service.ports import UnitOfWork

# The codes a step-up accepts. A step-up may also ring the Key device (STEP_UP_CHALLENGES): the
# approval then completes it into the session that asked (``step_up.wait``), never a new one.
STEP_UP_FACTORS = frozenset({Factor.TOTP, Factor.SMS, Factor.CARD})
STEP_UP_CHALLENGES = STEP_UP_FACTORS | {Factor.PUSH}


@dataclass(frozen=True)
class ClientInfo:
    address: str = ""
    user_agent: str = ""
    device_name: str = ""
    device_token: str = ""  # a known-device token from an earlier sign-in, if any


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str
    platform: Platform
    environment: Environment
    client: ClientInfo


async def start(ctx: ServiceContext, request: LoginRequest) -> dict[str, Any]:
    """Check the password; on success open a sign-in that waits for a second factor."""
    address = request.client.address
    await _rate_limit(ctx, ctx.signin.rate_limit_login, "login", address)
    username = normalize_username(request.username)
    if (
        not username
        or len(username) > MAX_LOGIN_NAME
        or not request.password
        or len(request.password) > 256
    ):
        # nothing can match these: refused like any wrong password, with no work or record
        raise InvalidCredentials()
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user, key = await known_devices.budget(ctx, uow, username, request.client.device_token)
        # reserved before Argon2, so concurrent guesses cannot all pass one check
        if_wrong = await throttling.reserve(
            uow,
            account=key,
            address=address,
            now=now,
            account_policy=known_devices.policy(ctx, key),
            address_policy=ctx.address_throttle,
        )
        await uow.commit()
    typed_env = user.environment_of(username) if user else request.environment
    stored_hash = user.password_hash_for(typed_env) if user else None
    # Argon2 runs outside any transaction: it is the slow part, and it must cost the
    # same whether or not the user exists.
    ok = await ctx.hasher.verify(stored_hash, request.password)
    if not ok or user is None or user.id is None:
        subject = audit_log.Subject(
            user_id=user.id if user else None,
            username=username,
            platform=request.platform.value,
            environment=request.environment.value,
            client_address=address,
        )
        await known_devices.password_failed(ctx, key, if_wrong, subject)
        raise InvalidCredentials()
    user_id = user.id
    async with ctx.uow() as uow:

        async def commit() -> None:
            # The reserved attempt is given back last, just before the commit: the throttle
            # rows stay locked for the commit alone, not for the whole step (every sign-in
            # from one address takes that address's row).
            await throttling.release(uow, account=key, address=address)
            await uow.commit()

        rehash = stored_hash is not None and ctx.hasher.needs_rehash(stored_hash)
        if rehash:
            user = await uow.users.get(user_id)
            assert user is not None
        common = audit_log.Subject(
            user_id=user.id,
            username=user.username,
            platform=request.platform.value,
            environment=request.environment.value,
            client_address=address,
        )
        if typed_env is not request.environment:
            await audit_log.record(uow, AuditEvent.WRONG_ENVIRONMENT, at=now, subject=common)
            await commit()
            raise WrongEnvironment(_wrong_env_message(typed_env))
        if user.admin_locked:
            await commit()
            raise AccountLocked("This account is locked. Contact support.", retry_after=None)
        if rehash:
            fresh = await ctx.hasher.hash(request.password)
            if typed_env is Environment.PAPER:
                user.paper_password_hash = fresh
            else:
                user.password_hash = fresh
            await audit_log.record(uow, AuditEvent.PASSWORD_REHASHED, at=now, subject=common)
        factors, notices = await _factors(ctx, uow, user)
        if not factors:
            await commit()
            raise FactorUnavailable(
                "No second factor is set up for this account; contact support to add one."
            )
        attempt = LoginAttempt(
            public_id=ctx.new_public_id(),
            user_id=user_id,
            platform=request.platform.value,
            environment=request.environment.value,
            created_at=now,
            expires_at=now + timedelta(seconds=ctx.signin.login_ttl_seconds),
            client_address=address,
            device_name=request.client.device_name[:100],
            user_agent=request.client.user_agent[:200],
            throttle_key=key,
        )
        await uow.logins.insert(attempt)  # not changed again in this transaction
        await audit_log.record(uow, AuditEvent.LOGIN_PASSWORD_OK, at=now, subject=common)
        await commit()
    body: dict[str, Any] = {
        "login_id": attempt.public_id,
        "state": LoginState.SECOND_FACTOR.value,
        "factors": factors,
        "expires_in": ctx.signin.login_ttl_seconds,
    }
    if user.must_change_password:
        body["password_change_required"] = True
    if notices:
        body["notices"] = notices
    return body


def _wrong_env_message(typed: Environment) -> str:
    if typed is Environment.PAPER:
        return "These are paper trading credentials: choose Paper to sign in with them."
    return "These are live trading credentials: choose Live to sign in with them."


async def available_factors(ctx: ServiceContext, uow: UnitOfWork, user: User) -> list[str]:
    """The second factors this user can use now."""
    return (await _factors(ctx, uow, user))[0]


async def _factors(ctx: ServiceContext, uow: UnitOfWork, user: User) -> tuple[list[str], list[str]]:
    factors: list[str] = []
    notices: list[str] = []
    assert user.id is not None
    facts = await uow.cards.factor_facts(user.id)  # one query for every factor
    for factor, handler in REGISTRY.items():
        availability = await handler.availability(ctx, uow, user, facts)
        if availability.available:
            factors.append(factor.value)
        if availability.notice:
            notices.append(availability.notice)
    return factors, notices


def _parse_factor(raw: object) -> Factor:
    try:
        factor = Factor(str(raw))
    except ValueError:
        raise InvalidInput(
            "The factor must be one of: " + ", ".join(f.value for f in REGISTRY) + ".",
            field="factor",
        ) from None
    if factor not in REGISTRY:
        raise FactorUnavailable()
    return factor


async def _open_attempt(
    ctx: ServiceContext, uow: UnitOfWork, login_id: str, *, step_up_session: str | None = None
) -> tuple[LoginAttempt, User]:
    """The open sign-in ``login_id``; a step-up's attempt only for the session it names."""
    found = await uow.logins.with_user(login_id) if len(login_id) <= 64 else None
    if found is None:
        raise LoginNotFound()
    device_name = found[0].device_name
    if step_up_session is None:
        if step_up.is_step_up(device_name) or gateway_rules.is_renewal(device_name):
            raise LoginNotFound()
    elif not step_up.is_step_up_for(device_name, step_up_session):
        raise LoginNotFound()
    found[0].ensure_open(ctx.clock.now())
    return found


async def challenge(
    ctx: ServiceContext,
    login_id: str,
    factor_name: object,
    address: str,
    *,
    step_up_session: str | None = None,
) -> dict[str, Any]:
    """Send or show a challenge for ``factor`` (SMS code, card cells, push number)."""
    await _rate_limit(ctx, ctx.signin.rate_limit_verify, "challenge", address)
    factor = _parse_factor(factor_name)
    if step_up_session is not None and factor not in STEP_UP_CHALLENGES:
        raise FactorUnavailable()
    handler = REGISTRY[factor]
    async with ctx.uow() as uow:
        attempt, user = await _open_attempt(ctx, uow, login_id, step_up_session=step_up_session)
        availability = await handler.availability(ctx, uow, user)
        if not availability.available:
            if availability.notice == "card_spent":
                raise CardSpent()
            raise FactorUnavailable()
        result = await handler.challenge(ctx, uow, user, attempt)
        await audit_log.record(
            uow,
            AuditEvent.CHALLENGE_SENT,
            at=ctx.clock.now(),
            user_id=user.id,
            username=user.username,
            platform=attempt.platform,
            environment=attempt.environment,
            client_address=address,
            factor=factor.value,
        )
        await uow.commit()
    if result.deliver is not None:
        await result.deliver()
    return result.payload


async def verify(
    ctx: ServiceContext, login_id: str, factor_name: object, code: object, address: str
) -> sessions.SessionGrant:
    """Check the second factor; on success the sign-in ends with a new session."""
    async with ctx.uow() as uow:
        attempt, user, common, extra = await checked_code(
            ctx, uow, login_id, factor_name, code, address
        )
        grant = await complete(
            ctx, uow, attempt, user, common, address=address or attempt.client_address, extra=extra
        )
        await uow.commit()
    return grant


async def checked_code(
    ctx: ServiceContext,
    uow: UnitOfWork,
    login_id: str,
    factor_name: object,
    code: object,
    address: str,
    *,
    step_up_session: str | None = None,
) -> tuple[LoginAttempt, User, audit_log.Subject, dict[str, Any]]:
    """The second factor of an open sign-in (or step-up) checked: a wrong code is counted,
    throttled and audited (and committed) before the typed error goes up."""
    await _rate_limit(ctx, ctx.signin.rate_limit_verify, "verify", address)
    factor = _parse_factor(factor_name)
    if step_up_session is not None and factor not in STEP_UP_FACTORS:
        raise FactorUnavailable()
    if not isinstance(code, str | list) or (
        isinstance(code, list) and not all(isinstance(c, str) for c in code)
    ):
        raise InvalidInput("The code must be a string or a list of strings.", field="code")
    handler = REGISTRY[factor]
    now = ctx.clock.now()
    attempt, user = await _open_attempt(ctx, uow, login_id, step_up_session=step_up_session)
    assert user.id is not None
    key = attempt.throttle_key or account_key(user.id)
    await throttling.check(
        uow,
        account=key,
        address=address,
        now=now,
        account_policy=known_devices.policy(ctx, key),
        address_policy=ctx.address_throttle,
    )
    availability = await handler.availability(ctx, uow, user)
    if not availability.available and availability.notice is None:
        # not enrolled; an enrolled factor that is used up (a spent card) may still
        # finish the challenge it has already shown
        raise FactorUnavailable()
    common = audit_log.Subject(
        user_id=user.id,
        username=user.username,
        platform=attempt.platform,
        environment=attempt.environment,
        client_address=address,
        factor=factor.value,
    )
    try:
        extra = await handler.verify(ctx, uow, user, attempt, code)
    except (InvalidCode, CodeReused) as error:
        # Only a code that was checked counts; a missing challenge, an expired one or a
        # code of the wrong shape is refused without changing anything.
        attempt.record_code_failure(ctx.signin.max_code_attempts)
        verdict = await throttling.record_failure(
            uow,
            account=key,
            address=address,
            now=now,
            account_policy=known_devices.policy(ctx, key),
            address_policy=ctx.address_throttle,
        )
        await audit_log.record(
            uow, AuditEvent.SECOND_FACTOR_FAILED, at=now, reason=error.code, subject=common
        )
        if verdict.locked:
            await audit_log.record(uow, AuditEvent.LOCKED_OUT, at=now, subject=common)
        await uow.commit()
        raise
    return attempt, user, common, extra


async def complete(
    ctx: ServiceContext,
    uow: UnitOfWork,
    attempt: LoginAttempt,
    user: User,
    common: audit_log.Subject,
    *,
    address: str,
    extra: dict[str, Any],
) -> sessions.SessionGrant:
    """The second factor passed: open the session, end the sign-in, clear failures, audit;
    a device the account did not know becomes known (its token goes out with the grant)."""
    assert user.id is not None
    now = ctx.clock.now()
    grant = await sessions.create(
        ctx,
        uow,
        user,
        platform=Platform(attempt.platform),
        environment=Environment(attempt.environment),
        device_name=attempt.device_name,
        client_address=address,
        user_agent=attempt.user_agent,
    )
    attempt.complete(grant.session.public_id)
    key = attempt.throttle_key or account_key(user.id)
    await throttling.clear(uow, key)
    token = await known_devices.remember(ctx, uow, user.id, key=key, platform=attempt.platform)
    if token is not None:
        grant = replace(grant, device_token=token)
    await audit_log.record(
        uow,
        AuditEvent.LOGIN_SUCCEEDED,
        at=now,
        session_id=grant.session.public_id,
        subject=common,
        **extra,
    )
    drift = int(extra.get("drift_steps") or 0)
    if drift:  # accepted one step off: tell the user their device clock is drifting
        offset = drift * totp.STEP_SECONDS
        notices = {
            "notices": ["clock_drift"],
            "clock_offset_seconds": offset,
            "clock_message": totp.clock_drift_message(offset),
        }
        grant = replace(grant, notices=notices)
    return grant


async def _rate_limit(ctx: ServiceContext, limit: str, endpoint: str, address: str) -> None:
    wait = await ctx.limiter.hit(limit, endpoint, address or "unknown")
    if wait:
        raise RateLimited(retry_after=wait)
