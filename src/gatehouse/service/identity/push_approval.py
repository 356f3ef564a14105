"""The device side of push approval: signed requests, open push requests, and decisions.

Every device request is signed with the device's Ed25519 key: polling requests and the
WebSocket hello carry a timestamp (±60 s of the server's clock; the hello also signs a fresh
server nonce), and a decision signs (nonce, device id, decision, number). A nonce is decided
once. Approval marks the sign-in approved — the waiting long poll opens the session — while a
denial or a wrong number fails it, counts as a failure for throttling, is audited, and is
announced to the user's other sessions as a ``security.push_denied`` event.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import (
    DeviceNotRecognized,
    InvalidInput,
    PushAlreadyDecided,
    PushNotFound,
)
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.factors import push
from gatehouse.domain.identity.key_devices import KeyDevice
from gatehouse.domain.identity.login_flow import Factor, LoginState
from gatehouse.domain.identity.throttle import account_key
from gatehouse.domain.identity.users import Environment
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, throttling

_NONCE = re.compile(r"[0-9a-f]{64}")
_TOUCH_EVERY = timedelta(seconds=60)


def _check_device_id(raw: object) -> str:
    if not isinstance(raw, str) or not 1 <= len(raw) <= 32:
        raise DeviceNotRecognized()
    return raw


def _check_timestamp(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise InvalidInput("timestamp must be Unix seconds.", field="timestamp")
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("timestamp must be Unix seconds.", field="timestamp") from None


async def _signed_by(
    ctx: ServiceContext, device_id: object, timestamp: object, signature: object, payload: Any
) -> KeyDevice:
    """The active device whose key signed ``payload(device_id, timestamp)``, within skew."""
    device_id = _check_device_id(device_id)
    when = _check_timestamp(timestamp)
    now = ctx.clock.now()
    push.check_timestamp(when, now=now, skew_seconds=ctx.key.request_skew_seconds)
    async with ctx.uow() as uow:
        device = await uow.key.device(device_id)
        if device is None or not device.active:
            raise DeviceNotRecognized()
        push.verify_signature(
            device.public_key,
            payload(device_id, when),
            signature if isinstance(signature, str) else "",
        )
        if device.last_seen_at is None or now - as_utc(device.last_seen_at) >= _TOUCH_EVERY:
            await uow.key.touch_device(device_id, now)
            await uow.commit()
    return device


async def device_for_request(
    ctx: ServiceContext,
    *,
    method: str,
    path: str,
    device_id: object,
    timestamp: object,
    signature: object,
) -> KeyDevice:
    """Authenticate a polling request by its ``X-Gatehouse-*`` headers."""
    return await _signed_by(
        ctx,
        device_id,
        timestamp,
        signature,
        lambda d, t: push.request_payload(method, path, d, t),
    )


async def device_for_hello(ctx: ServiceContext, hello: object, *, server_nonce: str) -> KeyDevice:
    """Authenticate a WebSocket hello: ``{"op":"hello","device_id","timestamp","signature"}``."""
    if not isinstance(hello, dict) or hello.get("op") != "hello":
        raise InvalidInput('The first message must be {"op": "hello", ...}.')
    return await _signed_by(
        ctx,
        hello.get("device_id"),
        hello.get("timestamp"),
        hello.get("signature"),
        lambda d, t: push.hello_payload(d, t, server_nonce),
    )


async def pending(ctx: ServiceContext, device: KeyDevice) -> list[dict[str, object]]:
    """The open push requests of the device's user whose sign-in is still waiting on them."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        current = await uow.key.device(device.public_id)  # revoked while connected?
        user = await uow.users.get(device.user_id)
        if user is None or current is None or not current.active:
            raise DeviceNotRecognized()
        found: list[dict[str, object]] = []
        for challenge in await uow.key.open_challenges(device.user_id, now):
            attempt = await uow.logins.by_public_id(challenge.login_id)
            if (
                attempt is not None
                and attempt.state == LoginState.SECOND_FACTOR.value
                and now < as_utc(attempt.expires_at)
                and attempt.challenge.get("nonce") == challenge.nonce
            ):
                found.append(challenge.device_view(user.username))
        return found


