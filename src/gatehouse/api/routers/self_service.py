"""A signed-in user's own second factors: authenticator app, SMS number, security code card;
and the step-up (password + second factor) that changing any of them needs first."""

from __future__ import annotations

import base64
from typing import Any

import segno
from fastapi import APIRouter, Query
from pydantic import Field, StrictStr

from gatehouse.adapters.documents.card_pdf import render_card_pdf
from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body, ChallengeBody, VerifyBody
from gatehouse.domain.identity.factors.card import COLUMNS, ROWS
from gatehouse.service.identity import self_service, step_up

router = APIRouter(route_class=LeanRoute, tags=["self-service"])


class CodeBody(Body):
    code: StrictStr = Field(max_length=16)


class PhoneBody(Body):
    phone: StrictStr = Field(max_length=32)


@router.get("/me/factors")
async def factors(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await self_service.factors(ctx, principal)


@router.post("/me/totp")
async def start_totp(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    """A new authenticator secret to scan; it replaces the old one only once confirmed."""
    uri = await self_service.start_totp(ctx, principal)
    qr = segno.make(uri, error="m")
    return {
        "otpauth_uri": uri,
        "secret": uri.split("secret=")[1].split("&")[0],
        "qr_svg": qr.svg_data_uri(scale=5, border=2, dark="#0b1320", light="#ffffff"),
        "expires_in": self_service.ENROLL_SECONDS,
    }


@router.post("/me/totp/confirm")
async def confirm_totp(body: CodeBody, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    await self_service.confirm_totp(ctx, principal, body.code)
    return {"totp": True}


@router.post("/me/phone")
async def start_phone_change(
    body: PhoneBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await self_service.start_phone_change(ctx, principal, body.phone)


@router.post("/me/phone/confirm")
async def confirm_phone(body: CodeBody, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    return await self_service.confirm_phone(ctx, principal, body.code)


@router.post("/me/card")
async def issue_card(principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    """A new security code card, shown this once: the grid and a printable PDF (base64)."""
    issued = await self_service.issue_card(ctx, principal)
    pdf = render_card_pdf(
        issued.cells,
        username=issued.user.username,
        card_id=issued.card_id,
        issued_at=ctx.clock.now(),
    )
    return {
        "card_id": issued.card_id,
        "rows": list(ROWS),
        "columns": list(COLUMNS),
        "cells": issued.cells,
        "pdf_base64": base64.b64encode(pdf).decode("ascii"),
        "filename": f"gatehouse-card-{issued.card_id}.pdf",
    }


class StepUpBody(Body):
    password: StrictStr = Field(max_length=256)


@router.post("/me/step-up")
async def step_up_start(body: StepUpBody, principal: CurrentPrincipal, ctx: Ctx) -> dict[str, Any]:
    """Confirm it is you, step 1: the password. Then a second factor (a code or a Key push)."""
    return await step_up.start(ctx, principal, body.password)


@router.post("/me/step-up/{login_id}/challenge")
async def step_up_challenge(
    login_id: str, body: ChallengeBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    return await step_up.challenge(ctx, principal, login_id, body.factor)


@router.post("/me/step-up/{login_id}/verify")
async def step_up_verify(
    login_id: str, body: VerifyBody, principal: CurrentPrincipal, ctx: Ctx
) -> dict[str, Any]:
    """Step 2: the code; for the next few minutes this session may change how you sign in."""
    return await step_up.verify(ctx, principal, login_id, body.factor, body.code)


@router.get("/me/step-up/{login_id}")
async def step_up_status(
    login_id: str,
    principal: CurrentPrincipal,
    ctx: Ctx,
    wait: float = Query(default=0, ge=0, le=60),
) -> dict[str, Any]:
    """Long poll on a step-up's Key push: pending, reauthenticated (this session) or expired."""
    return await step_up.wait(ctx, principal, login_id, wait=wait)
