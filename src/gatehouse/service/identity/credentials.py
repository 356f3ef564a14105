"""A signed-in user's own credentials: change the password, set the security questions.

Both ask for the current password again (a stolen session alone cannot change them), and a
wrong current password counts as a failed sign-in for throttling. Answers are normalized and
hashed with Argon2id like passwords; ``count_matching`` checks them for recovery and support.
"""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import InvalidCredentials, InvalidInput, WeakPassword
from gatehouse.domain.identity.audit import AuditEvent
from gatehouse.domain.identity.passwords import check_password
from gatehouse.domain.identity.recovery import (
    QUESTION_COUNT,
    QUESTIONS,
    SecurityAnswer,
    check_question_set,
    question_view,
)
from gatehouse.domain.identity.throttle import account_key
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import audit_log, factor_changes, throttling, users
from gatehouse.service.identity.key_devices import factors_changed
from gatehouse.service.identity.sessions import Principal

MAX_PASSWORD = 1024


def _text(raw: object, field: str, limit: int = MAX_PASSWORD) -> str:
    if not isinstance(raw, str) or not raw or len(raw) > limit:
        raise InvalidInput(f"{field} is required.", field=field)
    return raw


async def confirm_password(ctx: ServiceContext, principal: Principal, password: str) -> None:
    """Raise InvalidCredentials unless ``password`` is the user's current live password."""
    user_id = principal.user.id or 0
    address = principal.session.client_address
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        user = await uow.users.get(user_id)
        assert user is not None
        await throttling.check(
            uow,
            account=account_key(user_id),
            address=address,
            now=now,
            account_policy=ctx.account_throttle,
            address_policy=ctx.address_throttle,
        )
    if await ctx.hasher.verify(user.password_hash, password):
        return
    async with ctx.uow() as uow:
        await throttling.record_failure(
            uow,
            account=account_key(user_id),
            address=address,
            now=now,
            account_policy=ctx.account_throttle,
            address_policy=ctx.address_throttle,
        )
        await audit_log.record(
            uow,
            AuditEvent.LOGIN_FAILED,
            at=now,
            user_id=user_id,
            username=user.username,
            platform=principal.session.platform,
            environment=principal.session.environment,
            client_address=address,
            reason="current_password",
        )
        await uow.commit()
    raise InvalidCredentials("The current password is not right.")


async def change_password(
    ctx: ServiceContext, principal: Principal, *, current: object, new: object
) -> dict[str, Any]:
    """Replace a (possibly temporary) password; the user's other sessions end."""
    old, fresh = _text(current, "current"), _text(new, "new")
    user = principal.user
    check_password(fresh, policy=ctx.password_policy, username=user.username, email=user.email)
    if fresh == old:
        raise WeakPassword("Choose a password different from the current one.", rule="unchanged")
    if not user.must_change_password:  # a temporary one is changed right after signing in
        async with ctx.uow() as uow:
            await factor_changes.require_recent(ctx, uow, principal)
    await confirm_password(ctx, principal, old)
    hashed = await ctx.hasher.hash(fresh)
    async with ctx.uow() as uow:
        stored = await uow.users.get(user.id or 0)
        assert stored is not None
        ended = await users.apply_password(
            ctx, uow, stored, hashed, actor="self", keep_session=principal.session.public_id
        )
        notify = await factor_changes.notify_change(ctx, uow, stored, "Your password was changed")
        await uow.commit()
    await notify()
    return {"changed": True, "sessions_ended": ended}


def _entries(raw: object) -> list[tuple[str, str]]:
    if not isinstance(raw, list) or len(raw) != QUESTION_COUNT:
        raise InvalidInput(f"Give exactly {QUESTION_COUNT} questions.", field="questions")
    entries: list[tuple[str, str]] = []
    for item in raw:
        question = item.get("question") if isinstance(item, dict) else None
        answer = item.get("answer") if isinstance(item, dict) else None
        if not isinstance(question, str) or not isinstance(answer, str) or len(answer) > 400:
            raise InvalidInput(
                'Each entry is {"question": <id>, "answer": <text>}.', field="questions"
            )
        entries.append((question, answer))
    return entries


async def set_questions(
    ctx: ServiceContext, principal: Principal, *, questions: object, password: object
) -> dict[str, Any]:
    """Choose three catalog questions and answer them (replacing any earlier set)."""
    chosen = check_question_set(_entries(questions))
    async with ctx.uow() as uow:  # a recovery factor: changed only right after a full sign-in
        await factor_changes.require_recent(ctx, uow, principal)
    await confirm_password(ctx, principal, _text(password, "password"))
    hashed = [await ctx.hasher.hash(answer) for _, answer in chosen]
    now = ctx.clock.now()
    stored = [
        SecurityAnswer(position=i, question_id=qid, answer_hash=h)
        for i, ((qid, _), h) in enumerate(zip(chosen, hashed, strict=True))
    ]
    async with ctx.uow() as uow:
        user = await uow.users.get(principal.user.id or 0)
        assert user is not None and user.id is not None
        await uow.recovery.set_answers(user.id, stored, now)
        await audit_log.record(
            uow,
            AuditEvent.SECURITY_QUESTIONS_SET,
            at=now,
            user_id=user.id,
            username=user.username,
            platform=principal.session.platform,
            actor="self",
        )
        await factors_changed(ctx, uow, user, AuditEvent.SECURITY_QUESTIONS_SET.value)
        await uow.commit()
    return {"questions": question_view([qid for qid, _ in chosen]), "set": True}


async def my_questions(ctx: ServiceContext, principal: Principal) -> dict[str, Any]:
    async with ctx.uow() as uow:
        found = await uow.recovery.answers(principal.user.id or 0)
    return {"questions": question_view([a.question_id for a in found]), "set": bool(found)}


def catalog() -> list[dict[str, str]]:
    return question_view(list(QUESTIONS))


async def count_matching(
    ctx: ServiceContext, stored: list[SecurityAnswer], given: list[str]
) -> int:
    """How many of ``given`` (normalized, in order) match; costs the same with nothing stored."""
    hashes = {answer.position: answer.answer_hash for answer in stored}
    matched = 0
    for position, answer in enumerate(given):
        if await ctx.hasher.verify(hashes.get(position), answer):
            matched += 1
    return matched
