"""The OpenAPI document as the server really answers: every operation declares the error
statuses of ``api/errors.py`` with the one error body, and never FastAPI's 422."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gatehouse.api.errors import STATUS

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A stable code, e.g. invalid_input."},
        "message": {"type": "string", "description": "A sentence for people."},
        "field": {"type": "string", "description": "The input field at fault, if one is."},
        "retry_after": {
            "type": ["integer", "null"],
            "description": "Seconds to wait (429, 423); null: until unlocked.",
        },
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    400: "Bad input (invalid_input, malformed_request, …)",
    401: "Not signed in, or a wrong credential or code",
    403: "Forbidden (csrf_failed, forbidden, password_change_required)",
    404: "Not found",
    409: "Conflict with the current state",
    410: "Expired",
    413: "The body is too large",
    423: "Locked",
    429: "Too many requests (retry_after)",
}
ERROR_STATUSES = sorted({status for _, status in STATUS if status < 500} | {400, 413})
VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the real error responses (built once, then cached)."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    declared = {
        str(s): {"description": DESCRIPTIONS.get(s, "Error"), "content": error}
        for s in ERROR_STATUSES
    }
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # never sent: bad input is a 400 with the error body
            for status, response in declared.items():
                responses.setdefault(status, response)
    for name in VALIDATION_SCHEMAS:
        doc["components"]["schemas"].pop(name, None)
    app.openapi_schema = doc
    return doc


def install(app: FastAPI) -> None:
    app.openapi = lambda: document(app)  # type: ignore[method-assign]
