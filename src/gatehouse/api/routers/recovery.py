"""Recovery endpoints (forgotten password, security questions) and the user's own credentials.

Emails and SMS go out after the response (background tasks), so the answer — and how long
it takes — is the same whether or not the account exists.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import Field, StrictStr

from gatehouse.api.auth import Ctx, CurrentPrincipal, client_address
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.responses import JsonResponse
from gatehouse.api.schemas import Body
from gatehouse.service.identity import credentials, recovery, recovery_questions

router = APIRouter(route_class=LeanRoute, tags=["recovery"])
log = logging.getLogger(__name__)


class PasswordRecoveryBody(Body):
    username: StrictStr | None = Field(default=None, max_length=64)
    email: StrictStr | None = Field(default=None, max_length=254)


class ResetBody(Body):
    token: StrictStr = Field(max_length=128)
    password: StrictStr = Field(max_length=1024)


class QuestionsStartBody(Body):
    username: StrictStr = Field(max_length=64)


class QuestionsVerifyBody(Body):
    answers: list[StrictStr] = Field(max_length=3)
    factor: StrictStr = Field(max_length=8)
    code: StrictStr = Field(max_length=16)


class QuestionEntry(Body):
    question: StrictStr = Field(max_length=40)
    answer: StrictStr = Field(max_length=400)


class SetQuestionsBody(Body):
    password: StrictStr = Field(max_length=1024)
    questions: list[QuestionEntry] = Field(max_length=3)


class ChangePasswordBody(Body):
    current: StrictStr = Field(max_length=1024)
    new: StrictStr = Field(max_length=1024)


def _later(background: BackgroundTasks, answer: recovery.Answer) -> None:
    if answer.deliver is None:
        return
    deliver = answer.deliver

    async def run() -> None:
        try:
            await deliver()
        except Exception:  # the caller has its answer already; the operator sees the log
            log.exception("recovery delivery failed")

    background.add_task(run)


@router.post("/recovery/password", status_code=202)
async def forgot_password(
    body: PasswordRecoveryBody, request: Request, background: BackgroundTasks, ctx: Ctx
) -> dict[str, Any]:
    """Email a single-use reset link; the same answer whether or not the account exists."""
    answer = await recovery.request_email(
        ctx, username=body.username, email=body.email, address=client_address(request)
    )
    _later(background, answer)
    return answer.body


@router.post("/recovery/password/reset")
async def reset_password(body: ResetBody, request: Request, ctx: Ctx) -> dict[str, Any]:
    """Set a new password with the token from the link (or from security questions)."""
    return await recovery.reset_password(
        ctx, token=body.token, password=body.password, address=client_address(request)
    )


@router.get("/recovery/questions/catalog")
async def question_catalog() -> dict[str, Any]:
    return {"questions": credentials.catalog()}


@router.post("/recovery/questions")
async def start_questions(body: QuestionsStartBody, request: Request, ctx: Ctx) -> dict[str, Any]:
    return await recovery_questions.start(
        ctx, username=body.username, address=client_address(request)
    )


@router.post("/recovery/questions/{recovery_id}/sms", status_code=202)
async def questions_sms(
    recovery_id: str, request: Request, background: BackgroundTasks, ctx: Ctx
) -> dict[str, Any]:
    answer = await recovery_questions.send_sms(ctx, recovery_id, address=client_address(request))
    _later(background, answer)
    return answer.body


@router.post("/recovery/questions/{recovery_id}/verify")
async def questions_verify(
    recovery_id: str, body: QuestionsVerifyBody, request: Request, ctx: Ctx
) -> dict[str, Any]:
    """All three answers and a TOTP or SMS code → a reset token."""
    return await recovery_questions.verify(
        ctx,
        recovery_id,
        answers=body.answers,
        factor=body.factor,
        code=body.code,
        address=client_address(request),
    )


@router.get("/me/security-questions")
async def my_questions(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await credentials.my_questions(ctx, principal)


@router.put("/me/security-questions")
async def set_questions(
    body: SetQuestionsBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await credentials.set_questions(
        ctx,
        principal,
        questions=[entry.model_dump() for entry in body.questions],
        password=body.password,
    )


@router.post("/me/password")
async def change_password(
    body: ChangePasswordBody, principal: CurrentPrincipal, ctx: Ctx
) -> JsonResponse:
    """Change the password (the only thing a session with a temporary password may do)."""
    return JsonResponse(
        await credentials.change_password(ctx, principal, current=body.current, new=body.new)
    )
