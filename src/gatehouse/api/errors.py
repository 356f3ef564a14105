"""The one place where errors become HTTP: status codes and the JSON error body."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gatehouse.api.responses import JsonResponse
from gatehouse.domain import errors as e

log = logging.getLogger("gatehouse.api")

# Most specific first: the first class an error is an instance of decides its status.
STATUS: list[tuple[type[e.GatehouseError], int]] = [
    (e.PayloadTooLarge, 413),
    (e.InvalidCredentials, 401),
    (e.InvalidCode, 401),
    (e.CodeReused, 401),
    (e.NotAuthenticated, 401),
    (e.CsrfFailed, 403),
    (e.Forbidden, 403),
    (e.PasswordChangeRequired, 403),
    (e.PasskeyRejected, 401),
    (e.ReauthRequired, 401),
    (e.InvalidActivationCode, 401),
    (e.BadSignature, 401),
    (e.PushDenied, 401),
    (e.PushWrongNumber, 401),
    (e.RecoveryFailed, 401),
    (e.LoginNotFound, 404),
    (e.NotFound, 404),
    (e.WrongEnvironment, 409),
    (e.FactorUnavailable, 409),
    (e.ChallengeRequired, 409),
    (e.CardSpent, 409),
    (e.Conflict, 409),
    (e.LoginExpired, 410),
    (e.ChallengeExpired, 410),
    (e.AccountLocked, 423),
    (e.RateLimited, 429),
    (e.ResendLimit, 429),
    (e.InvalidInput, 400),
    (e.OrderRejected, 400),
    (e.ServiceUnavailable, 503),
]


def status_for(error: e.GatehouseError) -> int:
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 400


def error_response(error: e.GatehouseError) -> JsonResponse:
    body: dict[str, object] = {"error": error.code, "message": error.message}
    # echoed values must render: an integer JSON cannot hold in 64 bits goes as text
    body.update(
        {
            k: str(v) if isinstance(v, int) and abs(v) >= 2**63 else v
            for k, v in error.details.items()
        }
    )
    headers = {}
    retry = error.details.get("retry_after")
    if isinstance(retry, int):
        headers["Retry-After"] = str(retry)
    return JsonResponse(body, status_code=status_for(error), headers=headers)


def _describe(exc: RequestValidationError) -> e.GatehouseError:
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return e.MalformedRequest()
    first = problems[0] if problems else {}
    # loc is (where: "body", "query" or "path"; the field; then details such as a union member)
    loc = first.get("loc", ())
    field = str(loc[1]) if len(loc) > 1 else ""
    if not field:  # the body itself: empty, or not an object
        return e.InvalidInput("The request body must be a JSON object.")
    if first.get("type") == "missing":
        return e.InvalidInput(f"The field {field!r} is required.", field=field)
    reason = str(first.get("msg", "")).rstrip(".")
    return e.InvalidInput(f"The field {field!r} is not valid: {reason}.", field=field)


def install(app: FastAPI) -> None:
    @app.exception_handler(e.GatehouseError)
    async def _gatehouse(_: Request, exc: e.GatehouseError) -> JsonResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JsonResponse:
        return error_response(_describe(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JsonResponse:
        if exc.status_code == 400:  # FastAPI could not read the body (e.g. it is not UTF-8)
            return error_response(e.MalformedRequest())
        if exc.status_code == 404:  # no such route
            return error_response(e.NotFound())
        codes = {405: ("method_not_allowed", "That method is not allowed here.")}
        code, message = codes.get(exc.status_code, ("http_error", f"{exc.detail}."))
        return JsonResponse(
            {"error": code, "message": message},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JsonResponse:
        log.exception("unexpected error", exc_info=exc)
        return JsonResponse(
            {"error": "internal_error", "message": "Something went wrong on our side."},
            status_code=500,
        )