def _parse_decision(decision: object, number: object) -> tuple[push.Decision, int | None]:
    try:
        chosen = push.Decision(str(decision))
    except ValueError:
        raise InvalidInput("decision must be approve or deny.", field="decision") from None
    if number is None and chosen is push.Decision.DENY:
        return chosen, None
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidInput("number must be the two-digit number picked.", field="number")
    if not push.LOWEST <= number <= push.HIGHEST:
        raise InvalidInput("number must be the two-digit number picked.", field="number")
    return chosen, number


async def decide(
    ctx: ServiceContext,
    nonce: str,
    *,
    device_id: object,
    decision: object,
    number: object,
    signature: object,
) -> dict[str, Any]:
    """Apply a device's signed answer to a push request; returns the outcome."""
    chosen, picked = _parse_decision(decision, number)
    device_id = _check_device_id(device_id)
    if not _NONCE.fullmatch(nonce):
        raise PushNotFound()
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        challenge = await uow.key.challenge(nonce)
        if challenge is None:
            raise PushNotFound()
        device = await uow.key.device(device_id)
        if device is None or not device.active or device.user_id != challenge.user_id:
            raise DeviceNotRecognized()
        payload = push.decision_payload(nonce, device_id, chosen, picked)
        push.verify_signature(
            device.public_key, payload, signature if isinstance(signature, str) else ""
        )
        challenge.ensure_decidable(now)
        found = await uow.logins.with_user(challenge.login_id)
        if found is None:
            raise PushNotFound()
        attempt, user = found
        assert user.id is not None
        if (
            attempt.state != LoginState.SECOND_FACTOR.value
            or now >= as_utc(attempt.expires_at)
            or attempt.challenge_factor != Factor.PUSH.value
            or attempt.challenge.get("nonce") != nonce
        ):
            await uow.key.supersede_challenges(attempt.public_id, now)
            await uow.commit()
            raise PushAlreadyDecided("This sign-in has ended or sent a newer request.")
        outcome = push.decide(challenge, chosen, picked, now=now)
        if not await uow.key.decide_challenge(
            nonce, decision=outcome.value, device_id=device_id, at=now
        ):
            raise PushAlreadyDecided()
        subject = audit_log.Subject(
            user_id=user.id,
            username=user.username,
            platform=attempt.platform,
            environment=attempt.environment,
            client_address=attempt.client_address,
            factor=Factor.PUSH.value,
        )
        attempt.challenge = {**attempt.challenge, "decision": outcome.value, "device_id": device_id}
        await uow.key.touch_device(device_id, now)
        if outcome is push.Outcome.APPROVED:
            await audit_log.record(
                uow, AuditEvent.PUSH_APPROVED, at=now, subject=subject, device_id=device_id
            )
        else:
            attempt.state = LoginState.FAILED.value
            reason = "push_denied" if outcome is push.Outcome.DENIED else "push_wrong_number"
            verdict = await throttling.record_failure(
                uow,
                account=account_key(user.id),
                address=attempt.client_address,
                now=now,
                account_policy=ctx.account_throttle,
                address_policy=ctx.address_throttle,
            )
            await audit_log.record(
                uow, AuditEvent.SECOND_FACTOR_FAILED, at=now, subject=subject, reason=reason
            )
            event = (
                AuditEvent.PUSH_DENIED
                if outcome is push.Outcome.DENIED
                else AuditEvent.PUSH_WRONG_NUMBER
            )
            await audit_log.record(uow, event, at=now, subject=subject, device_id=device_id)
            if verdict.locked:
                await audit_log.record(uow, AuditEvent.LOCKED_OUT, at=now, subject=subject)
            await uow.events.append(
                user_id=user.id,
                type="security.push_denied",
                account=user.account_ids(Environment(attempt.environment))[0],
                data={
                    "reason": outcome.value,
                    "platform": attempt.platform,
                    "environment": attempt.environment,
                    "address": attempt.client_address,
                    "requested_at": as_utc(challenge.created_at).isoformat(),
                    "device_name": device.name,
                },
                at=now,
            )
        await uow.commit()
    ctx.login_signals.notify(challenge.login_id)
    return {"nonce": nonce, "result": outcome.value}
